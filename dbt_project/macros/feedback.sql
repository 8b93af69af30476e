{#
  The feedback store's copy (schema feedback) is written by the pipeline before dbt runs
  (pipelines/assets/feedback.py). dbt run by hand on a warehouse that never had one gets empty tables and
  a clock of now (UTC), so the case models build: no case is disposed, none is issued before this run.
#}
{% macro ensure_feedback_tables() -%}
    create schema if not exists feedback;
    create table if not exists feedback.publications (id bigint, snapshot varchar, published_at timestamp, latest_period varchar);
    create table if not exists feedback.case_issues (case_id varchar, warning_id varchar, first_period varchar, rule_id varchar, kind varchar, issued_at timestamp, publication_id bigint);
    create table if not exists feedback.dispositions (id bigint, case_id varchar, recorded_at timestamp, recorded_by varchar, checked_on date, outcome varchar, note varchar, import_id bigint);
    create table if not exists feedback.clock as select (now() at time zone 'UTC')::timestamp as as_of;
{%- endmacro %}
