{#
  Households of a member table (rules.md, "Sets used by the rules"): a household number within one table
  and period, city-wide. Its members are the loaded rows with that number; its head the member whose
  relation is 'head'. With exactly one head the head is the subject, else the smallest person_id among
  all members. The household's columns and region come from the subject's row with the smallest region
  code, then reading order (file, row).
#}
{% macro households(member_model, household_columns) %}
with members as (
    select * from {{ ref(member_model) }} where {{ in_recomputed_periods() }}
),
summary as (
    select
        period,
        household_id,
        count(distinct person_id) filter (where relation = 'head') as head_count,
        min(person_id) filter (where relation = 'head') as head_person_id,
        min(person_id) as smallest_person_id,
        count(distinct person_id) as persons_involved,
        string_agg(source_ref, ';' order by source_file, source_row) as source_rows
    from members
    group by period, household_id
),
subjects as (
    select
        *,
        case when head_count = 1 then head_person_id else smallest_person_id end as subject_person_id
    from summary
),
subject_rows as (
    select
        m.*,
        row_number() over (
            partition by m.period, m.household_id order by m.region_code, m.source_file, m.source_row
        ) as row_rank
    from members as m
    join subjects as s
        on s.period = m.period and s.household_id = m.household_id and m.person_id = s.subject_person_id
        -- with one head, the head's rows (rows of the same person under another relation are not)
        and (s.head_count <> 1 or m.relation = 'head')
)
select
    s.period,
    s.household_id,
    s.subject_person_id,
    r.name as subject_name,
    s.head_count,
    s.persons_involved,
    r.region_code,
    r.county_code,
    r.township_code,
    r.source_ref as subject_source_ref,
    s.source_rows,
    {%- for column in household_columns %}
    r.{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
from subjects as s
join subject_rows as r
    on r.period = s.period and r.household_id = s.household_id and r.row_rank = 1
{% endmacro %}
