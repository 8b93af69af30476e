-- Every quarantined row or file with its reason code (raw values stay in the source table).
select period, source, table_name, file, row_number, reason, column_name, loaded_at
from {{ source('raw', 'quarantine') }}
