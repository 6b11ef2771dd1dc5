# Every target creates .venv from the lock file when it is missing, so a fresh
# machine needs only Python 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced

# Test workers (pytest-xdist), each with its own embedded PostgreSQL: one per core of the 2-core machines
# this project runs on (README "Testing"); `make test PYTEST_WORKERS=4` where there are more.
PYTEST_WORKERS ?= 2

.PHONY: demo test test-fast lint format ui install clean-demo browser

demo: $(STAMP)
	$(BIN)/momentum demo

# What CI runs (.ci/run): lint, format check and the whole suite (the dashboard's browser test needs `browser`).
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# The fast tier: everything but the end-to-end tests (marker `slow`, tests/conftest.py).
test-fast: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

ui: $(STAMP)
	$(BIN)/momentum ui

install: $(STAMP)

# Debian's Chromium and its driver, for the dashboard's end-to-end test (tests/integration/test_dashboard_in_browser.py):
# the system's packages, never a browser downloaded by a test tool. sudo only when not root.
SUDO := $(shell test "$$(id -u)" -eq 0 || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)

# uv itself is pinned in the lock file's dev group, so `uv sync` keeps it (and a venv made by uv has it).
$(STAMP): pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m ensurepip --upgrade >/dev/null
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv sync --frozen --python $(BIN)/python
	touch $(STAMP)

# Removes the embedded warehouse, MLflow store and Dagster history of the demo.
clean-demo:
	rm -rf .momentum
