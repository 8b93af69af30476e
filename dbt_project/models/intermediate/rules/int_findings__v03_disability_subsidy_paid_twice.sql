-- V03 残疾人补贴重复发放 (rules.md): two or more payments of the same subsidy type to the person in P with
-- different payment references (发放流水号). The qualifying rows are all of the person's payment rows of
-- the firing type(s); the finding's row is the qualifying row with the smallest region code, then
-- reading order. Value: the number of distinct (type, reference) among them; threshold 1.
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'V03' and enabled
),
periods as (
    {{ evaluated_periods('V03') }}
),
payments as (
    select s.*
    from {{ ref('stg_disability_federation__disability_subsidies') }} as s
    join periods using (period)
    cross join rule
),
firing_types as (
    select period, person_id, subsidy_type
    from payments
    group by period, person_id, subsidy_type
    having count(distinct payment_reference) >= 2
),
qualifying as (
    select
        p.*,
        count(distinct (p.subsidy_type, p.payment_reference)) over (partition by p.period, p.person_id) as payments
    from payments as p
    join firing_types using (period, person_id, subsidy_type)
),
{{ person_findings('V03', 'qualifying', value='r.payments', threshold="'1'") }}
