{#
  Generic test: no two rows share the same values of `columns` (a composite key).
    data_tests:
      - unique_combination: {arguments: {columns: [period, region_code, indicator_id]}}
  Fails with one row per duplicated combination (the key columns and how often it occurs).
#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
