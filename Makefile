# certify: `make run` serves the app, `make test` runs the whole suite. Both start from a fresh
# clone with only Python 3.11 and pip: they create .venv and install what they need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test lint check bench bench-adaptive bench-load bench-faults bench-analysis install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamps re-run the install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The web server and one task worker (expiry sweep, email, grade passback), stopped together.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_bank
	@echo "certify is serving at http://$(HOST):$(PORT)/ (with one task worker)"
	$(BIN)/python manage.py run_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/uvicorn certify.asgi:application --host $(HOST) --port $(PORT) --no-access-log

test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy
	@echo "radon: functions above grade B (none is the goal; ruff's C901 enforces it)"
	$(BIN)/radon cc --min C --show-complexity certify questions lessons integrations bench

check: lint test

# The streaming benchmark: certify beside a bare ASGI peer running the same demo, each one uvicorn
# worker pinned to a core (bench/streaming.py). Prints its figures, writes .bench/streaming.json
# (and .md). About ten minutes; STREAM_ARGS for a smaller run, e.g. "--rounds 1 --levels 10,20".
bench: install-dev
	$(BIN)/python -m bench.streaming $(STREAM_ARGS)

# The adaptive engine: every policy on the same simulated learners (BENCH_ARGS, e.g.
# "--learners 500 --seeds 5"), then what saving an answer in adaptive practice costs.
bench-adaptive: install-dev
	$(BIN)/python manage.py simulate_adaptive $(BENCH_ARGS)
	$(BIN)/pytest -m bench -s tests/bench/test_adaptive_answer.py

# Load: Locust against its own PostgreSQL cluster and redis-server (initdb and redis-server
# from Debian's packages), 2 and 4 uvicorn workers, 50 and 200 learners (BENCH_ARGS, e.g.
# "--workers 2 --learners 50 --duration 60"). Prints a table, writes .bench/load.json.
bench-load: install-dev
	$(BIN)/python -m pip install --quiet ".[dev,bench]"
	$(BIN)/python -m bench.load $(BENCH_ARGS)

# Faults mid-exam on a throwaway stack (never the machine's shared servers): PostgreSQL
# restarted, Redis stopped, a web worker killed, 5 MB bodies, the task worker stopped for 10
# minutes (BENCH_ARGS="--worker-stop 60" for a shorter stop). Writes .bench/faults.json.
bench-faults: install-dev
	$(BIN)/python -m bench.faults $(BENCH_ARGS)

# The item analysis at 100,000 answers: a fresh database (SQLite under .bench/ unless
# BENCH_DATABASE_URL names another, e.g. an empty PostgreSQL database), the bank, 2,000 simulated
# learners on 50-item exam forms with a planted miskey, then the report timed (best and median).
BENCH_DATABASE_URL ?= sqlite:///$(CURDIR)/.bench/analysis.sqlite3
bench-analysis: install-dev
	mkdir -p .bench && rm -f .bench/analysis.sqlite3
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py load_bank -v0 > /dev/null
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py simulate_cohort --learners 2000 --seed 1
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py item_report --repeat 5

clean:
	rm -rf $(VENV) staticfiles build *.egg-info
