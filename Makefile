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

.PHONY: run test install translations browser-deps bench extract-messages update-messages clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,postgres]"
	touch $(STAMP)

install: $(STAMP)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(PYBABEL) compile --statistics -i $< -o $@

translations/%/LC_MESSAGES/staff.mo: translations/%/LC_MESSAGES/staff.po $(STAMP)
	$(PYBABEL) compile --statistics -i $< -o $@

translations: $(COMPILED)

run: install translations
	$(BIN)/survey init
	$(BIN)/survey import-bundled
	@$(BIN)/survey create-first-admin
	@echo
	@$(BIN)/survey links --base-url http://127.0.0.1:5000
	@echo "Staff area: http://127.0.0.1:5000/staff/"
	@echo
	$(BIN)/survey run --host 127.0.0.1 --port 5000

test: install translations browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Real-browser tests (tests/browser) use Debian's Chromium through Playwright and axe-core from
# the npm registry. Installed here when missing; without them those tests are skipped locally.
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/axe-core/axe.min.js; \
	else echo "npm not found: the accessibility tests need axe-core (apt-get install npm)"; fi

browser-deps: $(AXE)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium fonts-noto-core"; fi; }

bench: install translations
	$(BIN)/python bench/page_weight.py

# Translators' workflow (see README): extract the strings, merge them into every catalogue.
extract-messages: install
	$(PYBABEL) extract -F translations/babel.cfg -k lazy_gettext --no-location --sort-output \
	  --project kim-survey --copyright-holder "KIM survey contributors" -o translations/messages.pot .
	$(PYBABEL) extract -F translations/babel-staff.cfg -k lazy_gettext -k N_ --no-location --sort-output \
	  --project kim-survey --copyright-holder "KIM survey contributors" -o translations/staff.pot .

update-messages: extract-messages
	$(PYBABEL) update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	for locale in de en; do $(PYBABEL) update -D staff -i translations/staff.pot -d translations -l $$locale --no-fuzzy-matching --ignore-obsolete; done
	$(BIN)/python translations/fill_source_catalogue.py

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo
