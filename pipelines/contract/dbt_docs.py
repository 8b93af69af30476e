"""The documentation of the staging models, written from the input contract.

`python -m pipelines.contract.dbt_docs` rewrites dbt_project/models/staging/_staging.yml; a test checks
that the file is current, so a column added to the contract is documented in dbt in the same change.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipelines.contract.tables import BOOL, COUNTY_CODE, ENUM, LINEAGE_COLUMNS, REGION_CODE, TABLES, Column, Table

STAGING_YML = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging" / "_staging.yml"

KIND_TEXT = {
    "region_code": "12-digit village code (统计用区划代码) of the regions seed",
    "county_code": "12-digit code of a county of the regions seed (read from 6 digits or 12 ending in 000000)",
    "china_region_code": "12-digit region code anywhere in China (not looked up in the regions seed)",
    "text": "text",
    "person_id": "18-character national ID (GB 11643), normalised",
    "card_no": "20 characters: the holder's ID, the disability type digit and the grade digit",
    "integer": "whole number ≥ 1",
    "money": "yuan, DECIMAL(14,2)",
    "date": "date",
    "month": "month, YYYY-MM",
    "region_name": "place name as written in the extract (trimmed)",
}
LINEAGE_TEXT = {
    "period": "统计期: the month of the extract folder, YYYY-MM",
    "source_file": "the file the row came from, relative to the dataset (raw/...)",
    "source_row": "row number as Excel or a text editor shows it",
    "loaded_at": "when ingestion loaded the row (UTC)",
}
DERIVED_TEXT = {
    ("disability_cards", "person_id"): "the holder's person_id: first 18 characters of the card number",
    ("monitoring", "region_code"): "village matched from the county, township and village names",
}
ADDED = {
    "county_code": "county of the row: the first 6 digits of region_code, zero-padded to 12",
    "township_code": "township of the row: the first 9 digits of region_code, zero-padded to 12",
    "source_ref": "the source row as `raw/...:row`, the evidence a finding cites",
}
# A table whose rows carry a county code only (no village): placed at the county.
ADDED_COUNTY_CODED = {
    **ADDED,
    "county_code": "county of the row: region_code itself (this department does not know villages)",
    "township_code": "empty: the row is placed at its county",
}


def _describe(column: Column, table: Table) -> str:
    if column.kind in (ENUM, BOOL):
        values = ", ".join(f"{label} → {value}" for label, value in column.values.items())
        kind = f"one of: {values}"
    else:
        kind = KIND_TEXT[column.kind]
    optional = "; may be empty" if not column.required else ""
    if column.required_when is not None:
        name, value = column.required_when
        other = table.column(name)
        label = next(k for k, v in other.values.items() if v == value)
        optional = f"; required only when {other.header} = {label}, else may be empty"
    household = "; a household column (repeated on every member row)" if column.household else ""
    return f"{column.header}: {kind}{optional}{household}"


def _column(name: str, description: str) -> list[str]:
    return [f"      - name: {name}", f'        description: "{description}"']


def _checks(model: str, not_null: list[str], accepted: dict[str, list[str]], regions: list[str]) -> list[str]:
    """The model's one column_checks test (dbt_project/macros/tests/column_checks.sql)."""
    lines = [
        "    data_tests:",
        "      - column_checks:",
        f"          name: column_checks_{model}",
        "          arguments:",
        f"            not_null: [{', '.join(not_null)}]",
    ]
    if accepted:
        lines.append("            accepted_values:")
        lines += [f"              {name}: [{', '.join(repr(v) for v in values)}]" for name, values in accepted.items()]
    if regions:
        lines.append("            references:")
        lines += [f"              - {{column: {name}, to: ref('dim_region'), field: region_code}}" for name in regions]
    return lines


def _model(table: Table) -> list[str]:
    placed = (
        "the county of the row (a county code: no township)"
        if table.county_coded
        else "the county and township of the row"
    )
    model = f"stg_{table.source}__{table.name}"
    not_null = [c.name for c in table.columns if c.required]
    not_null += [name for (table_name, name) in DERIVED_TEXT if table_name == table.name]
    not_null += [name for name in LINEAGE_COLUMNS if name != "loaded_at"]
    accepted = {c.name: list(c.values.values()) for c in table.columns if c.kind == ENUM}
    regions = [c.name for c in table.columns if c.kind in (REGION_CODE, COUNTY_CODE)]
    lines = [
        f"  - name: {model}",
        f'    description: "{table.title} ({table.source}): typed rows as ingestion loaded them, one per '
        f'row of a file that passed, with {placed} and a reference to it."',
        *_checks(model, not_null, accepted, regions),
        "    columns:",
    ]
    for column in table.columns:
        lines += _column(column.name, _describe(column, table))
    for (table_name, name), text in DERIVED_TEXT.items():
        if table_name == table.name:
            lines += _column(name, text)
    for name in LINEAGE_COLUMNS:
        lines += _column(name, LINEAGE_TEXT[name])
    for name, text in (ADDED_COUNTY_CODED if table.county_coded else ADDED).items():
        lines += _column(name, text)
    return lines


def render() -> str:
    lines = [
        "# Written by `python -m pipelines.contract.dbt_docs` from pipelines/contract/tables.py: edit the contract,",
        "# not this file.",
        "version: 2",
        "",
        "models:",
    ]
    for table in TABLES.values():
        lines += _model(table)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    STAGING_YML.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {STAGING_YML}\n")
