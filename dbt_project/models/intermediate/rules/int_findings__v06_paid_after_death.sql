-- V06 死亡后仍发放补贴 (rules.md): a disability subsidy (disability_subsidies, either type) or a temporary
-- assistance payment to the person in P, and a death_date as of P (int_person_changes) before the first
-- day of P. The qualifying rows are the person's payment rows of P in both tables; the finding's row
-- (region) is the one with the smallest region code, then reading order. Value: the death_date
-- (YYYY-MM-DD); no threshold. Evidence: the payment rows plus the death row.
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'V06' and enabled
),
periods as (
    {{ evaluated_periods('V06') }}
),
deaths as (
    select c.*
    from {{ ref('int_person_changes') }} as c
    join periods as p on p.period = c.period
    cross join rule
    where c.death_date < p.period_start
),
payment_rows as (
    select period, person_id, name, region_code, source_file, source_row, source_ref
    from {{ ref('stg_disability_federation__disability_subsidies') }}
    union all
    select period, person_id, name, region_code, source_file, source_row, source_ref
    from {{ ref('stg_civil_affairs__temporary_assistance') }}
),
qualifying as (
    select r.*, d.death_date
    from payment_rows as r
    join deaths as d on d.period = r.period and d.person_id = r.person_id
),
death_rows as (
    {{ change_evidence_rows('deaths', 'death') }}
),
{{ person_findings('V06', 'qualifying', value="strftime(r.death_date, '%Y-%m-%d')", extra_rows='death_rows') }}
