-- The region dimension: every region of the seed with the codes and names of its township, county and city.
select
    r.region_code,
    r.name,
    r.level,
    r.parent_code,
    r.urban_rural,
    r.city_code,
    r.county_code,
    county.name as county_name,
    r.township_code,
    township.name as township_name
from {{ ref('int_regions') }} as r
left join {{ ref('int_regions') }} as county on county.region_code = r.county_code
left join {{ ref('int_regions') }} as township on township.region_code = r.township_code
