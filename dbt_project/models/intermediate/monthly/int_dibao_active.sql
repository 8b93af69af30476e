-- dibao_active(P): persons of dibao rows with 状态 = 在保 and 是否保障对象 = 是 (rules.md).
select distinct period, person_id
from {{ ref('stg_civil_affairs__dibao') }}
where status = 'active' and is_covered and {{ in_recomputed_periods() }}
