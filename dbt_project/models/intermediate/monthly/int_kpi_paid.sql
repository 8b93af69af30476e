-- What the KPIs sum, one row per (period, row region, measure, source row) with its amount in yuan
-- (exact decimals): K06's subsidy amounts and K07's parts (domain.md, "KPIs"; docs/decisions.md,
-- "Reference evaluation"). Every period on file is here (incremental by period); fct_kpis keeps
-- complete ones.
-- K07: 月保障金 of each dibao household with a member in dibao_active, once, from the head's row and at
-- its region; basic living + care fee of every active tekun row; every temporary assistance payment and
-- every subsidy payment of P (rows with duplicated references included).
select period, region_code, 'dibao_benefit' as measure, subject_source_ref as source_ref,
       monthly_benefit as amount
from {{ ref('int_households__dibao') }}
where has_active_covered_member and {{ in_recomputed_periods() }}
union all
select period, region_code, 'tekun_payment', source_ref,
       coalesce(monthly_basic_living, 0) + coalesce(monthly_care_fee, 0)
from {{ ref('stg_civil_affairs__tekun') }}
where status = 'active' and {{ in_recomputed_periods() }}
union all
select period, region_code, 'temporary_assistance', source_ref, amount
from {{ ref('stg_civil_affairs__temporary_assistance') }}
where {{ in_recomputed_periods() }}
union all
select period, region_code, subsidy_type || '_amount', source_ref, amount
from {{ ref('stg_disability_federation__disability_subsidies') }}
where {{ in_recomputed_periods() }}
