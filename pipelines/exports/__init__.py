"""Exports: the lists and tables as officials receive them (product.md, "Exports").

`export_list(kind, locations_or_path, period, fmt, out, county=None, unmasked=False, user=None) -> rows`
is the one entry point of the command line (`safetynet export`) and the dashboards.
"""

from pipelines.exports.export import (
    FORMATS,
    ExportedList,
    ExportError,
    export_list,
    read_list,
    warehouse_path,
    write_list,
)
from pipelines.exports.labels import EXPORT_KINDS, HEADERS, KPI_NAMES
from pipelines.exports.masking import mask_id, mask_id_expr, mask_name, mask_name_expr, scrub_ids

__all__ = [
    "EXPORT_KINDS",
    "FORMATS",
    "HEADERS",
    "KPI_NAMES",
    "ExportError",
    "ExportedList",
    "export_list",
    "mask_id",
    "mask_id_expr",
    "mask_name",
    "mask_name_expr",
    "read_list",
    "scrub_ids",
    "warehouse_path",
    "write_list",
]
