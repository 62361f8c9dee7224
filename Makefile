# Two commands do all set-up on a fresh machine:
#   make run   - virtualenv, install, database, bundled questionnaires, serve on 127.0.0.1:5000
#   make test  - install what the tests need and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYBABEL := $(BIN)/pybabel
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po translations/*/LC_MESSAGES/staff.po)
COMPILED := $(CATALOGUES:.po=.mo)

AXE := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: run serve test lint office-deps zbar-deps install translations browser-deps pdf-deps bench bench-exports bench-aggregate bench-throughput bench-results bench-startup test-load extract-messages update-messages clean

# The venv's own pip is recent enough. --no-compile: Python compiles a module when it is first
# imported, not every module of every package at install time (a third of the install).
$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-compile -e ".[test,postgres]"
	touch $(STAMP)

install: $(STAMP)

# One pybabel per catalogue compiles every language of it (a process per file cost seconds).
$(COMPILED) &: $(CATALOGUES) $(STAMP)
	$(PYBABEL) compile --statistics -d translations -D messages
	$(PYBABEL) compile --statistics -d translations -D staff

translations: $(COMPILED)

run: install translations pdf-deps
	$(BIN)/survey init
	$(BIN)/survey load-sample
	$(BIN)/survey import-bundled
	@$(BIN)/survey create-first-admin
	@echo
	@$(BIN)/survey links --base-url http://127.0.0.1:5000
	@echo "Staff area: http://127.0.0.1:5000/staff/"
	@echo
	$(BIN)/survey run --host 127.0.0.1 --port 5000

# Production serving: gunicorn with gunicorn.conf.py (SURVEY_BIND, default 127.0.0.1:8000;
# SURVEY_WORKERS, SURVEY_THREADS). SQLite unless SURVEY_DATABASE_URL names PostgreSQL;
# see docs/deployment.md for the reverse proxy, TLS and backups. Questionnaires are not
# imported here (a production instance publishes only what its staff choose): survey import.
serve: install translations pdf-deps
	@test -n "$$SURVEY_PUBLIC_BASE_URL" || { echo "Set SURVEY_PUBLIC_BASE_URL to the address respondents use (e.g. https://umfrage.musterstadt.de, or http://127.0.0.1:8000 to try it locally): production answers only for that host."; exit 1; }
	$(BIN)/survey init
	@$(BIN)/survey create-first-admin
	exec $(BIN)/gunicorn -c gunicorn.conf.py

# Two workers (pytest-xdist), each taking whole test files: one Chromium and one live server for
# the respondent's browser tests. PYTEST_ARGS="-n 0" runs everything in one process.
test: install translations browser-deps pdf-deps office-deps zbar-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# ruff with the rule set in pyproject.toml, and mypy over the package (both must be clean).
LINTED := survey bench tests translations
lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/mypy

# Real-browser tests (tests/browser) use Debian's Chromium through Playwright and axe-core from
# the npm registry. Installed here when missing; without them those tests are skipped locally.
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/axe-core/axe.min.js; \
	else echo "npm not found: the accessibility tests need axe-core (apt-get install npm)"; fi

# The production-shape test also needs Debian's nginx (deploy/nginx.conf in front of gunicorn).
BROWSER_PACKAGES := chromium fonts-noto-core nginx-light
browser-deps: $(AXE)
	@if ! command -v chromium >/dev/null 2>&1 || ! [ -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	  else echo "Browser tests need Debian's chromium and nginx: sudo apt-get install $(BROWSER_PACKAGES)"; fi; fi

# The proof that our CSV files stay data opens them in LibreOffice (tests/test_spreadsheets_keep_data.py).
office-deps:
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libreoffice-calc-nogui >/dev/null; \
	  else echo "The spreadsheet tests need LibreOffice: sudo apt-get install libreoffice-calc-nogui"; fi; }

# The proof that the flyer's QR code scans (tests/web/test_flyer_scans.py) reads it with a real
# decoder, Debian's zbarimg, from the PDF flyer rasterised by pdftoppm (poppler-utils).
ZBAR_PACKAGES := zbar-tools poppler-utils
zbar-deps:
	@if ! command -v zbarimg >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(ZBAR_PACKAGES) >/dev/null; \
	  else echo "The QR code tests need zbarimg and pdftoppm: sudo apt-get install $(ZBAR_PACKAGES)"; fi; fi

# The council report as PDF (WeasyPrint) needs Pango from the system; installed here when missing
# (as root), otherwise only a hint: everything else, the HTML report included, works without it.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
pdf-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 || ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset.so.0; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(PDF_LIBS) >/dev/null; \
	  else echo "The council report as PDF needs Pango: sudo apt-get install $(PDF_LIBS)"; fi; fi

bench: install translations
	$(BIN)/python bench/page_weight.py

# Wall time and peak memory of every export format at 100,000 and 1,000,000 synthetic responses
# (about 15 minutes on two cores); writes the "## Exports" section of docs/performance.md.
bench-exports: install
	$(BIN)/python bench/export_bench.py --sizes 100000,1000000

# Aggregate vs. plain pandas at 100,000 responses (add SIZES="100000 1000000" for a million).
SIZES ?= 100000
bench-aggregate: install
	$(BIN)/python bench/aggregate_bench.py --sizes $(SIZES)

# Server time of the results page (first view with nothing cached, after a restart, again), one
# chart and the council report at 10,000 and 100,000 synthetic responses (the 100,000 database
# takes a few minutes to build once; kept in $TMPDIR), and of a save in the web editor; PostgreSQL
# too when SURVEY_BENCH_DATABASE_URL or SURVEY_TEST_DATABASE_URL names one. Writes the
# "## Results page and editor" section of docs/performance.md.
bench-results: install translations
	$(BIN)/python bench/results_bench.py

# Requests/s and p50/p99 of a bare Flask route, a respondent page view and a page submission
# under gunicorn at 50 and 200 connections, with Debian's wrk (installed here when missing);
# PostgreSQL too when SURVEY_BENCH_DATABASE_URL or SURVEY_TEST_DATABASE_URL names one. Writes the
# "## Throughput" section of docs/performance.md.
bench-throughput: install translations
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else echo "The throughput benchmark needs Debian's wrk: sudo apt-get install wrk"; exit 1; fi; }
	$(BIN)/python bench/throughput.py

# Seconds from starting gunicorn to the first answered page, default workers and 2 x cores + 1;
# writes the "## Start-up" section of docs/performance.md.
bench-startup: install translations
	$(BIN)/python bench/startup.py

# The load and fault tests at full size (200 concurrent respondents; CI runs 40), on SQLite and,
# with SURVEY_TEST_DATABASE_URL, on PostgreSQL (docs/reliability.md).
test-load: install translations
	SURVEY_FULL_LOAD=1 $(BIN)/python -m pytest -m load tests/load/test_load.py

# Translators' workflow (see README): extract the strings, merge them into every catalogue.
extract-messages: install
	$(PYBABEL) extract -F translations/babel.cfg -k lazy_gettext --no-location --sort-output \
	  --project kim-survey --copyright-holder "KIM survey contributors" -o translations/messages.pot .
	$(PYBABEL) extract -F translations/babel-staff.cfg -k lazy_gettext -k staff_text --no-location --sort-output \
	  --project kim-survey --copyright-holder "KIM survey contributors" -o translations/staff.pot .

update-messages: extract-messages
	$(PYBABEL) update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	for locale in de en; do $(PYBABEL) update -D staff -i translations/staff.pot -d translations -l $$locale --no-fuzzy-matching --ignore-obsolete; done
	$(BIN)/python translations/fill_source_catalogue.py
	$(BIN)/python translations/plural_forms.py

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo
