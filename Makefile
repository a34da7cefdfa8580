# Two commands do everything: `make book` builds the book, `make test` runs every test.
# Both create the virtual environment in .venv first (once; again when requirements change).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test train bench clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(STAMP)
	$(BIN)/ruff check convae tests
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg

train: $(STAMP)
	$(BIN)/python -m convae train --out runs/autoencoder.pt
	$(BIN)/python -m convae evaluate runs/autoencoder.pt

bench: $(STAMP)
	$(BIN)/python -m convae bench

clean:
	rm -rf _build runs
