-- The KPI measures per period and KPI region: distinct keys of int_kpi_counted and sums of
-- int_kpi_paid, each row counted in its village's township (first 9 digits), its county (first 6) and
-- the city; a row placed at a county (a finding of W09) in its county and the city only. Regions with
-- nothing to count have no row here; fct_kpis gives them zero.
{#- the KPI region of a row r at the level l (null: the row counts in no region of that level) #}
{%- set region_at_level -%}
    case l.level
        when 'township' then {{ township_of('r.region_code') }}
        when 'county' then {{ county_of('r.region_code') }}
        else city.city_code
    end
{%- endset %}
with city as (
    select region_code as city_code from {{ ref('int_kpi_geography') }} where level = 'city'
),
levels (level) as (values ('township'), ('county'), ('city')),
counted as (
    select r.period, {{ region_at_level }} as region_code, r.measure, r.key
    from {{ ref('int_kpi_counted') }} as r
    cross join levels as l
    cross join city
    where {{ in_recomputed_periods('r.period') }} and {{ region_at_level }} is not null
),
paid as (
    select r.period, {{ region_at_level }} as region_code, r.measure, r.amount
    from {{ ref('int_kpi_paid') }} as r
    cross join levels as l
    cross join city
    where {{ in_recomputed_periods('r.period') }} and {{ region_at_level }} is not null
)
select period, region_code, measure, cast(count(distinct key) as double) as value
from counted
group by period, region_code, measure
union all
select period, region_code, measure, cast(cast(sum(amount) as decimal(18, 2)) as double) as value
from paid
group by period, region_code, measure
union all
select period, region_code, 'assistance_total', cast(cast(sum(amount) as decimal(18, 2)) as double)
from paid
where measure in ('dibao_benefit', 'tekun_payment', 'temporary_assistance', 'living_subsidy_amount',
                  'nursing_subsidy_amount')
group by period, region_code
