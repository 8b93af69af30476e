-- W07 监测户收入骤降 (rules.md): a household in the monitoring rosters of both P and the calendar month
-- P−1 (loaded, complete or not), income of P−1 > 0, and income of P ≤ (1 − drop_ratio) × income of P−1
-- (exact decimals). Incomes are the subject rows' 人均纯收入. Value: income of P; threshold:
-- (1 − drop_ratio) × income of P−1 rounded half up to cents. Evidence: every member row of P plus the
-- subject row of P−1.
with rule as (
    select drop_ratio from {{ ref('int_rule_parameters') }} where rule_id = 'W07' and enabled
),
periods as (
    {{ evaluated_periods('W07') }}
),
households as (
    select * from {{ ref('int_households__monitoring') }}
),
fired as (
    select
        c.*,
        b.subject_source_ref as previous_source_ref,
        b.period as previous_period,
        (1 - rule.drop_ratio) * b.annual_income_per_capita as income_limit
    from households as c
    join periods as p on p.period = c.period
    cross join rule
    join households as b on b.period = p.previous_period and b.household_id = c.household_id
    where b.annual_income_per_capita > 0
        and c.annual_income_per_capita <= (1 - rule.drop_ratio) * b.annual_income_per_capita
),
{{ household_evidence_with_earlier_row('fired', ref('stg_rural_revitalisation__monitoring'), 'previous') }}
select
    c.period,
    'W07' as rule_id,
    c.subject_person_id,
    c.subject_name,
    c.household_id,
    c.region_code,
    cast(c.annual_income_per_capita as decimal(18, 2))::varchar as value,
    cast(c.income_limit as decimal(18, 2))::varchar as threshold,
    c.persons_involved::integer as persons_involved,
    e.source_rows
from chosen as c
join evidence as e using (period, household_id)
