-- The rule catalogue (vars.rule_catalogue in dbt_project.yml) joined to the dataset's warning_rules seed
-- (enabled, severity, params). A rule without a seed row keeps its defaults (enabled, the catalogue's
-- severity and parameters); a seed's params are laid over the catalogue's, key by key.
with catalogue (rule_id, rule_name, kind, default_severity, default_params, tables_read) as (
    values
    {%- for rule in var('rule_catalogue') %}
        ('{{ rule.id }}', '{{ rule.name }}', '{{ rule.kind }}', '{{ rule.severity }}',
         '{{ tojson(rule.params) }}', {{ rule.tables }}::varchar[]){{ "," if not loop.last }}
    {%- endfor %}
),
seeded as (
    select
        c.rule_id,
        c.rule_name,
        c.kind,
        c.tables_read,
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
    rule_id,
    rule_name,
    kind,
    severity,
    enabled,
    params::varchar as params,
    tables_read,
    -- the parameters in force (null for a rule that has no such parameter)
    (in_force ->> 'within_days')::integer as within_days,
    (in_force ->> 'drop_ratio')::decimal(6, 4) as drop_ratio,
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
from seeded
