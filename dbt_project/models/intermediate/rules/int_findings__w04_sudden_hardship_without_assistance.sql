-- W04 突发严重困难户未获临时救助 (rules.md): a monitored household of P of type 突发严重困难户 with 风险是否消除 = 否,
-- identified on d with d ≤ end(P) and end(P) − d ≤ within_days (int_rule_parameters; the 30th day
-- counts), and no temporary assistance paid to any member (a loaded row of the household in P) on or
-- after d in the payment files of P or of the calendar month P−1 (whatever was loaded for it).
-- Value: days since identification; threshold: within_days. Complete periods only.
with parameters as (
    select within_days from {{ ref('int_rule_parameters') }} where rule_id = 'W04'
),
periods as (
    {{ evaluated_periods('W04') }}
),
candidates as (
    select
        h.*,
        p.previous_period,
        date_diff('day', h.identified_date, p.period_end) as days_since,
        parameters.within_days
    from {{ ref('int_households__monitoring') }} as h
    join periods as p on p.period = h.period
    cross join parameters
    where h.monitoring_type = 'sudden_hardship'
        and not coalesce(h.risk_eliminated, false)
        and h.identified_date <= p.period_end
        and date_diff('day', h.identified_date, p.period_end) <= parameters.within_days
),
assisted as (
    select distinct c.period, c.household_id
    from candidates as c
    join {{ ref('stg_rural_revitalisation__monitoring') }} as m
        on m.period = c.period and m.household_id = c.household_id
    join {{ ref('stg_civil_affairs__temporary_assistance') }} as t
        on t.person_id = m.person_id
        and t.period in (c.period, c.previous_period)
        and t.payment_date >= c.identified_date
),
firing as (
    select c.*, c.days_since as value, c.within_days as threshold
    from candidates as c
    anti join assisted as a on a.period = c.period and a.household_id = c.household_id
)
{{ household_findings('W04', 'firing') }}
