-- tekun_active(P): persons of tekun rows with 状态 = 在供 (rules.md).
select distinct period, person_id
from {{ ref('stg_civil_affairs__tekun') }}
where status = 'active' and {{ in_recomputed_periods() }}
