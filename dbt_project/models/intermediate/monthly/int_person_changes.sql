-- death_date(x, P) and move_out(x, P) (rules.md, "Sets used by the rules"), per period P on file and
-- person with a household_changes row of a period ≤ P (loaded, complete or not) dated ≤ end(P).
-- The death row: among x's 死亡 rows with the earliest 变动日期, the earliest period, then reading order.
-- The move row: among x's 迁出 rows, the latest 变动日期, then the latest period, then the last in reading
-- order. Either may be missing (null columns). Deaths and moves stay true after the period that
-- registered them, so the household_changes of every earlier period are read, unfiltered.
with periods as (
    select period, period_end from {{ ref('int_periods') }} where {{ in_recomputed_periods() }}
),
changes as (
    select
        p.period,
        c.person_id,
        c.period as change_period,
        c.change_type,
        c.change_date,
        c.destination_region_code,
        c.source_file,
        c.source_row,
        c.source_ref
    from periods as p
    join {{ ref('stg_public_security__household_changes') }} as c
        on c.period <= p.period and c.change_date <= p.period_end
),
deaths as (
    select *
    from changes
    where change_type = 'death'
    qualify row_number() over (
        partition by period, person_id order by change_date, change_period, source_file, source_row
    ) = 1
),
moves as (
    select *
    from changes
    where change_type = 'move_out'
    qualify row_number() over (
        partition by period, person_id
        order by change_date desc, change_period desc, source_file desc, source_row desc
    ) = 1
)
select
    coalesce(d.period, m.period) as period,
    coalesce(d.person_id, m.person_id) as person_id,
    d.change_date as death_date,
    d.change_period as death_period,
    d.source_file as death_source_file,
    d.source_row as death_source_row,
    d.source_ref as death_source_ref,
    m.change_date as move_date,
    m.destination_region_code as move_destination_region_code,
    m.change_period as move_period,
    m.source_file as move_source_file,
    m.source_row as move_source_row,
    m.source_ref as move_source_ref
from deaths as d
full join moves as m on m.period = d.period and m.person_id = d.person_id
