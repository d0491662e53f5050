# Two commands on a fresh machine: `make run` (the app) and `make test` (the suite).
# Each creates .venv/ if missing, installs exactly the versions in requirements.lock (every
# file checked by its sha256), the project itself, and the model files (setup-time only:
# nothing is downloaded when the app runs). `make lock` refreshes the lock (see README).
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
MODELS  := models/.ready
LOCK    := requirements.lock
PYTHON  ?= python3
# The extras the lock covers: tests, the model fetch step, lint and the bundle build.
EXTRAS  := --extra test --extra models --extra lint --extra bundle

.PHONY: setup setup-models run demo test lint lock bench bundle screenshot clean-venv train

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(MODELS): $(STAMP) models/manifest.json models/fetch_models.py
	$(PY) models/fetch_models.py
	touch $(MODELS)

setup: $(STAMP) $(MODELS)

setup-models: $(STAMP)
	$(PY) models/fetch_models.py
	touch $(MODELS)

run: setup
	$(VENV)/bin/sanitize-gui

demo: setup
	$(VENV)/bin/sanitize demo demo

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

# Re-resolve requirements.lock from pyproject.toml against PyPI for Python 3.11 on every OS,
# keeping current pins where they still fit; `make lock UPGRADE=--upgrade` takes the newest.
lock: $(STAMP)
	$(PY) -m uv --version >/dev/null 2>&1 || $(PY) -m pip install -q 'uv>=0.4'
	$(PY) -m uv pip compile pyproject.toml $(EXTRAS) --universal --python-version 3.11 \
		--generate-hashes --no-config --index-url https://pypi.org/simple \
		--custom-compile-command "make lock" $(UPGRADE) -o $(LOCK)

bench: setup
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# One folder dist/PhiSanitizer/ for this OS (build on each target OS: no cross-compiling).
bundle: setup
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN build.spec
	@du -sh dist/PhiSanitizer
	@echo "check it offline: dist/PhiSanitizer/sanitize --self-test"

screenshot: setup
	$(PY) tools/screenshots.py

# Rebuild models/phi_objects.onnx from generated photos (needs ../shared/corpus for backgrounds;
# without it the backgrounds are procedural). About 4 min of data, then two legs of training
# counted in optimiser steps, so a rerun gives the same weights (the second leg goes on from the
# first's; about 45 and 35 min on a quiet 2-core machine). models/phi_objects.md says how the
# shipped file was trained. Then update its sha256 in models/manifest.json (printed at the end).
TRAIN_WORK ?= /tmp/phi_objects
train: $(STAMP)
	$(PY) -c 'import torch' 2>/dev/null || $(PY) -m pip install -q -e '.[train]'
	nice -n 10 $(PY) tools/train_objects.py --scenes 2400 --steps 37700 --work $(TRAIN_WORK) --out models/phi_objects.onnx
	nice -n 10 $(PY) tools/train_objects.py --scenes 2400 --steps 34225 --work $(TRAIN_WORK) \
		--init $(TRAIN_WORK)/weights.pt --out models/phi_objects.onnx

clean-venv:
	rm -rf $(VENV) $(MODELS)
