-- The regions the KPIs are given for (domain.md, "KPIs"): the city, every county and every township of
-- the regions seed. The city is the seed's `city` row (the smallest code if there were several); a seed
-- without one gets the code of its counties' prefix, as the reference evaluation does.
with seeded as (
    select region_code, level
    from {{ ref('int_regions') }}
    where level in ('city', 'county', 'township')
),
city as (
    select coalesce(
        (select min(region_code) from seeded where level = 'city'),
        (select substr(min(region_code), 1, 4) || '00000000' from seeded where level = 'county'),
        '000000000000'
    ) as region_code
)
select region_code, 'city' as level, region_code as city_code
from city
union all
select s.region_code, s.level, city.region_code as city_code
from seeded as s
cross join city
where s.level in ('county', 'township')
