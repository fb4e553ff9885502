# TradeCredit: `make run` sets up everything and shows the demo portfolio; `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck contracts chromium bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)
install-dev: $(DEVSTAMP)

run: $(STAMP)
	$(BIN)/tradecredit init
	$(BIN)/tradecredit demo --if-empty
	$(BIN)/tradecredit assess --all --unassessed
	$(BIN)/tradecredit monitor
	$(BIN)/tradecredit report summary
	$(BIN)/tradecredit users ensure-admin
	$(BIN)/tradecredit serve --host 127.0.0.1 --port 8000

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(DEVSTAMP)
	$(BIN)/mypy

contracts: $(DEVSTAMP)
	$(BIN)/lint-imports

# Browser tests drive Debian's Chromium; install it when it is missing (root on CI and dev machines).
# A CJK font too, so the Chinese pages render in screenshots.
chromium:
	@{ command -v /usr/bin/chromium >/dev/null && fc-list 2>/dev/null | grep -qi wqy; } || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei \
	   >/dev/null) || echo "warning: could not install chromium; browser tests will be skipped"; }

test: lint typecheck contracts chromium
	$(BIN)/pytest -q

bench: $(DEVSTAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
