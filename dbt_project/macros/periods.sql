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
  The condition that keeps the rows of the periods a build recomputes, for the model being built:
  `<column> >= from_period` when from_period is set, except in an incremental model whose table does not
  exist yet or is fully refreshed (it is built whole); `true` otherwise. Put it on every read of a
  period's own rows, where the scan can use it; never on the reads of earlier periods a rule looks back to.
#}
{% macro in_recomputed_periods(column='period') -%}
    {%- set start = from_period() -%}
    {%- if start and (config.get('materialized') != 'incremental' or is_incremental()) -%}
        {{ column }} >= '{{ start }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#
  The pre-hook of the models that are incremental by period (fct_findings, fct_kpis, fct_membership and
  the monthly intermediate models, models/intermediate/monthly/):
  on an incremental run, delete the periods that are computed again, those >= from_period, or every
  row when from_period is not given. A full refresh recreates the table instead.
#}
{% macro delete_recomputed_periods() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ in_recomputed_periods() }}
    {%- endif -%}
{%- endmacro %}


{#
  dbt wraps the model of every generic test in get_where_subquery (its `where` config). Overridden so
  that the tests of a model whose earlier periods this build does not rewrite check only the periods
  >= from_period: an incremental model (the earlier periods were tested when built), and a staging model
  (a view over raw, whose rows of a period change only when the period is ingested again, and that marks
  the build to start from it).
#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if execute and model.attached_node else none -%}
    {%- if from_period() and tested and 'period' in tested.columns
          and (tested.config.materialized == 'incremental' or tested.fqn[1] == 'staging') -%}
        {%- do conditions.append("period >= '" ~ from_period() ~ "'") -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ (conditions | join(' and ')) ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
