{{ config(materialized='view') }}
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
    {{ evaluated_periods() }}
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
ranked as (
    select
        *,
        row_number() over (
            partition by period, person_id order by region_code, source_file, source_row
        ) as row_rank
    from qualifying
),
evidence as (
    select period, person_id, string_agg(source_ref, ';' order by source_file, source_row) as source_rows
    from qualifying
    group by period, person_id
)
select
    r.period,
    'W05' as rule_id,
    r.person_id as subject_person_id,
    r.name as subject_name,
    null::varchar as household_id,
    r.region_code,
    case r.self_care when 'full' then '全自理' when 'partial' then '半失能' when 'none' then '全失能' end
        as value,
    null::varchar as threshold,
    1::integer as persons_involved,
    e.source_rows
from ranked as r
join evidence as e using (period, person_id)
where r.row_rank = 1
