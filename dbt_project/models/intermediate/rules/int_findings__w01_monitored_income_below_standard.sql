-- W01 监测户收入低于低保标准未纳入保障 (rules.md): a monitored household of P with 风险是否消除 = 否,
-- annual_income_per_capita / 12 < the rural dibao standard in force for its county (compared exactly as
-- annual < 12 × standard), and no member in covered(P). Household columns and region: the subject's row.
-- A county with no standard in force fires nothing. Complete periods only.
with periods as (
    {{ evaluated_periods('W01') }}
),
households as (
    select h.*
    from {{ ref('int_households__monitoring') }} as h
    semi join periods as p on p.period = h.period
),
covered_households as (
    select distinct m.period, m.household_id
    from {{ ref('stg_rural_revitalisation__monitoring') }} as m
    join {{ ref('int_covered') }} as c on c.period = m.period and c.person_id = m.person_id
),
firing as (
    select
        h.*,
        {{ money_divided_text('h.annual_income_per_capita', 12) }} as value,
        {{ money_text('s.dibao_rural') }} as threshold
    from households as h
    join {{ ref('int_standards_in_force') }} as s on s.period = h.period and s.county_code = h.county_code
    where not coalesce(h.risk_eliminated, false)
        and h.annual_income_per_capita < 12 * s.dibao_rural
        and not exists (
            select 1 from covered_households as c where c.period = h.period and c.household_id = h.household_id
        )
)
{{ household_findings('W01', 'firing') }}
