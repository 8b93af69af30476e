-- The rule catalogue (vars.rule_catalogue in dbt_project.yml) joined to the dataset's warning_rules seed
-- (enabled, severity, params, and the optional deadline_days). A rule without a seed row keeps its
-- defaults (enabled, the catalogue's severity and parameters); a seed's params are laid over the
-- catalogue's, key by key. The deadline of a case (rules.md): the seed's deadline_days, else the entry's,
-- else by the severity in force (vars.deadline_days_by_severity); an older seed without the column is valid.
{%- set seed_columns = [] %}
{%- if execute %}
    {%- for column in adapter.get_columns_in_relation(ref('warning_rules')) %}
        {%- do seed_columns.append(column.name | lower) %}
    {%- endfor %}
{%- endif %}
with catalogue (rule_id, rule_name, kind, default_severity, default_params, tables_read, default_deadline_days) as (
    values
    {%- for rule in var('rule_catalogue') %}
        ('{{ rule.id }}', '{{ rule.name }}', '{{ rule.kind }}', '{{ rule.severity }}',
         '{{ tojson(rule.params) }}', {{ rule.tables }}::varchar[],
         {{ rule.deadline_days if rule.deadline_days is defined else 'null' }}::integer){{ "," if not loop.last }}
    {%- endfor %}
),
deadline_by_severity (severity, deadline_days) as (
    values
    {%- for severity, days in var('deadline_days_by_severity').items() %}
        ('{{ severity }}', {{ days }}){{ "," if not loop.last }}
    {%- endfor %}
),
seeded as (
    select
        c.rule_id,
        c.rule_name,
        c.kind,
        c.tables_read,
        c.default_deadline_days,
        {%- if 'deadline_days' in seed_columns %}
        try_cast(nullif(trim(s.deadline_days::varchar), '') as integer) as seed_deadline_days,
        {%- else %}
        null::integer as seed_deadline_days,
        {%- endif %}
        coalesce(nullif(trim(s.severity), ''), c.default_severity) as severity,
        -- a seed row with enabled left empty disables the rule (the reference reads it as false)
        case when s.rule_id is null then true else coalesce(s.enabled, false) end as enabled,
        -- what the seed says (shown on the rule catalogue page), and what is in force
        coalesce(nullif(trim(s.params), ''), '{}')::json as params,
        json_merge_patch(c.default_params::json, coalesce(nullif(trim(s.params), ''), '{}')::json) as in_force
    from catalogue as c
    left join {{ ref('warning_rules') }} as s on s.rule_id = c.rule_id
),
-- 生活自理能力 levels are given by their Chinese label (or a variant of the contract); stored values pass.
self_care_labels (label, self_care) as (
    values ('全自理', 'full'), ('自理', 'full'), ('能自理', 'full'), ('full', 'full'),
           ('半失能', 'partial'), ('部分失能', 'partial'), ('partial', 'partial'),
           ('全失能', 'none'), ('完全失能', 'none'), ('none', 'none')
)
select
    s.rule_id,
    s.rule_name,
    s.kind,
    s.severity,
    s.enabled,
    s.params::varchar as params,
    s.tables_read,
    coalesce(s.seed_deadline_days, s.default_deadline_days, d.deadline_days) as deadline_days,
    -- the parameters in force (null for a rule that has no such parameter)
    (in_force ->> 'within_days')::integer as within_days,
    (in_force ->> 'drop_ratio')::decimal(6, 4) as drop_ratio,
    (in_force ->> 'window_months')::integer as window_months,
    (in_force ->> 'amount')::decimal(14, 2) as amount,
    (in_force ->> 'grace_days')::integer as grace_days,
    -- the known levels only (an empty or unknown list matches nothing, as in the reference); a single
    -- level may be given as a string
    case
        when (in_force -> 'self_care_levels') is null then null
        else coalesce(
            (select list(l.self_care order by l.self_care)
             from unnest(case json_type(in_force -> 'self_care_levels')
                             when 'ARRAY' then cast(in_force -> 'self_care_levels' as varchar[])
                             else [in_force ->> 'self_care_levels'] end) as u(label)
             join self_care_labels as l on l.label = u.label),
            []::varchar[])
    end as self_care_levels
from seeded as s
left join deadline_by_severity as d on d.severity = s.severity
