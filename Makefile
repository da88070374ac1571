# Shiftcast: `make run` and `make test` are all a new machine needs (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out
# The benchmarks run in their own venv: pyworkforce 0.5.4 (compared against in bench/)
# needs Python >= 3.12, and through ortools it would downgrade protobuf under streamlit;
# the project's .venv keeps neither. BENCH_PYTHON: the first Python >= 3.12 found.
BENCH_VENV ?= .venv-bench
BENCH_PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 $(wildcard $(HOME)/.pyenv/versions/3.1[234]*/bin/python3); do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && echo $$p && break; done)

.PHONY: run test bench lab sample clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime dependencies and the package itself (editable), re-installed when the pins change.
$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Only what bench/ imports (numpy, scipy, pandas, mpmath at the pins of requirements*.txt)
# plus pyworkforce; bench/ puts the repository on sys.path itself.
$(BENCH_VENV)/.bench: requirements-bench.txt requirements.txt requirements-dev.txt
	@test -n "$(BENCH_PYTHON)" || { echo "make bench: pyworkforce 0.5.4 needs Python >= 3.12 and none was found; run make bench BENCH_PYTHON=/path/to/python3.12" >&2; exit 2; }
	$(BENCH_PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

PLAN := $(OUT)/plan
SAMPLE := data/sample_history.csv.gz data/shiftcast.toml data/agents.csv data/events.csv
CODE := $(wildcard core/*.py forecast/*.py staffing/*.py staffing/roster/*.py shiftcast/*.py shiftcast/cli/*.py)

# The sample plan (forecast, requirements, shifts, roster, report.html): redone when its inputs or the code change.
$(PLAN)/run.json: $(SAMPLE) $(CODE) | $(VENV)/.runtime
	$(BIN)/shiftcast plan --history data/sample_history.csv.gz --config data/shiftcast.toml \
		--agents data/agents.csv --events data/events.csv --out $(PLAN)

## run: plan the sample desk, then serve the dashboard on http://localhost:8501 (Ctrl-C stops it);
## it listens on this machine only unless asked: make run HOST=0.0.0.0 serves every network interface
# = not ?=: some shells export HOST (the machine's name); give it on the make command line
HOST = 127.0.0.1
EVERY_INTERFACE = $(filter 0.0.0.0 ::,$(HOST))
run: $(VENV)/.runtime $(PLAN)/run.json
	@echo "Dashboard: http://$(if $(EVERY_INTERFACE),localhost,$(HOST)):8501, listening $(if $(EVERY_INTERFACE),on every network interface: anyone who can reach this machine can open it,on $(HOST) only (make run HOST=0.0.0.0 serves every interface))  (plan and report: $(PLAN)/report.html)"
	SHIFTCAST_PLAN=$(PLAN) $(BIN)/python -m streamlit run dashboard.py --server.address $(HOST) --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false --server.fileWatcherType none

## test: lint (ruff), the layers (import-linter contracts in pyproject.toml), the whole test suite
test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

## bench: every benchmark in bench/, with the libraries we compare against (own venv, see BENCH_VENV);
## bench_plan.py times the whole `shiftcast plan` command and bench_review.py, bench_lead.py and bench_intraday.py read ../shared, so they run with the project's venv
bench: $(BENCH_VENV)/.bench $(VENV)/.runtime
	$(BENCH_VENV)/bin/python bench/bench_erlang.py
	$(BENCH_VENV)/bin/python bench/bench_simulate.py
	$(BENCH_VENV)/bin/python bench/bench_skills.py
	$(BENCH_VENV)/bin/python bench/bench_roster.py
	$(BENCH_VENV)/bin/python bench/bench_forecast.py
	$(BIN)/python bench/bench_plan.py
	$(BIN)/python bench/bench_review.py
	$(BIN)/python bench/bench_lead.py
	$(BIN)/python bench/bench_intraday.py

$(VENV)/.lab: $(VENV)/.dev requirements-lab.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-lab.txt
	touch $@

## lab: open the analyst notebooks in JupyterLab
lab: $(VENV)/.lab
	$(BIN)/jupyter lab notebooks/

## sample: regenerate the sample history in data/ (seeded, reproducible)
sample: $(VENV)/.runtime
	$(BIN)/python scripts/generate_sample.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(OUT) .pytest_cache .hypothesis
