-- The assistance standards in force per county and period: the row with the latest effective_from on or
-- before the last day of the period (domain.md, "Standards"). A county without such a row has none.
with counties as (
    select region_code as county_code from {{ ref('int_regions') }} where level = 'county'
),
candidates as (
    select
        p.period,
        c.county_code,
        s.effective_from,
        s.dibao_urban,
        s.dibao_rural,
        s.tekun_basic,
        s.near_dibao_multiplier,
        s.relapse_income_line,
        row_number() over (partition by p.period, c.county_code order by s.effective_from desc) as rank_latest
    from {{ ref('int_periods') }} as p
    cross join counties as c
    join {{ ref('assistance_standards') }} as s
        on s.county_code = c.county_code and s.effective_from <= p.period_end
)
select period, county_code, effective_from, dibao_urban, dibao_rural, tekun_basic, near_dibao_multiplier,
       relapse_income_line
from candidates
where rank_latest = 1
