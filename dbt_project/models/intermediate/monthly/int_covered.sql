-- covered(P) = dibao_active(P) ∪ tekun_active(P) (rules.md).
select period, person_id from {{ ref('int_dibao_active') }} where {{ in_recomputed_periods() }}
union
select period, person_id from {{ ref('int_tekun_active') }} where {{ in_recomputed_periods() }}
