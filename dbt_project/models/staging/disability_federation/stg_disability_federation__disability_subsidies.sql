-- Typed rows of the extract as loaded, with the county of the row and a reference to its source row.
select
    *,
    substr(region_code, 1, 6) || '000000' as county_code,
    substr(region_code, 1, 9) || '000' as township_code,
    source_file || ':' || source_row as source_ref
from {{ source('raw', 'disability_subsidies') }}
