# `make run` and `make test` need only Python 3.11+ and make: everything else goes into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check fuzz install migrate clean

run: $(STAMP)
	$(BIN)/techniekpact run

test: check
	$(BIN)/pytest

# The linter and the type checker, with the rule sets of pyproject.toml; `make test` runs them first.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The long schemathesis run whose figures the README reports (make test runs a short one).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=100 $(BIN)/pytest -q tests/test_fuzz.py -s

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/techniekpact migrate

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .data .pytest_cache
