-- V01 低保特困重复享受 (rules.md): a person in both dibao_active(P) and tekun_active(P). The finding's row (region)
-- is the person's dibao row of P (状态 = 在保, 是否保障对象 = 是) with the smallest region code, then reading
-- order; its evidence adds the person's active tekun rows of P. No value or threshold. Complete periods only.
with periods as (
    {{ evaluated_periods('V01') }}
),
qualifying as (
    select d.*
    from {{ ref('stg_civil_affairs__dibao') }} as d
    semi join periods as p on p.period = d.period
    semi join {{ ref('int_tekun_active') }} as t on t.period = d.period and t.person_id = d.person_id
    where d.status = 'active' and d.is_covered
),
tekun_rows as (
    select period, person_id, source_file, source_row, source_ref
    from {{ ref('stg_civil_affairs__tekun') }}
    where status = 'active'
),
{{ person_findings('V01', 'qualifying', extra_rows='tekun_rows') }}
