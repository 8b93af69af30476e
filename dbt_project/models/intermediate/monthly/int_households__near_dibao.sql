-- Near-dibao register households per period: subject (head), household columns from the subject's row.
{{ households('stg_civil_affairs__near_dibao',
              ['family_type', 'monthly_income_per_capita', 'recognition_date']) }}
