-- W10 低收入家庭成员领取失业保险金 (rules.md): a household in the near-dibao register of P (either 家庭类型)
-- with at least one member (a loaded row of the household in P, by person_id) paid 失业保险金 in P
-- (a social_insurance_payments row of P with 待遇类型 = 失业保险金), and no member in covered(P).
-- Value: the number of distinct members paid 失业保险金 in P; no threshold. Region: the subject's row.
-- Evidence: every member row of the household in P plus those members' 失业保险金 rows of P.
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'W10' and enabled
),
periods as (
    {{ evaluated_periods('W10') }}
),
members as (
    select m.period, m.household_id, m.person_id, m.source_file, m.source_row, m.source_ref
    from {{ ref('stg_civil_affairs__near_dibao') }} as m
    semi join periods as p on p.period = m.period
),
unemployment_rows as (
    select s.period, s.person_id, s.source_file, s.source_row, s.source_ref
    from {{ ref('stg_human_resources__social_insurance_payments') }} as s
    semi join periods as p on p.period = s.period
    where s.benefit_type = 'unemployment_benefit'
),
-- the household's members paid 失业保险金 in P, each person once
paid_members as (
    select distinct m.period, m.household_id, m.person_id
    from members as m
    semi join unemployment_rows as u on u.period = m.period and u.person_id = m.person_id
),
paid_counts as (
    select period, household_id, count(*) as paid_count
    from paid_members
    group by period, household_id
),
covered_households as (
    select distinct m.period, m.household_id
    from members as m
    semi join {{ ref('int_covered') }} as c on c.period = m.period and c.person_id = m.person_id
),
fired as (
    select h.* exclude (source_rows), pc.paid_count
    from {{ ref('int_households__near_dibao') }} as h
    join periods using (period)
    cross join rule
    join paid_counts as pc on pc.period = h.period and pc.household_id = h.household_id
    where not exists (
        select 1 from covered_households as v where v.period = h.period and v.household_id = h.household_id
    )
),
{{ household_evidence_with_person_rows('fired', 'members', 'unemployment_rows') }},
firing as (
    select f.*, f.paid_count::varchar as value, null::varchar as threshold, e.source_rows
    from fired as f
    join evidence as e using (period, household_id)
)
{{ household_findings('W10', 'firing') }}
