# Two commands: `make run` serves the app (with the bundled sandbox when no Cronofy
# credentials are configured), `make test` runs the whole suite. Both set up what they need.
# `make run PORT=5050` moves the app to 5050 and the sandbox to 5051 and 5052.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run reset test test-fast test-dates bench lint typecheck format sandbox screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	APP_CONFIG=development $(BIN)/flask --app wsgi db upgrade
	APP_CONFIG=development $(BIN)/python run.py

# Forget everything `make run` kept in instance/: the database, the sandbox's accounts and
# tokens, the generated keys. The next `make run` starts from nothing.
reset:
	@if [ -d instance ]; then \
	  echo "Removing instance/: the local database, the sandbox's accounts and tokens, and the generated keys:"; \
	  ls -A instance | sed 's/^/  instance\//'; \
	  rm -rf instance; \
	else echo "Nothing to remove: instance/ does not exist."; fi

# axe-core, which the browser tests load into each page. Without npm they skip (CI fails them).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: the browser tests will skip"; fi

test: $(VENV)/.dev node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Between edits: SQLite only, no browser, few hypothesis examples (make test runs everything).
test-fast: $(VENV)/.dev
	HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest -q -k "not postgresql" \
	  --ignore=tests/browser $(PYTEST_ARGS)

# Every test that reads the clock, at each awkward instant in tests/clock.py, in a process
# time zone that is not UTC (SQLite; the browser keeps its own clock).
test-dates: $(VENV)/.dev
	TZ=America/St_Johns $(BIN)/python -m pytest -q -m clock --at awkward -k "not postgresql" \
	  --ignore=tests/browser $(PYTEST_ARGS)

# The dashboard on its local copy against the old design (every view calling Cronofy), in one
# run: Cronofy requests, latency, throughput, rate limits, an outage, connecting; then push
# notifications against push off (scripts/bench_push.py). About eleven minutes; writes
# docs/benchmarks.md. BENCH_ARGS="--quick" tries the script out.
bench: $(VENV)/.dev
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# Regenerate docs/screenshots/*.png by driving Chromium through the app and the sandbox.
screenshots: $(VENV)/.dev
	$(BIN)/python scripts/screenshots.py

sandbox: $(VENV)/.runtime
	$(BIN)/python -m sandbox

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy --strict over app/, sandbox/ and the entry points; the settings are in pyproject.toml.
typecheck: $(VENV)/.dev
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
