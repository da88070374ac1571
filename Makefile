# Shiftcast: `make run` and `make test` are all a new machine needs (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: run test bench sample clean

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

$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

## run: staff the sample forecast (data/) and write $(OUT)/staff
run: $(VENV)/.runtime
	$(BIN)/shiftcast staff --forecast data/sample_forecast.csv.gz --config data/shiftcast.toml --out $(OUT)/staff

## test: the whole test suite
test: $(VENV)/.dev
	$(BIN)/python -m pytest

## bench: the benchmarks in bench/, with the libraries we compare against
bench: $(VENV)/.bench
	$(BIN)/python bench/bench_erlang.py
	$(BIN)/python bench/bench_roster.py

## sample: regenerate the sample history in data/ (seeded, reproducible)
sample: $(VENV)/.runtime
	$(BIN)/python scripts/generate_sample.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
