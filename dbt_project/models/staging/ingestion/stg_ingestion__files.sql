-- The reconciliation of every file read, per period.
select period, source, table_name, file, status, reason, rows_read, rows_loaded, rows_quarantined,
       rows_duplicate, rows_footer_blank, loaded_at, run_id
from {{ source('raw', 'files') }}
