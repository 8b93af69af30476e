-- Every rate of a set of the warehouse (K03 centralized share, K04, K05, K06 nursing coverage) is a fraction
-- in [0, 1] or null. The dibao coverage rates (K02) are over the registered population of the
-- region_population seed: they are never negative, and one above 1 (a seed out of date for a township) is a
-- plausible oddity of one row, which the data contract population_rates reports as a warning.
select period, region_code, indicator_id, value
from {{ ref('fct_kpis') }}
where value is not null
  and (
      (indicator_id in ('K03_centralized_rate', 'K04_rate', 'K05_rate', 'K06_nursing_coverage')
       and (value < 0 or value > 1 or isnan(value)))
      or (indicator_id in ('K02_rate', 'K02_rural_rate', 'K02_urban_rate') and (value < 0 or isnan(value)))
  )
