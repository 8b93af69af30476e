"""Ingestion of the departmental extracts into DuckDB (schema ``raw``).

Public API:
- ``discover.discover(dataset) -> Discovery`` — files under ``raw/<source>/<YYYY-MM>/`` assigned to tables
  (``.files``, ``.unassigned``, ``.periods`` per source, ``.for_table(table, period)``).
- ``read.read_file(path, table=None) -> Sheet`` — one extract (xlsx, xls, CSV or an HTML table, by content;
  a CSV's delimiter by the table's headers) as strings plus per-cell kind tags; raises ``read.Unreadable``
  (``read.Encrypted`` for a workbook with a password), whose message is the cause for the file's report.
- ``normalise.validate_person_ids(ids, tags=None, period_end=None) -> (normalised, reason)`` — the
  vectorised person-id check; ``normalise.*_stage`` — the other vectorised parsers.
- ``validate.process_file(found, dataset, ctx) -> FileResult`` — header, footers, row validation.
- ``load.ensure_schema(con)``, ``load.ingest_table_period(con, dataset, table, period, run_id) ->
  IngestResult``, ``load.run_table_period(...)`` (the same without a database),
  ``load.period_status(con, dataset) -> list[PeriodStatus]``.

Privacy: nothing in this package puts an ID number or a name in an exception, a log line or returned
metadata — only counts, codes, file paths and row numbers.
"""
