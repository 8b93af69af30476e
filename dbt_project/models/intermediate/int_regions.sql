-- The region hierarchy of the regions seed: every region with its village, township, county and city.
with r as (
    select region_code, name, level, nullif(parent_code, '') as parent_code, nullif(urban_rural, '') as urban_rural
    from {{ ref('regions') }}
)
select
    r.region_code,
    r.name,
    r.level,
    r.parent_code,
    r.urban_rural,
    case r.level
        when 'city' then r.region_code
        when 'county' then r.parent_code
        when 'township' then county.parent_code
        when 'village' then county_of_village.parent_code
    end as city_code,
    case r.level
        when 'county' then r.region_code
        when 'township' then r.parent_code
        when 'village' then township.parent_code
    end as county_code,
    case r.level
        when 'township' then r.region_code
        when 'village' then r.parent_code
    end as township_code
from r
left join r as county on r.level = 'township' and county.region_code = r.parent_code
left join r as township on r.level = 'village' and township.region_code = r.parent_code
left join r as county_of_village on r.level = 'village' and county_of_village.region_code = township.parent_code
