# dutyguard: `make run` validates and renders the example organisation; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
NOW    ?=

.PHONY: run test bench bench-lsp lint fuzz clean venv docs lock node-deps browser

# Every install comes from requirements.txt (exact versions, sha256 hashes, Python 3.11-3.13):
# the lock decides versions, not the day. `make lock` resolves uv.lock from pyproject.toml's ranges
# and exports it to requirements.txt, which plain pip installs.
$(STAMP): pyproject.toml requirements.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m compileall -q validator
	touch $(STAMP)

$(TSTAMP): $(STAMP)
	touch $(TSTAMP)

lock:
	uv lock
	{ sed -n '1,/^[a-z]/{/^#/p}' requirements.txt; uv export --frozen --all-extras --no-emit-project \
	  --format requirements-txt --no-header; } > requirements.new && mv requirements.new requirements.txt

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m validator validate --format text
	$(PY) -m validator render pagerduty --out build/pagerduty
	$(PY) -m validator render pagerduty --out build/pagerduty-terraform --format terraform
	$(PY) -m validator render iam --out build/iam
	$(PY) -m validator render iam --out build/iam-terraform --format terraform
	$(PY) -m validator render codeowners --out build/CODEOWNERS
	$(PY) -m validator render site --out build/site
	$(PY) -m validator render backstage --out build/backstage
	$(PY) -m validator render incidentio --out build/incidentio
	@echo "rendered into build/"

# The site's browser tests drive Debian's chromium (never a downloaded one): installed here with apt where the
# machine is Debian and lacks it; elsewhere set DUTYGUARD_CHROMIUM to a Chromium or Chrome (see docs/site.md).
CHROMIUM ?= $(or $(DUTYGUARD_CHROMIUM),/usr/bin/chromium)
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif grep -qs '^ID=debian' /etc/os-release && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium for the site's browser tests"; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$sudo apt-get update -qq && $$sudo apt-get install -y chromium; \
	else echo "note: no browser at $(CHROMIUM): the site's browser tests are skipped (they fail when CI=true)"; fi

# pytest's exit 5 ("no tests collected") is not a failure of a sub-run
# the Backstage test runs @backstage/catalog-model's own validators with Node.js (tests/node; locked versions)
node-deps:
	@if command -v npm >/dev/null 2>&1 && [ ! -d tests/node/node_modules ]; then \
		cd tests/node && npm ci --no-audit --no-fund --loglevel=error; fi

test: $(TSTAMP) node-deps browser
	$(PY) -m pytest -n 2 tests || [ $$? -eq 5 ]

docs: $(STAMP)
	$(PY) -m validator.rules.docs > docs/rules.md

# validate (clean and dirty organisations), then the language server's didChange -> diagnostics
bench: $(TSTAMP)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/lsp_bench.py

# the language server: didChange -> publishDiagnostics at scale 1, against a bare parse
bench-lsp: $(TSTAMP)
	$(PY) benchmarks/lsp_bench.py

fuzz: $(TSTAMP)
	DUTYGUARD_FUZZ=long $(PY) -m pytest -n 2 tests -k "fuzz or agree"

lint: $(TSTAMP)
	$(VENV)/bin/ruff check validator tests benchmarks
	$(VENV)/bin/pip-audit --skip-editable --progress-spinner off

clean:
	rm -rf build .dutyguard-cache .pytest_cache
