{#
  The county and township of a region code, as text SQL. A code of a village (or township) names both;
  a county code (12 digits ending in 000000: where a finding of a department that knows no villages is
  placed, extracts.md) names its county and no township.
#}
{% macro county_of(code) -%}
    (substr({{ code }}, 1, 6) || '000000')
{%- endmacro %}

{% macro township_of(code) -%}
    (case when substr({{ code }}, 7) <> '000000' then substr({{ code }}, 1, 9) || '000' end)
{%- endmacro %}
