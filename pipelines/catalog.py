"""What a DuckDB warehouse file holds: the one place that asks whether a table or schema exists.

Readers (status, exports, the dashboards) use it on read-only connections, where creating a missing
table is not an option. `fetchall`, not `fetchone`: with duckdb 2.0 a result left unfinished blocks the
next statement on the connection.
"""

from __future__ import annotations

import duckdb


def has_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """Whether `schema.table` exists."""
    schema, table = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def has_schema(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    """Whether the schema holds any table (e.g. main_marts: the warehouse was built)."""
    return bool(
        con.execute("select count(*) from information_schema.tables where table_schema = ?", [schema]).fetchall()[0][0]
    )
