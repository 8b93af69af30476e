-- dibao_members(P): persons of dibao rows with 状态 = 在保, covered or not (rules.md).
select distinct period, person_id
from {{ ref('stg_civil_affairs__dibao') }}
where status = 'active' and {{ in_recomputed_periods() }}
