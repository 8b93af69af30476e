{#
  Helpers of the rule models (models/intermediate/rules/int_findings__*) and of fct_findings.
  Every rule model has the same columns (see findings_columns) and one row per (period, subject).
#}

{# The columns of a rule model, in order. #}
{% macro findings_columns() -%}
    {{ return(['period', 'rule_id', 'subject_person_id', 'subject_name', 'household_id', 'region_code',
               'value', 'threshold', 'persons_involved', 'source_rows']) }}
{%- endmacro %}


{#
  The rule models: every model of this project named int_findings__*, sorted, from the graph (known when
  executing). A unit test has no graph: there, the int_findings__* models the tested model refers to.
#}
{% macro finding_models() -%}
    {% set names = [] %}
    {% if execute %}
        {% set nodes = graph.get('nodes') %}
        {% if nodes %}
            {% for node in nodes.values() %}
                {% if node.resource_type == 'model' and node.package_name == project_name
                      and node.name.startswith('int_findings__') %}
                    {% do names.append(node.name) %}
                {% endif %}
            {% endfor %}
        {% else %}
            {% for r in model.get('refs') or [] %}
                {% if r.name.startswith('int_findings__') %}
                    {% do names.append(r.name) %}
                {% endif %}
            {% endfor %}
        {% endif %}
    {% endif %}
    {{ return(names | unique | sort) }}
{%- endmacro %}


{#
  The union of every rule model. dbt knows a model's parents from the ref() calls it sees when parsing,
  before the graph exists, so the model calling this macro names each rule model of the catalogue in a
  `-- depends_on:` line (a loop over vars.rule_catalogue); a rule model missing from the catalogue stops
  the build with what to add, rather than silently missing from the union.
#}
{% macro union_findings() -%}
    {% set columns = findings_columns() %}
    {% set names = finding_models() %}
    {#- a unit test's node lists no parents: nothing to check there #}
    {% set parents = (model.get('depends_on') or {}).get('nodes') if execute else none %}
    {% if parents is not none %}
        {% set missing = [] %}
        {% for name in names %}
            {% if ('model.' ~ project_name ~ '.' ~ name) not in parents %}
                {% do missing.append(name) %}
            {% endif %}
        {% endfor %}
        {% if missing %}
            {{ exceptions.raise_compiler_error(
                "Rule model(s) missing from the rule catalogue (vars.rule_catalogue in dbt_project.yml): "
                ~ (missing | join(", ")) ~ ". Add an entry (id, name, kind, severity, params, tables, model).") }}
        {% endif %}
    {% endif %}
    {% if names %}
        {% for name in names %}
    select {{ columns | join(', ') }} from {{ ref(name) }}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    {% else %}
    {# parsing, or no rule model yet: the typed empty shape #}
    select
        null::varchar as period, null::varchar as rule_id, null::varchar as subject_person_id,
        null::varchar as subject_name, null::varchar as household_id, null::varchar as region_code,
        null::varchar as value, null::varchar as threshold, null::integer as persons_involved,
        null::varchar as source_rows
    where false
    {% endif %}
{%- endmacro %}


{#
  Money as text, exactly two decimals rounded half up (away from zero), like the reference's
  Decimal.quantize(ROUND_HALF_UP). `money_text(x)` for a DECIMAL; `money_divided_text(x, n)` for x / n
  with an integer n, computed in whole cents so that no float is involved (DuckDB divides decimals as
  DOUBLE). A negative amount that rounds to zero keeps its sign ('-0.00'), as Decimal does.
#}
{% macro money_text(amount) -%}
    (round(({{ amount }})::decimal(38, 6), 2)::decimal(38, 2))::varchar
{%- endmacro %}

{% macro money_divided_text(amount, divisor) -%}
    (case
        when ({{ amount }}) < 0
             and (2 * abs(({{ amount }}) * 100)::hugeint + ({{ divisor }})) // (2 * ({{ divisor }})) = 0
            then '-0.00'
        else ((sign((({{ amount }}) * 100)::hugeint)
               * ((2 * abs((({{ amount }}) * 100)::hugeint) + ({{ divisor }})) // (2 * ({{ divisor }}))))::decimal(38, 0)
              * 0.01::decimal(3, 2))::decimal(38, 2)::varchar
    end)
{%- endmacro %}


{#
  Person rules: one finding per (period, person) among the rows that meet the rule (a relation with
  period, person_id, name, region_code, source_file, source_row, source_ref). The finding's row is the
  person's qualifying row with the smallest region code, then reading order; `value` and `threshold`
  are SQL expressions over that row (alias r). `source_rows`: the person's qualifying rows, plus the rows
  of `extra_rows` (period, person_id, source_file, source_row, source_ref) if given, distinct, sorted by
  file and then row number.
#}
{% macro person_findings(rule_id, qualifying, value='null', threshold='null', extra_rows=none) -%}
ranked as (
    select
        *,
        row_number() over (
            partition by period, person_id order by region_code, source_file, source_row
        ) as row_rank
    from {{ qualifying }}
),
evidence_rows as (
    select period, person_id, source_file, source_row, source_ref from {{ qualifying }}
    {%- if extra_rows %}
    union
    select e.period, e.person_id, e.source_file, e.source_row, e.source_ref
    from {{ extra_rows }} as e
    semi join (select distinct period, person_id from {{ qualifying }}) as q
        on q.period = e.period and q.person_id = e.person_id
    {%- endif %}
),
evidence as (
    select period, person_id, string_agg(source_ref, ';' order by source_file, source_row) as source_rows
    from (select distinct * from evidence_rows)
    group by period, person_id
)
select
    r.period,
    '{{ rule_id }}' as rule_id,
    r.person_id as subject_person_id,
    r.name as subject_name,
    null::varchar as household_id,
    r.region_code,
    ({{ value }})::varchar as value,
    ({{ threshold }})::varchar as threshold,
    1 as persons_involved,
    e.source_rows
from ranked as r
join evidence as e on e.period = r.period and e.person_id = r.person_id
where r.row_rank = 1
{%- endmacro %}


{#
  Household rules: from the firing households (a relation with the columns of int_households__*, plus
  `value` and `threshold` as text and `source_rows`), one finding per (period, subject): where a subject
  heads several firing households, the one with the smallest region code, then household number.
#}
{% macro household_findings(rule_id, firing) -%}
select
    period,
    '{{ rule_id }}' as rule_id,
    subject_person_id,
    subject_name,
    household_id::varchar as household_id,
    region_code,
    value::varchar as value,
    threshold::varchar as threshold,
    persons_involved::integer as persons_involved,
    source_rows
from {{ firing }}
qualify row_number() over (
    partition by period, subject_person_id order by region_code, household_id
) = 1
{%- endmacro %}


{#
  Household rules whose evidence is every member row of P plus one row of an earlier period (W06: the
  earlier record's subject row; W07: the subject row of P−1). From the firing households (`firing`, with
  the columns of int_households__* plus `<extra>_period` and `<extra>_source_ref`), the CTEs `chosen` (one
  household per subject and period, chosen as household_findings does) and `evidence` (period,
  household_id, source_rows sorted by file, then row number).
#}
{% macro household_evidence_with_earlier_row(firing, members, extra) -%}
chosen as (
    select *
    from {{ firing }}
    qualify row_number() over (
        partition by period, subject_person_id order by region_code, household_id
    ) = 1
),
evidence_rows as (
    select c.period, c.household_id, m.source_file, m.source_row, m.source_ref
    from chosen as c
    join {{ members }} as m on m.period = c.period and m.household_id = c.household_id
    union
    select c.period, c.household_id, m.source_file, m.source_row, m.source_ref
    from chosen as c
    join {{ members }} as m
        on m.period = c.{{ extra }}_period and m.source_ref = c.{{ extra }}_source_ref
),
evidence as (
    select period, household_id, string_agg(source_ref, ';' order by source_file, source_row) as source_rows
    from evidence_rows
    group by period, household_id
)
{%- endmacro %}


{#
  Household rules whose evidence is every member row of P plus rows of another table for the members
  (W10: their 失业保险金 payments; V09: their pensions). From the firing households (`fired`: period,
  household_id), the members' rows (`members`: period, household_id, person_id, source_file, source_row,
  source_ref) and the person rows (`person_rows`: period, person_id, source_file, source_row,
  source_ref), the CTEs `evidence_rows` and `evidence` (period, household_id, source_rows sorted by file,
  then row number).
#}
{% macro household_evidence_with_person_rows(fired, members, person_rows) -%}
evidence_rows as (
    select m.period, m.household_id, m.source_file, m.source_row, m.source_ref
    from {{ fired }} as f
    join {{ members }} as m on m.period = f.period and m.household_id = f.household_id
    union
    select m.period, m.household_id, r.source_file, r.source_row, r.source_ref
    from {{ fired }} as f
    join {{ members }} as m on m.period = f.period and m.household_id = f.household_id
    join {{ person_rows }} as r on r.period = m.period and r.person_id = m.person_id
),
evidence as (
    select period, household_id, string_agg(source_ref, ';' order by source_file, source_row) as source_rows
    from evidence_rows
    group by period, household_id
)
{%- endmacro %}


{#
  The death row or the move row of int_person_changes (`change`: 'death' or 'move') as evidence rows
  (period, person_id, source_file, source_row, source_ref) for person_findings' extra_rows (V05–V07).
#}
{% macro change_evidence_rows(relation, change) -%}
    select
        period,
        person_id,
        {{ change }}_source_file as source_file,
        {{ change }}_source_row as source_row,
        {{ change }}_source_ref as source_ref
    from {{ relation }}
{%- endmacro %}
