-- V04 低保金超过补差上限 (rules.md): a dibao household of P with at least one row 状态 = 在保 whose 月保障金 >
-- the dibao standard in force of its 保障类别 (城市低保 → urban, else rural) × 保障人口数 + 0.01, household
-- columns from the head's (subject's) row. A county without a standard in force fires nothing.
-- Value: 月保障金; threshold: standard × 保障人口数. Evidence: every member row of P (stopped included).
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'V04' and enabled
),
periods as (
    {{ evaluated_periods('V04') }}
),
candidates as (
    select
        h.*,
        (case when h.dibao_category = 'urban' then s.dibao_urban else s.dibao_rural end)
            * h.household_size as benefit_cap
    from {{ ref('int_households__dibao') }} as h
    join periods using (period)
    cross join rule
    join {{ ref('int_standards_in_force') }} as s on s.period = h.period and s.county_code = h.county_code
    where h.has_active_row
),
firing as (
    select
        *,
        cast(monthly_benefit as decimal(18, 2))::varchar as value,
        cast(benefit_cap as decimal(18, 2))::varchar as threshold
    from candidates
    where monthly_benefit > benefit_cap + 0.01
)
{{ household_findings('V04', 'firing') }}
