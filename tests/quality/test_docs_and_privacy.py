"""Data Docs are written beside the warehouse, keep a bounded history, and never hold a person's data."""

from __future__ import annotations

import dataclasses
import json
import re

from pipelines.contract import TABLES
from pipelines.quality import MART_CHECKS, CheckSettings, check_mart, check_raw, data_docs_index
from pipelines.quality.gx import context
from tests.quality.conftest import periods_of


def test_the_data_docs_index_links_every_suite(taian, taian_outcomes):
    index = data_docs_index(taian)
    assert index == taian.warehouse / "data_docs" / "index.html"
    assert index.exists()
    html = index.read_text(encoding="utf-8")
    _, raw, _ = taian_outcomes
    for table in TABLES:
        if not raw[table][0].metadata["periods"]:  # a table the city has never sent: nothing to check
            assert f"validations/raw/{table}/" not in html, table
            continue
        assert f"expectations/raw/{table}/contract.html" in html, table
        assert f"validations/raw/{table}/contract/" in html, table
    assert sum(bool(raw[t][0].metadata["periods"]) for t in TABLES) >= 7
    for mart, checks in MART_CHECKS.items():
        for name in checks:
            assert f"expectations/{mart}/{name}.html" in html
    assert (taian.warehouse / "gx" / "great_expectations.yml").exists()


def test_only_the_newest_results_of_a_suite_are_kept(taian, copy_of):
    locations, con = copy_of(taian)
    settings = CheckSettings(results_kept=2)
    for _ in range(4):
        check_mart(con, locations, "fct_findings", settings)
    store = context(locations.warehouse).validation_results_store
    kept = [k for k in store.list_keys() if k.expectation_suite_identifier.name == "fct_findings.contract"]
    assert len(kept) == 2
    pages = list((locations.warehouse / "data_docs" / "validations" / "fct_findings" / "contract").rglob("*.html"))
    assert len(pages) == 2
    results = list((locations.warehouse / "gx" / "uncommitted" / "validations" / "fct_findings").rglob("*.json"))
    assert len(results) == 2


def test_no_id_number_or_name_in_outcomes_stores_docs_or_output(taian, copy_of, capfd, caplog):
    """Breaches make Great Expectations report unexpected rows: the worst case for a leak."""
    locations, con = copy_of(taian, "privacy")
    periods = periods_of(con)
    last = periods[-1]
    con.execute("update raw.dibao set status = 'unknown' where period = ?", [last])
    con.execute("update raw.tekun set person_id = null, name = null where period = ? and rowid % 3 = 0", [last])
    con.execute(
        "delete from raw.monitoring where period = ? and region_code like ?",
        [last, con.execute("select substr(min(region_code), 1, 6) || '%' from raw.monitoring").fetchone()[0]],
    )
    con.execute("update main_marts.fct_kpis set value = value + 1 where level = 'city'")
    con.execute("insert into main_marts.fct_findings select * from main_marts.fct_findings limit 3")
    outcomes = [o for t in TABLES for o in check_raw(con, locations, t, periods)]
    outcomes += [o for m in MART_CHECKS for o in check_mart(con, locations, m)]
    assert sum(not o.passed for o in outcomes) >= 5

    ids, names = set(), set()
    for table in TABLES:
        cols = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
                [table],
            ).fetchall()
        }
        for col in ("person_id", "disability_card_no"):
            if col in cols:
                ids |= {
                    r[0]
                    for r in con.execute(f"select distinct {col} from raw.{table} where {col} is not null").fetchall()
                }
        names |= {r[0] for r in con.execute(f"select distinct name from raw.{table} where name is not null").fetchall()}
    assert len(ids) > 1000 and len(names) > 500

    texts = [json.dumps([dataclasses.asdict(o) for o in outcomes], ensure_ascii=False)]
    captured = capfd.readouterr()
    texts += [captured.out, captured.err, caplog.text]
    scanned = 0
    for warehouse in (locations.warehouse, taian.warehouse):
        for folder in ("gx", "data_docs"):
            for path in (warehouse / folder).rglob("*"):
                if path.is_file() and path.suffix in (".json", ".html", ".yml", ".yaml", ".txt", ""):
                    texts.append(path.read_text(encoding="utf-8", errors="replace"))
                    scanned += 1
    assert scanned > 50
    leaks = sum(_leaks(text, ids, names) for text in texts)
    assert leaks == 0  # a count only: never print a value


def _leaks(text: str, ids: set[str], names: set[str]) -> int:
    """How many ID numbers (any 18 characters of a run of digits and X) and names (any 2-4 characters of a
    run of Chinese characters) of the dataset the text holds."""
    count = 0
    for run in re.findall(r"[0-9Xx]{15,}", text):
        count += sum(run[i : i + n] in ids for n in (18, 20) for i in range(len(run) - n + 1))
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", text):
        count += sum(run[i : i + n] in names for n in (2, 3, 4) for i in range(len(run) - n + 1))
    return count


def test_the_leak_scan_finds_what_it_looks_for():
    ids, names = {"37090219800101123X"}, {"欧阳明", "张三"}
    assert _leaks("<td>37090219800101123X01</td>", ids, names) == 1  # inside a card number
    assert _leaks("姓名：欧阳明，张三", ids, names) == 2
    assert _leaks("370902198001011234 李四 370902000000", ids, names) == 0
