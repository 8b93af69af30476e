-- V05 死亡人员仍在保 (rules.md): a person in covered(P) with a death_date d (int_person_changes: the
-- earliest 死亡 变动日期 of the household_changes of every period up to P, among those ≤ end(P)) and
-- end(P) − d ≥ grace_days days (int_rule_parameters). The qualifying rows are the person's active rows of
-- P in dibao (状态 = 在保, 是否保障对象 = 是) and tekun (状态 = 在供) together; the finding's row (region) is
-- the one with the smallest region code, then reading order. Value: d (YYYY-MM-DD); threshold:
-- grace_days. Evidence: the qualifying rows plus the death row.
with rule as (
    select grace_days from {{ ref('int_rule_parameters') }} where rule_id = 'V05' and enabled
),
periods as (
    {{ evaluated_periods('V05') }}
),
deaths as (
    select c.*, rule.grace_days
    from {{ ref('int_person_changes') }} as c
    join periods as p on p.period = c.period
    cross join rule
    where c.death_date is not null
        and date_diff('day', c.death_date, p.period_end) >= rule.grace_days
),
covered_rows as (
    select period, person_id, name, region_code, source_file, source_row, source_ref
    from {{ ref('stg_civil_affairs__dibao') }}
    where status = 'active' and is_covered
    union all
    select period, person_id, name, region_code, source_file, source_row, source_ref
    from {{ ref('stg_civil_affairs__tekun') }}
    where status = 'active'
),
qualifying as (
    select r.*, d.death_date, d.grace_days
    from covered_rows as r
    join deaths as d on d.period = r.period and d.person_id = r.person_id
),
death_rows as (
    {{ change_evidence_rows('deaths', 'death') }}
),
{{ person_findings('V05', 'qualifying',
                   value="strftime(r.death_date, '%Y-%m-%d')",
                   threshold='r.grace_days',
                   extra_rows='death_rows') }}
