-- W03 低保家庭残疾人未享生活补贴 (rules.md): a valid card (any grade) in the cards roster of P, the person in
-- dibao_members(P), not in tekun_active(P), and no living_subsidy payment to the person in P. One finding
-- per person: the qualifying card row with the smallest region code, then reading order, gives the
-- region and the value (the grade). Complete periods only.
with periods as (
    {{ evaluated_periods('W03') }}
),
living_paid as (
    select distinct period, person_id
    from {{ ref('stg_disability_federation__disability_subsidies') }}
    where subsidy_type = 'living_subsidy'
),
qualifying as (
    select c.*
    from {{ ref('stg_disability_federation__disability_cards') }} as c
    semi join periods as p on p.period = c.period
    semi join {{ ref('int_dibao_members') }} as d on d.period = c.period and d.person_id = c.person_id
    where c.card_status = 'valid'
        and not exists (
            select 1 from {{ ref('int_tekun_active') }} as t where t.period = c.period and t.person_id = c.person_id
        )
        and not exists (select 1 from living_paid as l where l.period = c.period and l.person_id = c.person_id)
),
{{ person_findings('W03', 'qualifying', value='r.disability_grade::integer') }}
