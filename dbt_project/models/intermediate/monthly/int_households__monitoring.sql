-- Monitored households per period: subject (head), household columns from the subject's row.
{{ households('stg_rural_revitalisation__monitoring',
              ['monitoring_type', 'risk_cause', 'identified_date', 'risk_eliminated', 'eliminated_date',
               'annual_income_per_capita']) }}
