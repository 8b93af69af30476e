-- Typed rows of the extract as loaded, with the county of the row and a reference to its source row.
-- This department does not know villages: region_code is the 12-digit county code, and a row is placed
-- at its county (no township).
select
    *,
    region_code as county_code,
    null::varchar as township_code,
    source_file || ':' || source_row as source_ref
from {{ source('raw', 'social_insurance_payments') }}
