-- Typed rows of the extract as loaded, with the county of the row and a reference to its source row.
-- region_code is the village where the person was registered; destination_region_code (迁往地区划代码) is
-- any 12-digit code of China, not a region of the seed.
select
    *,
    substr(region_code, 1, 6) || '000000' as county_code,
    substr(region_code, 1, 9) || '000' as township_code,
    source_file || ':' || source_row as source_ref
from {{ source('raw', 'household_changes') }}
