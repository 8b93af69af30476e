-- Every period on file, its calendar bounds, the calendar month before it, and whether it is complete:
-- every table of the contract has at least one file of the period that was read (not rejected whole).
with read_tables as (
    select period, count(distinct table_name) filter (where status = 'loaded') as tables_read
    from {{ ref('stg_ingestion__files') }}
    group by period
)
select
    period,
    strptime(period || '-01', '%Y-%m-%d')::date as period_start,
    last_day(strptime(period || '-01', '%Y-%m-%d')::date) as period_end,
    strftime(strptime(period || '-01', '%Y-%m-%d')::date - interval 1 month, '%Y-%m') as previous_period,
    tables_read = {{ contract_tables() | length }} as is_complete
from read_tables
