"""Periods (calendar months, YYYY-MM) as Dagster partitions.

Dynamic, not a fixed monthly range: the periods are whatever months a dataset holds (a 2021 report city
and a 2026 demo city use the same definitions), added when a run or the sensor finds them on disk.
"""

import dagster as dg

PERIODS = dg.DynamicPartitionsDefinition(name="period")
