{#
  Every finding of every enabled rule and complete period: the union of the rule models
  (models/intermediate/rules/int_findings__*, found in the graph by union_findings()), with identity
  (warning_id) and persistence (first_period, consecutive_periods). One row per (period, warning_id).

  Incremental by period: `--vars '{from_period: "YYYY-MM"}'` deletes the periods >= from_period from the
  table and inserts them again; the earlier periods stay, and the month just before from_period carries
  the runs on. Without from_period every period is rebuilt; `--full-refresh` recreates the table.
#}
{#- validated YYYY-MM or none (macros/periods.sql) #}
{%- set from_period = from_period() %}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_recomputed_periods() }}"
) }}
-- The rule models of the catalogue (dbt learns a model's parents when parsing; vars.rule_catalogue):
{%- for rule in var('rule_catalogue') %}
-- depends_on: {{ ref(rule.model) }}
{%- endfor %}
{%- set recompute_from = from_period if (from_period and is_incremental()) else none %}
with findings as (
    {{ union_findings() }}
),
rules as (
    select rule_id, rule_name, kind, severity
    from {{ ref('int_rule_parameters') }}
    where enabled
),
new_findings as (
    select
        f.period,
        f.rule_id || '-' || substr(sha256(f.rule_id || '|' || f.subject_person_id), 1, 12) as warning_id,
        f.rule_id,
        rules.rule_name,
        rules.kind,
        rules.severity,
        f.subject_person_id,
        f.subject_name,
        f.household_id,
        f.persons_involved::integer as persons_involved,
        f.region_code,
        {{ county_of('f.region_code') }} as county_code,
        -- a finding placed at a county (W09) has no township
        {{ township_of('f.region_code') }} as township_code,
        f.value,
        f.threshold,
        f.source_rows
    from findings as f
    join rules on rules.rule_id = f.rule_id
    {%- if recompute_from %}
    where f.period >= '{{ recompute_from }}'
    {%- endif %}
),
-- Persistence: islands of consecutive calendar months per warning_id. Only complete periods are
-- evaluated, so a month not on file or not complete has no finding and breaks the run. When only the
-- periods from from_period are recomputed, the row of the month before (kept in the table) starts the
-- island with its stored first_period and consecutive_periods.
months as (
    select warning_id, period, null::varchar as stored_first, null::integer as stored_length
    from new_findings
    {%- if recompute_from %}
    union all
    select warning_id, period, first_period, consecutive_periods
    from {{ this }}
    where period = strftime(strptime('{{ recompute_from }}-01', '%Y-%m-%d') - interval 1 month, '%Y-%m')
    {%- endif %}
),
islands as (
    select
        *,
        month_index - row_number() over (partition by warning_id order by month_index) as island
    from (
        select *, year(strptime(period || '-01', '%Y-%m-%d')) * 12
                  + month(strptime(period || '-01', '%Y-%m-%d')) as month_index
        from months
    )
),
runs as (
    select
        warning_id,
        period,
        first_value(coalesce(stored_first, period)) over island_window as first_period,
        first_value(coalesce(stored_length, 1)) over island_window
            + month_index - first_value(month_index) over island_window as consecutive_periods
    from islands
    window island_window as (partition by warning_id, island order by month_index)
)
select
    f.period,
    f.warning_id,
    f.rule_id,
    f.rule_name,
    f.kind,
    f.severity,
    f.subject_person_id,
    f.subject_name,
    f.household_id,
    f.persons_involved,
    f.region_code,
    f.county_code,
    f.township_code,
    f.value,
    f.threshold,
    runs.first_period,
    runs.consecutive_periods::integer as consecutive_periods,
    f.source_rows
from new_findings as f
join runs on runs.warning_id = f.warning_id and runs.period = f.period
