# make run  - set up (virtualenv, dependencies, database, demo data) and serve on :$(PORT)
# make test - set up the same way and run the whole test suite
# make constraints - re-pin requirements/constraints.txt from the virtualenv
# make deb  - build the Debian package (../smarty_<version>_<arch>.deb; docs/operations.md)
# make deb-test - build it and install, upgrade, remove and purge it in a throwaway root
# Environment: see README.md ("Configuration"). SMARTY_DATABASE_URL=mysql://... or
# postgres://... installs the matching optional driver.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: run test setup venv deps migrate demo lint bench clean constraints deb deb-test

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	touch $@

REQUIREMENTS := requirements/base.txt requirements/dev.txt requirements/postgres.txt requirements/mysql.txt
CONSTRAINTS := -c requirements/constraints.txt

$(VENV)/.deps: $(VENV)/.created requirements/base.txt requirements/dev.txt requirements/constraints.txt
	$(PIP) install --quiet -r requirements/dev.txt $(CONSTRAINTS)
	touch $@

venv: $(VENV)/.created

deps: $(VENV)/.deps
	@case "$$SMARTY_DATABASE_URL" in \
	  mysql*|mariadb*) $(PIP) install --quiet -r requirements/mysql.txt $(CONSTRAINTS) ;; \
	  postgres*|pgsql*) $(PIP) install --quiet -r requirements/postgres.txt $(CONSTRAINTS) ;; \
	esac

migrate: deps
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(PY) manage.py load_demo

setup: demo

run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

test: deps
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

bench: deps
	$(MAKE) -C bench all

# Re-pin requirements/constraints.txt (direct and transitive) from the installed virtualenv.
constraints: deps
	$(PY) requirements/constraints.py $(REQUIREMENTS) > requirements/constraints.txt

clean:
	rm -rf $(VENV) var

# Debian's packaging tools and the package's build dependencies, when missing.
DEB_BUILD_DEPS := debhelper python3-dev python3-venv libmariadb-dev pkg-config gcc
# Downloaded wheels are kept between builds under SMARTY_DEB_CACHE (debhelper gives the build
# a HOME of its own, so pip's usual cache would start empty every time).
SMARTY_DEB_CACHE ?= /var/cache/smarty-deb-test
deb:
	@dpkg-checkbuilddeps >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_BUILD_DEPS) >/dev/null)
	mkdir -p $(SMARTY_DEB_CACHE)/pip
	PIP_CACHE_DIR=$(SMARTY_DEB_CACHE)/pip dpkg-buildpackage -us -uc -b

deb-test: deb
	SMARTY_DEB_CACHE=$(SMARTY_DEB_CACHE) .ci/deb-test
