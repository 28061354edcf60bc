# The two commands for a new user: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint bench loadtest demo db-up db-down clean screenshots

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP)
	@bash scripts/system-deps.sh runtime

run: install
	@$(BIN)/tracker db up
	@$(BIN)/tracker db migrate
	@$(BIN)/tracker demo --if-empty
	@$(BIN)/tracker user bootstrap
	@$(BIN)/tracker serve

test: $(STAMP)
	@bash scripts/system-deps.sh test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	@$(BIN)/python -m benchmarks.run $(ONLY)

# N real Streamlit sessions (websocket) against the demo county for a bounded time: p50/p95/max, RSS
loadtest: install
	@$(BIN)/python -m benchmarks.loadtest --sessions $(or $(SESSIONS),20) --seconds $(or $(SECONDS),60)

demo: install
	@$(BIN)/tracker db up && $(BIN)/tracker db migrate && $(BIN)/tracker demo --replace

# README pictures from the demo county in a throwaway database (needs Chromium, as make test does)
screenshots: install
	@bash scripts/system-deps.sh test
	$(BIN)/python -m scripts.screenshots

db-up: install
	@$(BIN)/tracker db up

db-down: install
	@$(BIN)/tracker db down

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
