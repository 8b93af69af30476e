{#
  K10–K12 (domain.md) for every complete period and KPI region, as of the run's clock: the cases of P are
  the findings of P (warnings and verifications), each placed by its finding of P (a finding placed at a
  county counts in its county and the city, in no township); zero counts where a region has no case.
#}
with placed as (
    select
        f.period,
        f.county_code,
        f.township_code,
        c.disposed,
        c.status,
        c.timeliness,
        c.days_to_first_record
    from {{ ref('fct_findings') }} as f
    join {{ ref('fct_cases') }} as c on c.case_id = f.warning_id || '-' || f.first_period
    where {{ before_held_back('f.period') }}
),
geography as (
    select g.region_code, g.level, g.city_code
    from {{ ref('int_kpi_geography') }} as g
),
in_region as (
    select p.*, g.region_code, g.level
    from placed as p
    join geography as g
        on (g.level = 'city')
        or (g.level = 'county' and g.region_code = p.county_code)
        or (g.level = 'township' and g.region_code = p.township_code)
),
counted as (
    select
        period,
        region_code,
        count(*) as cases,
        count(*) filter (where disposed) as disposed,
        count(*) filter (where status = '已超期') as overdue,
        count(*) filter (where disposed and timeliness = '超期处置') as late,
        median(days_to_first_record) filter (where disposed) as days_median
    from in_region
    group by all
),
periods as (
    select period
    from {{ ref('int_periods') }}
    where is_complete and {{ before_held_back() }}
)
select
    p.period,
    g.region_code,
    g.level,
    coalesce(c.cases, 0)::double as k10_cases,
    coalesce(c.disposed, 0)::double as k10_disposed,
    case when coalesce(c.cases, 0) = 0 then null else c.disposed / c.cases end as k10_rate,
    coalesce(c.overdue, 0)::double as k11_overdue,
    coalesce(c.late, 0)::double as k11_late,
    c.days_median::double as k12_days_median
from periods as p
cross join geography as g
left join counted as c on c.period = p.period and c.region_code = g.region_code
