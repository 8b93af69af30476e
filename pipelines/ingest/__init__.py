"""Ingestion of the departmental extracts into DuckDB (schema ``raw``).

Public API:
- :func:`pipelines.ingest.discover.discover` — files of a dataset, assigned to tables and periods.
- :func:`pipelines.ingest.read.read_file` — one extract as strings plus per-cell kind tags.
- :func:`pipelines.ingest.validate.validate_person_ids` — vectorised person-id check.
- :func:`pipelines.ingest.load.ensure_schema`, :func:`pipelines.ingest.load.ingest_table_period`,
  :func:`pipelines.ingest.load.period_status`.

Privacy: nothing in this package puts an ID number or a name in an exception, a log line or returned
metadata — only counts, codes, file paths and row numbers.
"""
