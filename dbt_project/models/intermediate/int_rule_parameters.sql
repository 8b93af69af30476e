-- The rule catalogue of rules.md joined to the dataset's warning_rules seed (enabled, severity, params).
-- A rule without a seed row keeps its defaults (enabled, rules.md severity and parameters).
with catalogue (rule_id, rule_name, kind, default_severity) as (
    values
        ('W01', '监测户收入低于低保标准未纳入保障', 'warning', 'orange'),
        ('W02', '重度残疾人未享护理补贴', 'warning', 'yellow'),
        ('W03', '低保家庭残疾人未享生活补贴', 'warning', 'yellow'),
        ('W04', '突发严重困难户未获临时救助', 'warning', 'red'),
        ('W05', '失能特困人员分散供养无照料协议', 'warning', 'orange'),
        ('W06', '风险消除后再次返贫', 'warning', 'orange'),
        ('W07', '监测户收入骤降', 'warning', 'yellow'),
        ('W08', '低收入家庭收入低于低保标准未纳入保障', 'warning', 'orange'),
        ('V01', '低保特困重复享受', 'verification', 'orange'),
        ('V02', '跨县区重复享受低保', 'verification', 'orange'),
        ('V03', '残疾人补贴重复发放', 'verification', 'yellow'),
        ('V04', '低保金超过补差上限', 'verification', 'yellow')
),
seeded as (
    select
        c.rule_id,
        c.rule_name,
        c.kind,
        coalesce(nullif(trim(s.severity), ''), c.default_severity) as severity,
        -- a seed row with enabled left empty disables the rule (the reference reads it as false)
        case when s.rule_id is null then true else coalesce(s.enabled, false) end as enabled,
        coalesce(nullif(trim(s.params), ''), '{}')::json as params
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
    coalesce((params ->> 'within_days')::integer, 30) as within_days,
    coalesce((params ->> 'drop_ratio')::decimal(6, 4), 0.30) as drop_ratio,
    -- absent → the default ['none']; given → its known levels only (an empty or unknown list matches
    -- nothing, as in the reference); a single level may be given as a string
    case
        when (params -> 'self_care_levels') is null then ['none']
        else coalesce(
            (select list(l.self_care order by l.self_care)
             from unnest(case json_type(params -> 'self_care_levels')
                             when 'ARRAY' then cast(params -> 'self_care_levels' as varchar[])
                             else [params ->> 'self_care_levels'] end) as u(label)
             join self_care_labels as l on l.label = u.label),
            []::varchar[])
    end as self_care_levels
from seeded
