{#
  预警事项: one row per case with its status as of the run's clock (rules.md, "Cases"; the status SQL is
  macros/case_status.sql, which the dashboards also use over the live store). Rebuilt by every run, with
  new extracts or without: statuses move with the clock and with the dispositions recorded since.
#}
with status as (
    {{ case_status(ref('int_cases'), source('feedback', 'dispositions'), ref('int_case_publications'),
                   '(select as_of from ' ~ source('feedback', 'clock') ~ ')') }}
)
select
    c.*,
    s.status,
    s.disposed,
    s.timeliness,
    s.recheck,
    s.recheck_due,
    s.episode_start,
    s.deadline,
    s.first_record_at,
    s.days_to_first_record,
    s.records,
    s.checked_on,
    s.outcome,
    s.note,
    s.last_recorded_by,
    s.last_recorded_at,
    clock.as_of
from {{ ref('int_cases') }} as c
join status as s on s.case_id = c.case_id
cross join {{ source('feedback', 'clock') }} as clock
