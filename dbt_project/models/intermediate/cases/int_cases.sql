{#
  One row per case (rules.md, "Cases"): an unbroken run of a finding, case_id = warning_id-first_period,
  from every period of fct_findings. Its rule, region and subject are its finding's in the last period of
  the run; its issue time is the store's (recorded when a snapshot first held it), else this run's clock:
  the publish step of this run records exactly that time for the cases that are new.
#}
with runs as (
    select
        warning_id || '-' || first_period as case_id,
        max(period) as last_period
    from {{ ref('fct_findings') }}
    group by all
),
last_findings as (
    select f.*
    from {{ ref('fct_findings') }} as f
    join runs on runs.case_id = f.warning_id || '-' || f.first_period and f.period = runs.last_period
)
select
    runs.case_id,
    f.warning_id,
    f.first_period,
    runs.last_period,
    f.rule_id,
    f.rule_name,
    f.kind,
    f.severity,
    p.deadline_days,
    f.region_code,
    f.county_code,
    f.township_code,
    f.subject_person_id,
    f.subject_name,
    f.household_id,
    coalesce(i.issued_at, clock.as_of) as issued_at
from runs
join last_findings as f on f.warning_id || '-' || f.first_period = runs.case_id
join {{ ref('int_rule_parameters') }} as p on p.rule_id = f.rule_id
cross join {{ source('feedback', 'clock') }} as clock
left join {{ source('feedback', 'case_issues') }} as i on i.case_id = runs.case_id
