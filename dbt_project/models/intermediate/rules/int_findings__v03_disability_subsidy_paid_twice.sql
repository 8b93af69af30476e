{{ config(materialized='view') }}
-- V03 残疾人补贴重复发放 (rules.md): two or more payments of the same subsidy type to the person in P with
-- different payment references (发放流水号). The qualifying rows are all of the person's payment rows of
-- the firing type(s); the finding's row is the qualifying row with the smallest region code, then
-- reading order. Value: the number of distinct (type, reference) among them; threshold 1.
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'V03' and enabled
),
periods as (
    {{ evaluated_periods() }}
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
    select p.*
    from payments as p
    join firing_types using (period, person_id, subsidy_type)
),
ranked as (
    select
        *,
        row_number() over (
            partition by period, person_id order by region_code, source_file, source_row
        ) as row_rank
    from qualifying
),
evidence as (
    select
        period,
        person_id,
        count(distinct (subsidy_type, payment_reference)) as payments,
        string_agg(source_ref, ';' order by source_file, source_row) as source_rows
    from qualifying
    group by period, person_id
)
select
    r.period,
    'V03' as rule_id,
    r.person_id as subject_person_id,
    r.name as subject_name,
    null::varchar as household_id,
    r.region_code,
    e.payments::varchar as value,
    '1' as threshold,
    1::integer as persons_involved,
    e.source_rows
from ranked as r
join evidence as e using (period, person_id)
where r.row_rank = 1
