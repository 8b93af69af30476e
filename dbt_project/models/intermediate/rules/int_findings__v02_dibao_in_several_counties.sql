-- V02 跨县区重复享受低保 (rules.md): a person in dibao(P) rows (状态 = 在保) under two or more different county
-- codes (first 6 digits of the region code). Value: the number of counties; threshold: 1. The finding's
-- row is the person's dibao(P) row with the smallest region code, then reading order; evidence: all the
-- person's dibao(P) rows. Complete periods only.
with periods as (
    {{ evaluated_periods('V02') }}
),
dibao as (
    select
        d.*,
        count(distinct d.county_code) over (partition by d.period, d.person_id) as counties
    from {{ ref('stg_civil_affairs__dibao') }} as d
    semi join periods as p on p.period = d.period
    where d.status = 'active'
),
qualifying as (
    select * from dibao where counties >= 2
),
{{ person_findings('V02', 'qualifying', value='r.counties', threshold="'1'") }}
