-- W02 重度残疾人未享护理补贴 (rules.md): a valid card (证件状态 = 有效) of grade 1 or 2 in the cards roster of
-- P, and no nursing_subsidy payment to the person in P. One finding per person: the qualifying card row
-- with the smallest region code, then reading order, gives the region and the value (the grade).
-- Complete periods only.
with periods as (
    {{ evaluated_periods('W02') }}
),
nursing_paid as (
    select distinct period, person_id
    from {{ ref('stg_disability_federation__disability_subsidies') }}
    where subsidy_type = 'nursing_subsidy'
),
qualifying as (
    select c.*
    from {{ ref('stg_disability_federation__disability_cards') }} as c
    semi join periods as p on p.period = c.period
    where c.card_status = 'valid'
        and c.disability_grade in (1, 2)
        and not exists (select 1 from nursing_paid as n where n.period = c.period and n.person_id = c.person_id)
),
{{ person_findings('W02', 'qualifying', value='r.disability_grade::integer') }}
