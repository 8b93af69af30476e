{#
  Generic test: every check of a model's columns and grain in one scan of the model, so a model costs
  one dbt node and one Dagster check rather than one per column (each node has a fixed cost of tens of
  milliseconds in dbt and an event pair in Dagster: ~300 of them were most of a small run's build).
    data_tests:
      - column_checks:
          name: column_checks_<model>
          arguments:
            not_null: [period, warning_id]                        # never empty
            accepted_values: {kind: [warning, verification]}      # empty, or one of these
            references:                                           # empty, or a value of to.field
              - {column: region_code, to: ref('dim_region'), field: region_code}
            unique: [period, warning_id]                          # the grain: no two rows share these
  Fails with one row per check that does not hold: the check, the column(s) and how many rows breach it
  (a grain counts the rows beyond the first of each duplicated combination). No row data is returned.
#}
{% test column_checks(model, not_null=[], accepted_values={}, references=[], unique=[]) %}
{%- set checks = [] -%}
{%- for column in not_null -%}
    {%- do checks.append(("not_null", column, "count(*) filter (where " ~ column ~ " is null)")) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set listed = [] -%}
    {%- for v in values %}{% do listed.append("'" ~ v ~ "'") %}{% endfor -%}
    {%- do checks.append(("accepted_values", column,
        "count(*) filter (where " ~ column ~ "::varchar not in (" ~ listed | join(", ") ~ "))")) -%}
{%- endfor -%}
{%- for ref_ in references -%}
    {%- do checks.append(("references " ~ ref_.to.identifier ~ "." ~ ref_.field, ref_.column,
        "count(*) filter (where " ~ ref_.column ~ " is not null and " ~ ref_.column ~ " not in (select "
        ~ ref_.field ~ " from " ~ ref_.to ~ " where " ~ ref_.field ~ " is not null))")) -%}
{%- endfor -%}
{%- if unique -%}
    {%- do checks.append(("unique", unique | join(", "),
        "count(*) - count(distinct row(" ~ unique | join(", ") ~ "))")) -%}
{%- endif -%}
with counted as (
    select
    {%- for check in checks %}
        {{ check[2] }} as c{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for check in checks %}
select '{{ check[0] }}' as check_name, '{{ check[1] }}' as column_name, c{{ loop.index }} as failing_rows
from counted where c{{ loop.index }} > 0
{{ "union all" if not loop.last }}
{%- endfor %}
{% endtest %}
