{#
  The periods a build evaluates: the complete periods (rules.md and domain.md evaluate nothing else),
  from the `from_period` var on when it is set (the marts recompute only those; rules that look back
  read the staging models of earlier months directly).
#}
{% macro from_period() -%}
    {%- set value = var('from_period', none) -%}
    {%- if value and not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])$', value | string) -%}
        {{ exceptions.raise_compiler_error("from_period must be YYYY-MM") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro evaluated_periods() -%}
    select period, period_start, period_end, previous_period
    from {{ ref('int_periods') }}
    where is_complete
    {%- if from_period() %} and period >= '{{ from_period() }}'{% endif %}
{%- endmacro %}


{#
  The pre-hook of the marts that are incremental by period (fct_findings, fct_kpis, fct_membership):
  on an incremental run, delete the periods that are computed again, those >= from_period, or every
  row when from_period is not given. A full refresh recreates the table instead.
#}
{% macro delete_recomputed_periods() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}{% if from_period() %} where period >= '{{ from_period() }}'{% endif %}
    {%- endif -%}
{%- endmacro %}
