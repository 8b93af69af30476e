-- Every period on file, its calendar bounds, the calendar month before it, the tables expected in it and
-- whether it is complete (extracts.md): a table is expected from the first period in which any file of it
-- is on file (a file rejected whole counts), and a period is complete when every table expected in it has
-- at least one file of the period that was read (not rejected whole). A department that joins later never
-- makes an earlier period incomplete; one a city has never received is not expected at all.
with files as (
    select period, table_name, status from {{ ref('stg_ingestion__files') }}
),

first_on_file as (
    select table_name, min(period) as first_period
    from files
    group by table_name
),

periods as (
    select
        period,
        list(distinct table_name order by table_name) filter (where status = 'loaded') as read_tables
    from files
    group by period
),

expected as (
    select p.period, list(t.table_name order by t.table_name) as expected_tables
    from periods as p
    inner join first_on_file as t on t.first_period <= p.period
    group by p.period
)

select
    p.period,
    strptime(p.period || '-01', '%Y-%m-%d')::date as period_start,
    last_day(strptime(p.period || '-01', '%Y-%m-%d')::date) as period_end,
    strftime(strptime(p.period || '-01', '%Y-%m-%d')::date - interval 1 month, '%Y-%m') as previous_period,
    e.expected_tables,
    coalesce(p.read_tables, []::varchar[]) as read_tables,
    list_has_all(coalesce(p.read_tables, []::varchar[]), e.expected_tables) as is_complete
from periods as p
inner join expected as e on e.period = p.period
