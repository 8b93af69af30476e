{#
  The periods a build evaluates: the complete periods (rules.md and domain.md evaluate nothing else),
  from the `from_period` var on when it is set (the marts recompute only those; rules that look back
  read the staging models of earlier months directly).
#}
{% macro from_period() -%}
    {{ return(period_var('from_period')) }}
{%- endmacro %}


{#
  A month the build is given: `--vars` (by hand, tests) or, from the pipeline, the environment variable
  SAFETYNET_DBT_<NAME> (pipelines/dbt_cli.py PERIOD_ENV: a changed var makes dbt parse the whole project
  again, a changed environment variable only the files that read it). Validated YYYY-MM, or none.
#}
{% macro period_var(name) -%}
    {%- set value = var(name, none) or env_var('SAFETYNET_DBT_' ~ (name | upper), '') or none -%}
    {%- if value and not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])$', value | string) -%}
        {{ exceptions.raise_compiler_error(name ~ " must be YYYY-MM") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#
  The first period held back from publishing (`held_back_from` var, set by the pipeline from the raw
  contracts' breaches): it and every later period are neither evaluated nor tested; their raw rows stay
  in the staging views for the data-quality report. Unset: nothing is held back.
#}
{% macro held_back_from() -%}
    {{ return(period_var('held_back_from')) }}
{%- endmacro %}


{#
  The periods a build evaluates: complete, from from_period on, before any held-back period. With a
  rule id, only those in which every table the rule reads (its entry's `tables` in vars.rule_catalogue)
  is expected: a rule waiting for a department's data is not evaluated (rules.md).
#}
{% macro evaluated_periods(rule_id=none) -%}
    select period, period_start, period_end, previous_period
    from {{ ref('int_periods') }}
    where is_complete
    {%- if from_period() %} and period >= '{{ from_period() }}'{% endif %}
    and {{ before_held_back() }}
    {%- if rule_id %}
    and list_has_all(expected_tables, {{ rule_tables(rule_id) }}::varchar[])
    {%- endif %}
{%- endmacro %}


{# The raw tables a rule reads, from the rule catalogue; an unknown id stops the build. #}
{% macro rule_tables(rule_id) -%}
    {%- for rule in var('rule_catalogue') if rule.id == rule_id -%}
        {{ return(rule.tables) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("rule " ~ rule_id ~ " is not in vars.rule_catalogue") }}
{%- endmacro %}


{# `<column> < held_back_from` when periods are held back, `true` otherwise. #}
{% macro before_held_back(column='period') -%}
    {{- column ~ " < '" ~ held_back_from() ~ "'" if held_back_from() else 'true' -}}
{%- endmacro %}


{#
  The condition that keeps the rows of the periods a build recomputes, for the model being built:
  `<column> >= from_period` when from_period is set, except in an incremental model whose table does not
  exist yet or is fully refreshed (it is built whole), and `<column> < held_back_from` when periods are
  held back; `true` otherwise. Put it on every read of a period's own rows, where the scan can use it;
  never on the reads of earlier periods a rule looks back to.
#}
{% macro in_recomputed_periods(column='period') -%}
    {%- set conditions = [] -%}
    {%- if recomputes_from() -%}
        {%- do conditions.append(column ~ " >= '" ~ from_period() ~ "'") -%}
    {%- endif -%}
    {%- do conditions.append(before_held_back(column)) -%}
    {{- conditions | join(' and ') -}}
{%- endmacro %}


{# Whether the model being built keeps its periods before from_period (an incremental run). #}
{% macro recomputes_from() -%}
    {{ return(from_period() and (config.get('materialized') != 'incremental' or is_incremental())) }}
{%- endmacro %}


{#
  The pre-hook of the models that are incremental by period (fct_findings, fct_kpis, fct_membership and
  the monthly intermediate models, models/intermediate/monthly/):
  on an incremental run, delete every period from from_period on (held back or not: rows of a held-back
  period left by an earlier build must not stay), or every row when from_period is not given. A full
  refresh recreates the table instead.
#}
{% macro delete_recomputed_periods() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}{% if from_period() %} where period >= '{{ from_period() }}'{% endif %}
    {%- endif -%}
{%- endmacro %}


{#
  dbt wraps the model of every generic test in get_where_subquery (its `where` config). Overridden so
  that the tests of a model whose earlier periods this build does not rewrite check only the periods
  >= from_period: an incremental model (the earlier periods were tested when built), and a staging model
  (a view over raw, whose rows of a period change only when the period is ingested again, and that marks
  the build to start from it). When periods are held back, no test reads them: the breach that holds
  them back is the data contracts' to report.
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
    {%- if held_back_from() and tested and 'period' in tested.columns -%}
        {%- do conditions.append(before_held_back()) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ (conditions | join(' and ')) ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
