"""`safetynet bench` (`make bench`): the whole pipeline timed per stage, against the DuckDB floor.

One module per job:
- `datasets`: the cases (scales and the incremental case) and their generated datasets, made once in a
  work folder outside the repository and reused (generation is not timed);
- `measure`: a command run as a subprocess: wall time, RSS of its whole process tree sampled over time,
  medians;
- `probe`: `safetynet run`'s own code path (`pipelines.run.run_pipeline`) with a timer around the raw
  tables' contract checks, which run inside the ingestion steps;
- `stages`: per-stage time and peak memory, from the Dagster run's step events, the probe's check
  intervals and the RSS samples;
- `floor`: DuckDB alone loading the same raw files into tables in one process;
- `report`: the markdown section of docs/benchmarks.md and the chart;
- `harness`: runs the cases and writes the results.
"""
