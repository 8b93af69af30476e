-- W08 低收入家庭收入低于低保标准未纳入保障 (rules.md): a household in the near-dibao register of P (either
-- 家庭类型) whose 家庭月人均收入 (subject row) < the dibao standard in force of its county — urban when the
-- village of the subject row is urban in the regions seed, else rural — and no member in covered(P).
-- A county without a standard in force fires nothing. Value: the income; threshold: the standard.
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'W08' and enabled
),
periods as (
    {{ evaluated_periods('W08') }}
),
members as (
    select period, household_id, person_id from {{ ref('stg_civil_affairs__near_dibao') }}
),
covered_households as (
    select distinct m.period, m.household_id
    from members as m
    join {{ ref('int_covered') }} as c on c.period = m.period and c.person_id = m.person_id
),
candidates as (
    select
        h.*,
        case when r.urban_rural = 'urban' then s.dibao_urban else s.dibao_rural end as standard
    from {{ ref('int_households__near_dibao') }} as h
    join periods using (period)
    cross join rule
    join {{ ref('int_standards_in_force') }} as s on s.period = h.period and s.county_code = h.county_code
    left join {{ ref('int_regions') }} as r on r.region_code = h.region_code
),
firing as (
    select
        c.*,
        cast(c.monthly_income_per_capita as decimal(18, 2))::varchar as value,
        cast(c.standard as decimal(18, 2))::varchar as threshold
    from candidates as c
    left join covered_households as v on v.period = c.period and v.household_id = c.household_id
    where c.monthly_income_per_capita < c.standard and v.household_id is null
)
{{ household_findings('W08', 'firing') }}
