-- Dibao households per period: subject (head), household columns from the subject's row, members.
with households as (
    {{ households('stg_civil_affairs__dibao',
                  ['dibao_category', 'household_size', 'monthly_income_per_capita', 'monthly_benefit',
                   'approval_date']) }}
),
states as (
    select
        period,
        household_id,
        bool_or(status = 'active') as has_active_row,
        bool_or(status = 'active' and is_covered) as has_active_covered_member
    from {{ ref('stg_civil_affairs__dibao') }}
    where {{ in_recomputed_periods() }}
    group by period, household_id
)
select households.*, states.has_active_row, states.has_active_covered_member
from households
join states using (period, household_id)
