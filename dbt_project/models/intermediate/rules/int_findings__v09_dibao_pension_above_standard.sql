-- V09 低保家庭养老金收入超过低保标准 (rules.md): a dibao household of P (its members: every loaded row of
-- the household number, any 状态, each person once) with at least one member person_id in
-- dibao_active(P), whose members' pension in P (职工基本养老金, 机关事业单位养老金 and 遗属补助 rows of
-- social_insurance_payments of P), summed and divided by 保障人口数 of the subject's row, is > the dibao
-- standard in force of its 保障类别 (subject's row: 城市低保 → urban, else rural) and county. Compared
-- exactly: household pension > standard × 保障人口数, in decimals. A county without a standard in force
-- fires nothing. Value: the pension per person rounded half up to cents; threshold: the standard.
-- Evidence: every member row of P plus the members' pension rows of P.
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'V09' and enabled
),
periods as (
    {{ evaluated_periods('V09') }}
),
members as (
    select m.period, m.household_id, m.person_id, m.source_file, m.source_row, m.source_ref
    from {{ ref('stg_civil_affairs__dibao') }} as m
    semi join periods as p on p.period = m.period
),
member_persons as (
    select distinct period, household_id, person_id from members
),
pension_rows as (
    select s.period, s.person_id, s.amount, s.source_file, s.source_row, s.source_ref
    from {{ ref('stg_human_resources__social_insurance_payments') }} as s
    semi join periods as p on p.period = s.period
    where s.benefit_type in ('employee_pension', 'public_sector_pension', 'survivor_benefit')
),
household_pensions as (
    select mp.period, mp.household_id, sum(r.amount) as household_pension
    from member_persons as mp
    join pension_rows as r on r.period = mp.period and r.person_id = mp.person_id
    group by mp.period, mp.household_id
),
households_with_active_member as (
    select distinct mp.period, mp.household_id
    from member_persons as mp
    semi join {{ ref('int_dibao_active') }} as a on a.period = mp.period and a.person_id = mp.person_id
),
fired as (
    select
        h.* exclude (source_rows),
        hp.household_pension,
        case when h.dibao_category = 'urban' then s.dibao_urban else s.dibao_rural end as standard
    from {{ ref('int_households__dibao') }} as h
    join periods using (period)
    cross join rule
    join {{ ref('int_standards_in_force') }} as s on s.period = h.period and s.county_code = h.county_code
    join household_pensions as hp on hp.period = h.period and hp.household_id = h.household_id
    semi join households_with_active_member as a on a.period = h.period and a.household_id = h.household_id
    where hp.household_pension
        > (case when h.dibao_category = 'urban' then s.dibao_urban else s.dibao_rural end) * h.household_size
),
{{ household_evidence_with_person_rows('fired', 'members', 'pension_rows') }},
firing as (
    select
        f.*,
        {{ money_divided_text('f.household_pension', 'f.household_size') }} as value,
        {{ money_text('f.standard') }} as threshold,
        e.source_rows
    from fired as f
    join evidence as e using (period, household_id)
)
{{ household_findings('V09', 'firing') }}
