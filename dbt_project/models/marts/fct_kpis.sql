{#
  The monitoring indicators of domain.md ("KPIs", K01-K09) under the 23 ids of product.md ("Exports"):
  one row per complete period, KPI region (the city, every county and every township of the regions
  seed) and indicator, zero counts included; computed in int_kpi_indicators. Rates are fractions, null
  when the denominator is 0 or the population is unknown. K09 (standards in force) is given for counties
  and townships (their county's standard), not for the city.

  Incremental by period: `--vars '{from_period: "YYYY-MM"}'` deletes the periods >= from_period from
  this table and inserts them again; without it every period is deleted and inserted (a full rebuild).
  K10–K12 (int_case_kpis) are stated as of the run's clock: every run replaces them for every period.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ delete_recomputed_periods() }}",
        "{% if is_incremental() %}delete from {{ this }} where indicator_id in ('K10_cases', 'K10_disposed', 'K10_rate', 'K11_overdue', 'K11_late', 'K12_days_median'){% endif %}",
    ]
) }}

{#- validated YYYY-MM or none (macros/periods.sql) #}
{%- set from_period = from_period() %}
{%- set indicators = [
    'K01_persons', 'K01_households', 'K02_rate', 'K02_rural_rate', 'K02_urban_rate',
    'K03_persons', 'K03_centralized_rate', 'K04_rate',
    'K05_persons', 'K05_in_dibao', 'K05_in_tekun', 'K05_rate',
    'K06_living_persons', 'K06_nursing_persons', 'K06_living_amount', 'K06_nursing_amount',
    'K06_nursing_coverage', 'K07_amount', 'K08_open', 'K08_new',
    'K09_dibao_urban', 'K09_dibao_rural', 'K09_tekun_basic',
] %}
{%- set case_indicators = ['K10_cases', 'K10_disposed', 'K10_rate', 'K11_overdue', 'K11_late', 'K12_days_median'] %}

with indicators as (
    select *
    from {{ ref('int_kpi_indicators') }}
    {%- if from_period %}
    where period >= '{{ from_period }}'
    {%- endif %}
)
{%- for indicator in indicators %}
select period, region_code, level, '{{ indicator }}' as indicator_id, {{ indicator | lower }} as value
from indicators
{%- if indicator.startswith('K09') %}
where level <> 'city'
{%- endif %}
union all
{%- endfor %}
{%- for indicator in case_indicators %}
select period, region_code, level, '{{ indicator }}' as indicator_id, {{ indicator | lower }} as value
from {{ ref('int_case_kpis') }}
{{ "union all" if not loop.last }}
{%- endfor %}
