-- W05 失能特困人员分散供养无照料协议 (rules.md): a person in tekun_active(P) on a tekun row of P with
-- 状态 = 在供, 生活自理能力 in [self_care_levels], 供养方式 = 分散供养 and 照料服务协议 = 无.
-- One finding per person and period; its row (region, value) is the person's qualifying row with the
-- smallest region code, then reading order. Value: the Chinese label of that row's 生活自理能力.
with rule as (
    select self_care_levels
    from {{ ref('int_rule_parameters') }}
    where rule_id = 'W05' and enabled
),
periods as (
    {{ evaluated_periods('W05') }}
),
qualifying as (
    select t.*
    from {{ ref('stg_civil_affairs__tekun') }} as t
    join periods using (period)
    cross join rule
    where t.status = 'active'
        and t.care_mode = 'dispersed'
        and not coalesce(t.has_care_agreement, false)
        and list_contains(rule.self_care_levels, t.self_care)
),
{{ person_findings('W05', 'qualifying',
                   value="case r.self_care when 'full' then '全自理' when 'partial' then '半失能'
                                           when 'none' then '全失能' end") }}
