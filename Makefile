# Anlian: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run test lint bench audit translations translations-update clean

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) score close --all --missing
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed translations
	bash tests/setup_system.sh
	$(BIN)/bandit -q -c pyproject.toml -r anlian models scoring app.py
	$(BIN)/python tests/audit_dependencies.py
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed translations
	$(BIN)/python -m benchmarks.run

# Reinstall only when the pinned dependencies change.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations 2>&1 | grep -v "^compiling catalog" || true

# (developers) refresh the catalogue after changing user-facing text
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location \
		--sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --width 100

# Needs PyPI's vulnerability API, which offline machines cannot reach (see docs/security.md).
audit: $(VENV)/.installed
	$(BIN)/bandit -q -c pyproject.toml -r anlian models scoring app.py
	$(BIN)/python tests/audit_dependencies.py --force

clean:
	rm -rf $(VENV) instance/anlian.db*
