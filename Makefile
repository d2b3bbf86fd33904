# mesodesk — the two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest bench lock clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

# `make run PORT=8001` serves another port (SITE_URL follows it unless set).
run: $(STAMP)
	PORT="$(PORT)" ./scripts/run-dev.sh

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	SECRET_KEY=typecheck $(BIN)/mypy .

pytest: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Refresh the exact versions installed by `make run`/`make test` within pyproject's ranges.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^pip==' > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
