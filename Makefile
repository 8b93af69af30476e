# SafetyNet: two commands, `make demo` and `make test`. The environment lives in .venv/ (uv, locked).
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data
WAREHOUSE ?= warehouse

.PHONY: help env demo test test-fast lint format generate history run status serve dagster bench clean

help:
	@echo "make demo    generate the demo dataset (if data/raw is empty), run the pipeline, serve the dashboards"
	@echo "make test    create the environment and run the whole test suite"
	@echo "make lint    ruff: lint and format check (make format rewrites)"
	@echo "make dagster start the Dagster UI (dagster dev) on port 3000"
	@echo "make bench   time every stage against the DuckDB floor (demo, x1, x4, x16, x64, incremental): docs/benchmarks.md"

# uv itself comes from the registry into .tools/ when it is not on PATH.
.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

$(BIN)/safetynet: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

# The dbt manifest the Dagster definitions load (parsed again whenever the dbt project changes).
MANIFEST := dbt_project/target/manifest.json
$(MANIFEST): $(BIN)/safetynet $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml
	cd dbt_project && ../$(BIN)/dbt parse --quiet --project-dir . --profiles-dir .

env: $(BIN)/safetynet $(MANIFEST)

generate: env
	@if [ -z "$$(find $(DATA)/raw -mindepth 1 -not -name .gitkeep -print -quit 2>/dev/null)" ]; then \
		$(BIN)/safetynet generate --out $(DATA) --preset demo; \
	else echo "$(DATA)/raw already holds extracts: not generating"; fi

run: env
	$(BIN)/safetynet run --data $(DATA) --warehouse $(WAREHOUSE)

# The demo's disposition history (data/feedback/, written by generate) into an empty feedback store: a first
# publish at the history's time, then the officers' returned lists at theirs. Does nothing the second time.
history: env
	$(BIN)/safetynet feedback replay --data $(DATA) --warehouse $(WAREHOUSE)

status: env
	$(BIN)/safetynet status --data $(DATA) --warehouse $(WAREHOUSE)

serve: env
	$(BIN)/safetynet serve --data $(DATA) --warehouse $(WAREHOUSE)

# Ends by serving the dashboards on port 8501 (Ctrl-C stops them).
demo: generate history run status
	@echo ""
	@echo "Exports read the published snapshot in $(WAREHOUSE)/published/; the data contracts' report is"
	@echo "$(WAREHOUSE)/data_docs/index.html; 'make dagster' opens the Dagster UI (schedule, sensors, checks)."
	@echo "Dashboards on http://localhost:8501 (demo users in the README, 演示账号)."
	@$(MAKE) --no-print-directory serve

# The instance's dagster.yaml limits runs writing the warehouse to one at a time (pipelines/run.py).
dagster: env
	@$(BIN)/python -c "import sys; from pathlib import Path; from pipelines.run import dagster_instance; dagster_instance(Path(sys.argv[1]))" $(WAREHOUSE)
	SAFETYNET_DATA=$(abspath $(DATA)) SAFETYNET_WAREHOUSE=$(abspath $(WAREHOUSE)) \
		DAGSTER_HOME=$(abspath $(WAREHOUSE))/dagster_home $(BIN)/dagster dev -m pipelines.definitions

# The browser test drives Debian's chromium with Playwright (Playwright's own browser download is not
# reachable here); CJK fonts so the pages and screenshots show Chinese. Installed when missing (as root, or
# through sudo).
BROWSER_PACKAGES := chromium fonts-noto-cjk
browser:
	@if [ ! -x /usr/bin/chromium ] || [ -z "$$(ls /usr/share/fonts/opentype/noto/NotoSansCJK* 2>/dev/null)" ]; then \
		echo "installing $(BROWSER_PACKAGES) (Debian) for the browser test"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES); \
	fi

# Ruff (configured in pyproject.toml): lint and format check, a second or two; `make format` rewrites.
lint: $(BIN)/safetynet
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/safetynet
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pytest exits 5 when it collects no test; that is a failure of the suite, not a pass, so it is not masked.
# loadgroup: each module in one group, and the modules sharing a built warehouse together (tests/conftest.py).
test: lint env browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

test-fast: env
	$(BIN)/python -m pytest -q -m "not slow"

# Datasets go to /tmp/safetynet-bench (generated once, reused, not timed); rewrites the generated section of
# docs/benchmarks.md and docs/benchmarks.png. BENCH_ARGS passes options, e.g. BENCH_ARGS="--scales demo,x1".
bench: env
	$(BIN)/safetynet bench $(BENCH_ARGS)

clean:
	rm -rf $(WAREHOUSE) .pytest_cache
