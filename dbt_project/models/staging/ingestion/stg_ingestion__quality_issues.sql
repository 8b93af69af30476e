-- Rows that loaded but count in the data-quality report.
select period, source, table_name, file, row_number, code, column_name
from {{ source('raw', 'quality_issues') }}
