# Ademcoach: two commands set everything up.
#   make demo   create .venv, install, run a simulated session
#   make test   create .venv, install with dev tools, lint and test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
BENCHSTAMP := $(VENV)/.installed-bench

.PHONY: demo test lint bench install clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

$(BENCHSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(STAMP) $(DEVSTAMP) $@

demo: $(STAMP)
	$(BIN)/ademcoach run --sim calm

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

test: lint
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy GPIOZERO_PIN_FACTORY=mock $(BIN)/python -m pytest -n auto

bench: $(BENCHSTAMP)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy GPIOZERO_PIN_FACTORY=mock $(BIN)/python -m bench $(BENCH)

# On the Pi: sudo make install. Staged: make install DESTDIR=/tmp/root (files only).
install:
	DESTDIR="$(DESTDIR)" sh scripts/install-pi.sh

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
