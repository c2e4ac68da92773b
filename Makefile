# make run   set up .venv when needed, validate and summarise the shipped data, then serve it
# make test  the same set-up, then the whole test suite

PYTHON ?= python3
VENV   := .venv
# Touched after each install: pip runs again only when pyproject.toml is newer.
STAMP  := $(VENV)/.installed

.PHONY: run test

PORT ?= 8000

run: $(STAMP)
	$(VENV)/bin/going-local summary
	$(VENV)/bin/going-local serve --host 127.0.0.1 --port $(PORT)

test: $(STAMP)
	$(VENV)/bin/python -m pytest

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install -e '.[test]'
	touch $(STAMP)
