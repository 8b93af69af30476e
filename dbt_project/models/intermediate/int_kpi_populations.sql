-- Registered population per period and KPI region (domain.md, "KPIs"): the region's row of the
-- population seed for P's year, else the latest earlier year on file; a region with none has no
-- population (its rates are null). Where the seed has no usable row for the city, the city is the sum
-- of its counties that have one (null when none has a value).
with periods as (
    select period, cast(substr(period, 1, 4) as integer) as year from {{ ref('int_periods') }}
),
geography as (
    select region_code, level from {{ ref('int_kpi_geography') }}
),
latest as (
    select
        p.period,
        g.region_code,
        g.level,
        pop.population_total,
        pop.population_rural,
        pop.population_urban,
        row_number() over (partition by p.period, g.region_code order by pop.year desc) as rank_latest
    from periods as p
    cross join geography as g
    join {{ ref('region_population') }} as pop
        on pop.region_code = g.region_code and pop.year <= p.year
),
own as (
    select period, region_code, level, population_total, population_rural, population_urban
    from latest
    where rank_latest = 1
),
counties_summed as (
    select
        period,
        sum(population_total) as population_total,
        sum(population_rural) as population_rural,
        sum(population_urban) as population_urban
    from own
    where level = 'county'
    group by period
)
select
    p.period,
    g.region_code,
    g.level,
    cast(coalesce(own.population_total, counties_summed.population_total) as double) as population_total,
    cast(coalesce(own.population_rural, counties_summed.population_rural) as double) as population_rural,
    cast(coalesce(own.population_urban, counties_summed.population_urban) as double) as population_urban
from periods as p
cross join geography as g
left join own on own.period = p.period and own.region_code = g.region_code
-- the counties' sum only for a city without a row of its own
left join counties_summed
    on counties_summed.period = p.period and g.level = 'city' and own.region_code is null
