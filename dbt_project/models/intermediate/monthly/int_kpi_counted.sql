-- What the KPIs count, one row per (period, row region, measure, key): the key is a person_id (a
-- household number for K01_households, a warning_id for K08), the region that of the village of the
-- row the key comes from (domain.md, "KPIs"; docs/decisions.md, "Reference evaluation"). Counts are
-- then of distinct keys per region (int_kpi_region_values), so a person on the rolls of two counties
-- counts in each and once in the city. Every period on file is here (incremental by period); fct_kpis
-- keeps complete ones.
with dibao as (
    select d.period, d.region_code, d.person_id, h.dibao_category
    from {{ ref('stg_civil_affairs__dibao') }} as d
    join {{ ref('int_households__dibao') }} as h
        on h.period = d.period and h.household_id = d.household_id
    where d.status = 'active' and d.is_covered and {{ in_recomputed_periods('d.period') }}
),
tekun as (
    select period, region_code, person_id, care_mode = 'centralized' as centralized,
           self_care in ('partial', 'none') as unable
    from {{ ref('stg_civil_affairs__tekun') }}
    where status = 'active' and {{ in_recomputed_periods() }}
),
monitoring as (
    select m.period, m.region_code, m.person_id,
           d.person_id is not null as in_dibao, t.person_id is not null as in_tekun
    from {{ ref('stg_rural_revitalisation__monitoring') }} as m
    left join {{ ref('int_dibao_active') }} as d on d.period = m.period and d.person_id = m.person_id
    left join {{ ref('int_tekun_active') }} as t on t.period = m.period and t.person_id = m.person_id
    where {{ in_recomputed_periods('m.period') }}
),
nursing_paid as (
    select distinct period, person_id
    from {{ ref('stg_disability_federation__disability_subsidies') }}
    where subsidy_type = 'nursing_subsidy' and {{ in_recomputed_periods() }}
),
severe as (
    select c.period, c.region_code, c.person_id, p.person_id is not null as paid
    from {{ ref('stg_disability_federation__disability_cards') }} as c
    left join nursing_paid as p on p.period = c.period and p.person_id = c.person_id
    where c.card_status = 'valid' and c.disability_grade in (1, 2) and {{ in_recomputed_periods('c.period') }}
),
keys as (
    -- K01, K02: persons in dibao_active by their row's region; rural / urban by the household's
    -- 保障类别 (the head's row): 农村低保 is rural, anything else urban, as the reference splits it.
    select period, region_code, 'dibao_persons' as measure, person_id as key from dibao
    union all
    select period, region_code, case when dibao_category = 'rural' then 'dibao_rural_persons'
                                     else 'dibao_urban_persons' end, person_id
    from dibao
    -- K01 households: with an active covered member, at the region of the head's row.
    union all
    select period, region_code, 'dibao_households', household_id
    from {{ ref('int_households__dibao') }}
    where has_active_covered_member and {{ in_recomputed_periods() }}
    -- K03, K04: tekun_active; centralized when one of the person's active rows there is.
    union all
    select period, region_code, 'tekun_persons', person_id from tekun
    union all
    select period, region_code, 'tekun_centralized', person_id from tekun where centralized
    union all
    select period, region_code, 'tekun_unable', person_id from tekun where unable
    union all
    select period, region_code, 'tekun_unable_centralized', person_id from tekun where unable and centralized
    -- K05: every row of the monitoring roster; covered anywhere in the city.
    union all
    select period, region_code, 'monitored_persons', person_id from monitoring
    union all
    select period, region_code, 'monitored_in_dibao', person_id from monitoring where in_dibao
    union all
    select period, region_code, 'monitored_in_tekun', person_id from monitoring where in_tekun
    union all
    -- covered(P) = dibao_active(P) ∪ tekun_active(P)
    select period, region_code, 'monitored_covered', person_id from monitoring where in_dibao or in_tekun
    -- K06: persons paid each subsidy in P (by the payment row's region); valid grade 1-2 card holders
    -- (by the card row's region) and those of them paid the nursing subsidy anywhere in the city.
    union all
    select period, region_code, subsidy_type || '_persons', person_id
    from {{ ref('stg_disability_federation__disability_subsidies') }}
    where {{ in_recomputed_periods() }}
    union all
    select period, region_code, 'severe_card_holders', person_id from severe
    union all
    select period, region_code, 'severe_card_holders_paid', person_id from severe where paid
    -- K08: early-warning findings of P by the finding's region; new ones in their first month.
    union all
    select period, region_code, 'warnings_open', warning_id
    from {{ ref('fct_findings') }}
    where kind = 'warning' and {{ in_recomputed_periods() }}
    union all
    select period, region_code, 'warnings_new', warning_id
    from {{ ref('fct_findings') }}
    where kind = 'warning' and consecutive_periods = 1 and {{ in_recomputed_periods() }}
)
select distinct period, region_code, measure, key
from keys
