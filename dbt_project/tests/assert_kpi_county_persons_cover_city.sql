-- A person counts in every county whose rolls they are on and once in the city, so for every person count
-- the counties summed are at least the city (domain.md, "KPIs"); a township count never exceeds its
-- county's. Checks every count of distinct persons and households.
with counts as (
    select period, region_code, level, indicator_id, value
    from {{ ref('fct_kpis') }}
    where indicator_id in ('K01_persons', 'K01_households', 'K03_persons', 'K05_persons', 'K05_in_dibao',
                           'K05_in_tekun', 'K06_living_persons', 'K06_nursing_persons', 'K08_open', 'K08_new')
),
counties as (
    select period, indicator_id, sum(value) as counties_value
    from counts
    where level = 'county'
    group by period, indicator_id
),
city_vs_counties as (
    select c.period, c.region_code, c.indicator_id, c.value, coalesce(s.counties_value, 0) as parts_value
    from counts as c
    left join counties as s on s.period = c.period and s.indicator_id = c.indicator_id
    where c.level = 'city'
),
township_vs_county as (
    select t.period, t.region_code, t.indicator_id, t.value, county.value as parts_value
    from counts as t
    join counts as county
        on county.period = t.period and county.indicator_id = t.indicator_id and county.level = 'county'
       and county.region_code = substr(t.region_code, 1, 6) || '000000'
    where t.level = 'township'
)
select * from city_vs_counties where parts_value < value
union all
select * from township_vs_county where value > parts_value
