{#
  The status of every case as of a time (rules.md, "Cases"), in one place: the case mart (fct_cases) uses
  it as of the run, and the dashboards and `safetynet feedback export` render this same file (plain
  Jinja: no dbt functions here) over the live feedback store as of now (pipelines/feedback/status.py).

  cases:        case_id, last_period, issued_at (UTC timestamp), deadline_days
  dispositions: id, case_id, recorded_at (UTC), recorded_by, checked_on (date), outcome, note
  publications: published_at (UTC), latest_period
  as_of:        a SQL expression of a UTC timestamp

  Instants are UTC; deadlines and 核查日期 are Beijing dates (UTC+8, no daylight saving). An episode is the
  initial one (from the issue) or a re-check (from the day 核查日期 + 6 months, opened by a latest record
  saying nothing was wrong, when no newer record came before that day and the case still fired).
#}
{% macro case_status(cases, dispositions, publications, as_of) -%}
with clock as (
    select ({{ as_of }})::timestamp as t
),
published as (
    select p.published_at, p.latest_period
    from {{ publications }} as p, clock
    where p.published_at <= clock.t
),
case_clock as (
    -- eliminated_at: when a period after the case's last one was first published (none yet: null)
    select
        c.case_id,
        c.issued_at,
        c.deadline_days,
        (select min(p.published_at) from published as p where p.latest_period > c.last_period) as eliminated_at
    from {{ cases }} as c
),
records as (
    select
        d.case_id,
        d.id,
        d.recorded_at,
        d.recorded_by,
        d.checked_on,
        d.outcome,
        d.note,
        lead(d.recorded_at) over by_time as next_recorded_at,
        row_number() over by_time as seq,
        count(*) over (partition by d.case_id) as records
    from {{ dispositions }} as d, clock
    where d.recorded_at <= clock.t
    window by_time as (partition by d.case_id order by d.recorded_at, d.id)
),
rechecks as (
    select r.case_id, r.recheck_on, r.recheck_on::timestamp - interval 8 hour as recheck_at
    from (
        select *, (checked_on + interval 6 month)::date as recheck_on
        from records
        where outcome in ('经核查不符合条件', '经核查无问题', '经核查数据有误')
    ) as r
    join case_clock as c on c.case_id = r.case_id
    cross join clock
    where r.recorded_at < r.recheck_on::timestamp - interval 8 hour
      and r.recheck_on::timestamp - interval 8 hour <= coalesce(r.next_recorded_at, clock.t)
      and (c.eliminated_at is null or r.recheck_on::timestamp - interval 8 hour < c.eliminated_at)
),
episodes as (
    select
        c.*,
        e.recheck_at,
        coalesce(e.recheck_on, cast(c.issued_at + interval 8 hour as date)) as episode_start
    from case_clock as c
    left join (
        select case_id, max(recheck_at) as recheck_at, max(recheck_on) as recheck_on
        from rechecks
        group by case_id
    ) as e on e.case_id = c.case_id
),
first_records as (
    select e.case_id, min(r.recorded_at) as first_record_at
    from episodes as e
    join records as r on r.case_id = e.case_id and (e.recheck_at is null or r.recorded_at >= e.recheck_at)
    group by e.case_id
),
judged as (
    select
        e.case_id,
        e.episode_start,
        e.episode_start + e.deadline_days::integer as deadline,
        e.recheck_at is not null as recheck,
        e.eliminated_at is not null as eliminated,
        f.first_record_at,
        cast(f.first_record_at + interval 8 hour as date) as first_record_on,
        cast(clock.t + interval 8 hour as date) as today
    from episodes as e
    cross join clock
    left join first_records as f on f.case_id = e.case_id
)
select
    j.case_id,
    case
        when j.eliminated then '已消除'
        when j.first_record_at is not null then '已处置'
        when j.today > j.deadline then '已超期'
        else '待处置'
    end as status,
    j.first_record_at is not null as disposed,
    case
        when j.first_record_at is null then null
        when j.first_record_on <= j.deadline then '按时'
        else '超期处置'
    end as timeliness,
    j.recheck,
    -- 复核到期 still open: a re-check episode with no record yet (the list pages' filter, 处置状态's mark)
    j.recheck and j.first_record_at is null and not j.eliminated as recheck_due,
    j.episode_start,
    j.deadline,
    j.first_record_at,
    date_diff('day', j.episode_start, j.first_record_on) as days_to_first_record,
    coalesce(l.records, 0)::integer as records,
    l.checked_on,
    l.outcome,
    l.note,
    l.recorded_by as last_recorded_by,
    l.recorded_at as last_recorded_at
from judged as j
left join records as l on l.case_id = j.case_id and l.seq = l.records
{%- endmacro %}
