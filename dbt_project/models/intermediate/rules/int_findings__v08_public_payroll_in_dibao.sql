-- V08 财政供养人员家庭享受低保 (rules.md): a person in dibao_members(P) (a dibao row of P with 状态 = 在保,
-- covered or not) who is on the payroll roster of P (any 人员类别). The qualifying rows are the person's
-- dibao(P) rows; the finding's row (region) is the one with the smallest region code, then reading order.
-- Value: the person's distinct 人员类别 in P as Chinese labels, sorted (code point order), joined by '|';
-- no threshold. Evidence: the qualifying rows plus the person's payroll rows of P.
with rule as (
    select rule_id from {{ ref('int_rule_parameters') }} where rule_id = 'V08' and enabled
),
periods as (
    {{ evaluated_periods('V08') }}
),
payroll_rows as (
    select
        s.period,
        s.person_id,
        case s.staff_category
            when 'established' then '在编在职'
            when 'contracted' then '编外聘用'
            when 'retired' then '离退休'
        end as staff_category_label,
        s.source_file,
        s.source_row,
        s.source_ref
    from {{ ref('stg_finance__payroll') }} as s
    semi join periods as p on p.period = s.period
),
categories as (
    select
        period,
        person_id,
        array_to_string(list_sort(list_distinct(list(staff_category_label))), '|') as staff_categories
    from payroll_rows
    group by period, person_id
),
qualifying as (
    select d.*, c.staff_categories
    from {{ ref('stg_civil_affairs__dibao') }} as d
    join categories as c on c.period = d.period and c.person_id = d.person_id
    cross join rule
    where d.status = 'active'
),
{{ person_findings('V08', 'qualifying', value='r.staff_categories', extra_rows='payroll_rows') }}
