-- W06 风险消除后再次返贫 (rules.md): a monitored household of P with 风险是否消除 = 否 whose most recent
-- earlier record (the latest period before P, complete or not, in which the same 户编号 has a loaded row)
-- had 风险是否消除 = 是 in that period's subject row. Value: that earlier period (YYYY-MM).
-- Evidence: every member row of P plus the earlier period's subject row.
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'W06' and enabled
),
periods as (
    {{ evaluated_periods('W06') }}
),
households as (
    select * from {{ ref('int_households__monitoring') }}
),
current_households as (
    select h.*
    from households as h
    join periods using (period)
    cross join rule
    where not coalesce(h.risk_eliminated, false)
),
earlier as (
    select
        c.period,
        c.household_id,
        e.period as earlier_period,
        e.risk_eliminated as earlier_risk_eliminated,
        e.subject_source_ref as earlier_source_ref,
        row_number() over (partition by c.period, c.household_id order by e.period desc) as recency
    from current_households as c
    join households as e on e.household_id = c.household_id and e.period < c.period
),
fired as (
    select c.*, e.earlier_period, e.earlier_source_ref
    from current_households as c
    join earlier as e
        on e.period = c.period and e.household_id = c.household_id and e.recency = 1
    where coalesce(e.earlier_risk_eliminated, false)
),
{{ household_evidence_with_earlier_row('fired', ref('stg_rural_revitalisation__monitoring'), 'earlier') }}
select
    c.period,
    'W06' as rule_id,
    c.subject_person_id,
    c.subject_name,
    c.household_id,
    c.region_code,
    c.earlier_period as value,
    null::varchar as threshold,
    c.persons_involved::integer as persons_involved,
    e.source_rows
from chosen as c
join evidence as e using (period, household_id)
