{# The tables of the input contract (pipelines/contract/tables.py). #}
{% macro contract_tables() -%}
    {{ return(['dibao', 'tekun', 'temporary_assistance', 'near_dibao', 'monitoring',
               'disability_cards', 'disability_subsidies']) }}
{%- endmacro %}
