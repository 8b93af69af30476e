-- The publications the cases are judged by: every one in the store, and this run's (about to be
-- published, at the run's clock, with the latest period this build evaluates).
select published_at, latest_period
from {{ source('feedback', 'publications') }}
union all
select clock.as_of, p.latest_period
from {{ source('feedback', 'clock') }} as clock
cross join (
    select max(period) as latest_period
    from {{ ref('int_periods') }}
    where is_complete and {{ before_held_back() }}
) as p
where p.latest_period is not null
