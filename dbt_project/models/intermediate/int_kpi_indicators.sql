-- The monitoring indicators of domain.md ("KPIs", K01-K09) as columns, one row per complete period and KPI
-- region (int_kpi_geography), zero counts included; fct_kpis gives them one row per indicator. Rates are
-- fractions, null when the denominator is 0 or unknown (no population on file). K09: the standards in
-- force of the region's county (null for the city: standards differ by county).
{%- set measures = [
    'dibao_persons', 'dibao_rural_persons', 'dibao_urban_persons', 'dibao_households',
    'tekun_persons', 'tekun_centralized', 'tekun_unable', 'tekun_unable_centralized',
    'monitored_persons', 'monitored_in_dibao', 'monitored_in_tekun', 'monitored_covered',
    'living_subsidy_persons', 'nursing_subsidy_persons', 'living_subsidy_amount', 'nursing_subsidy_amount',
    'severe_card_holders', 'severe_card_holders_paid', 'assistance_total', 'warnings_open', 'warnings_new',
] %}
{#- a rate: null when the denominator is 0 or unknown -#}
{%- set rate = "case when {1} is null or {1} = 0 then null else {0} / {1} end" %}
{%- set indicators = [
    ('K01_persons', 'dibao_persons'),
    ('K01_households', 'dibao_households'),
    ('K02_rate', rate.format('dibao_persons', 'population_total')),
    ('K02_rural_rate', rate.format('dibao_rural_persons', 'population_rural')),
    ('K02_urban_rate', rate.format('dibao_urban_persons', 'population_urban')),
    ('K03_persons', 'tekun_persons'),
    ('K03_centralized_rate', rate.format('tekun_centralized', 'tekun_persons')),
    ('K04_rate', rate.format('tekun_unable_centralized', 'tekun_unable')),
    ('K05_persons', 'monitored_persons'),
    ('K05_in_dibao', 'monitored_in_dibao'),
    ('K05_in_tekun', 'monitored_in_tekun'),
    ('K05_rate', rate.format('monitored_covered', 'monitored_persons')),
    ('K06_living_persons', 'living_subsidy_persons'),
    ('K06_nursing_persons', 'nursing_subsidy_persons'),
    ('K06_living_amount', 'living_subsidy_amount'),
    ('K06_nursing_amount', 'nursing_subsidy_amount'),
    ('K06_nursing_coverage', rate.format('severe_card_holders_paid', 'severe_card_holders')),
    ('K07_amount', 'assistance_total'),
    ('K08_open', 'warnings_open'),
    ('K08_new', 'warnings_new'),
    ('K09_dibao_urban', 'dibao_urban'),
    ('K09_dibao_rural', 'dibao_rural'),
    ('K09_tekun_basic', 'tekun_basic'),
] %}

with periods as (
    select period
    from {{ ref('int_periods') }}
    where is_complete and {{ before_held_back() }}
),
regions as (
    select p.period, g.region_code, g.level
    from periods as p
    cross join {{ ref('int_kpi_geography') }} as g
),
measures as (
    -- every measure of a region as a column (0 where nothing was counted or paid)
    select
        r.period,
        r.region_code,
        r.level,
        {%- for measure in measures %}
        coalesce(max(v.value) filter (where v.measure = '{{ measure }}'), 0) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}
    from regions as r
    left join {{ ref('int_kpi_region_values') }} as v
        on v.period = r.period and v.region_code = r.region_code
    group by r.period, r.region_code, r.level
),
wide as (
    select
        m.*,
        pop.population_total,
        pop.population_rural,
        pop.population_urban,
        cast(s.dibao_urban as double) as dibao_urban,
        cast(s.dibao_rural as double) as dibao_rural,
        cast(s.tekun_basic as double) as tekun_basic
    from measures as m
    left join {{ ref('int_kpi_populations') }} as pop
        on pop.period = m.period and pop.region_code = m.region_code
    left join {{ ref('int_standards_in_force') }} as s
        on s.period = m.period and m.level <> 'city' and s.county_code = substr(m.region_code, 1, 6) || '000000'
)
select
    period,
    region_code,
    level,
    {%- for indicator, expression in indicators %}
    cast({{ expression }} as double) as {{ indicator | lower }}{{ "," if not loop.last }}
    {%- endfor %}
from wide
