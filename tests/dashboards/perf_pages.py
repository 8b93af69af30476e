"""How fast the dashboards answer a click, in Debian's chromium (not a unit test):

    python -m tests.dashboards.perf_pages --data DIR --warehouse DIR [--repeat 5]

Serves the published snapshot of the warehouse, signs in as the city admin and as a county officer, and
times each interaction from the click until the script run it caused has ended (the page's numbers are
there): sign-in, every page, the coverage drill-down, the list filters, a household's detail, a
download (until the file arrives). The first pass of each user reads the warehouse (cold cache: the
cache is keyed by snapshot and user); later passes are served from the cache. Prints a markdown table:
first pass, then the median and the slowest of the later passes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

from pipelines.settings import Locations
from tests.dashboards import browser as b

USERS = {"city_admin": ("admin", "demo-admin"), "county_officer": ("officer_370902", "demo-370902")}
PAGES = ("总览", "覆盖分析", "预警名单", "核查名单", "数据质量", "标准与规则")


def one_pass(browser, url: str, user: tuple[str, str], role: str, into: Path) -> dict[str, float]:
    page = b.new_page(browser)
    times: dict[str, float] = {}
    try:
        page.goto(url)
        b.heading(page, "SafetyNet 兜底监测")
        page.get_by_label("用户名 user").fill(user[0])
        page.get_by_label("密码 password").fill(user[1])
        times["登录 → 总览"] = b.answered(page, lambda: page.get_by_role("button", name="登录 sign in").click())
        b.heading(page, "总览")
        for title in PAGES[1:] + PAGES[:1]:
            times[f"打开 {title}"] = b.answered(page, lambda title=title: b.nav_link(page, title).click())
            b.heading(page, title)
            if title == "覆盖分析" and role == "city_admin":
                times["覆盖分析: 下钻到县区"] = b.answered(
                    page, lambda: b.choose(page, "区域（下钻：全市 → 县区 → 乡镇街道）", nth=1)
                )
            if title == "预警名单":
                times["预警名单: 按等级筛选"] = b.answered(page, lambda: b.choose(page, "预警等级", "红"))
                page.reload()  # back to the whole list (a new session: sign in again)
                b.sign_in(page, url, *user, path="warnings")
                b.heading(page, "预警名单")
                times["预警名单: 家庭详情"] = b.answered(
                    page, lambda: b.choose(page, "选择预警编号（家庭编号）", nth=0)
                )
                with page.expect_download() as info:
                    start = page.evaluate("performance.now()")
                    page.get_by_role("button", name="下载 XLSX").click()
                info.value.save_as(into / "list.xlsx")
                times["预警名单: 下载 XLSX"] = (page.evaluate("performance.now()") - start) / 1000
    finally:
        page.context.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5, help="passes per user (the first is cold)")
    args = parser.parse_args()
    locations = Locations(args.data.resolve(), args.warehouse.resolve())
    results: dict[tuple[str, str], list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with b.serve(locations, tmp / "audit", tmp / "server.log") as url, b.chromium() as browser:
            for role, user in USERS.items():
                for _ in range(args.repeat):
                    for what, seconds in one_pass(browser, url, user, role, tmp).items():
                        results[(role, what)].append(seconds)
    print("| 用户 | 操作 | 首次 (冷缓存) s | 之后中位数 s | 之后最慢 s |")
    print("|---|---|---|---|---|")
    for (role, what), values in results.items():
        later = values[1:] or values
        print(f"| {role} | {what} | {values[0]:.2f} | {statistics.median(later):.2f} | {max(later):.2f} |")


if __name__ == "__main__":
    main()
