-- Every rate of fct_kpis (K02, K03 centralized share, K04, K05, K06 nursing coverage) is a fraction in
-- [0, 1] or null.
select period, region_code, indicator_id, value
from {{ ref('fct_kpis') }}
where indicator_id in ('K02_rate', 'K02_rural_rate', 'K02_urban_rate', 'K03_centralized_rate', 'K04_rate',
                       'K05_rate', 'K06_nursing_coverage')
  and value is not null
  and (value < 0 or value > 1 or isnan(value))
