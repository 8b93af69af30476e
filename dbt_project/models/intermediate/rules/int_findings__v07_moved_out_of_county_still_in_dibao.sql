-- V07 迁出外县仍在保 (rules.md): a person in dibao_active(P) whose move_out as of P (int_person_changes: the
-- 迁出 row dated ≤ end(P) with the latest 变动日期, then the latest period, then the last in reading order)
-- goes to a county (first 6 digits of 迁往地区划代码) other than the county of an active dibao row of the
-- person (状态 = 在保, 是否保障对象 = 是) whose 审批日期 ≤ the move's 变动日期. The qualifying rows are those
-- dibao rows; the finding's row (region) is the one with the smallest region code, then reading order.
-- Value: 迁往地区划代码 (12 digits); no threshold. Evidence: the qualifying rows plus the move row.
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'V07' and enabled
),
periods as (
    {{ evaluated_periods('V07') }}
),
moves as (
    select c.*
    from {{ ref('int_person_changes') }} as c
    join periods as p on p.period = c.period
    cross join rule
    where c.move_date is not null
),
qualifying as (
    select d.*, m.move_destination_region_code
    from {{ ref('stg_civil_affairs__dibao') }} as d
    join moves as m on m.period = d.period and m.person_id = d.person_id
    where d.status = 'active'
        and d.is_covered
        and substr(d.region_code, 1, 6) <> substr(m.move_destination_region_code, 1, 6)
        and d.approval_date <= m.move_date
),
move_rows as (
    {{ change_evidence_rows('moves', 'move') }}
),
{{ person_findings('V07', 'qualifying', value='r.move_destination_region_code', extra_rows='move_rows') }}
