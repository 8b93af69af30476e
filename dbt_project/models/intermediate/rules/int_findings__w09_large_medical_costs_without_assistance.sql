-- W09 大额医疗自付未获救助 (rules.md): a person with at least one medical settlement in P (个人自付 0 counts)
-- whose 个人自付 summed over the settlement rows of the window — P and the window_months − 1 calendar
-- months before it, whatever rows are loaded for them (a month not on file adds nothing) — is ≥ amount
-- (exact decimals), who is not in covered(P), and who has no temporary_assistance row in a window month
-- (by the payment file's period). The finding's row (region, name) is the person's settlement row of P
-- with the smallest county code, then reading order. Value: the total; threshold: amount (2 decimals).
-- Evidence: every settlement row of the person in the window.
with rule as (
    select window_months, amount
    from {{ ref('int_rule_parameters') }}
    where rule_id = 'W09' and enabled
),
periods as (
    {{ evaluated_periods('W09') }}
),
-- the window months of each evaluated period: P, P−1, …, P−(window_months−1)
windows as (
    select
        w.period,
        strftime(w.period_start - to_months(w.months_back::integer), '%Y-%m') as window_period,
        w.amount
    from (
        select p.period, p.period_start, rule.amount, unnest(range(rule.window_months)) as months_back
        from periods as p
        cross join rule
    ) as w
),
window_settlements as (
    select
        w.period,
        s.person_id,
        s.out_of_pocket,
        s.source_file,
        s.source_row,
        s.source_ref
    from windows as w
    join {{ ref('stg_medical_insurance__medical_settlements') }} as s on s.period = w.window_period
),
totals as (
    select period, person_id, sum(out_of_pocket) as out_of_pocket_total
    from window_settlements
    group by period, person_id
),
assisted as (
    select distinct w.period, t.person_id
    from windows as w
    join {{ ref('stg_civil_affairs__temporary_assistance') }} as t on t.period = w.window_period
),
qualifying as (
    select s.*, t.out_of_pocket_total, w.amount
    from {{ ref('stg_medical_insurance__medical_settlements') }} as s
    join windows as w on w.period = s.period and w.window_period = s.period
    join totals as t on t.period = s.period and t.person_id = s.person_id
    where t.out_of_pocket_total >= w.amount
        and not exists (
            select 1 from {{ ref('int_covered') }} as c where c.period = s.period and c.person_id = s.person_id
        )
        and not exists (select 1 from assisted as a where a.period = s.period and a.person_id = s.person_id)
),
{{ person_findings('W09', 'qualifying',
                   value=money_text('r.out_of_pocket_total'),
                   threshold=money_text('r.amount'),
                   extra_rows='window_settlements') }}
