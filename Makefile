# Two commands on a fresh machine: `make run` (the app) and `make test` (the suite).
# Each creates .venv/ if missing, installs the project with its test extras and the
# model files (setup-time only: nothing is downloaded when the app runs).
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
MODELS  := models/.ready
PYTHON  ?= python3

.PHONY: setup setup-models run demo test bench bundle screenshot clean-venv train

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
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

bench: setup
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# One folder dist/PhiSanitizer/ for this OS (build on each target OS: no cross-compiling).
bundle: setup
	$(PY) -c 'import PyInstaller' 2>/dev/null || $(PY) -m pip install -q 'pyinstaller>=6.6'
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN build.spec
	@du -sh dist/PhiSanitizer
	@echo "check it offline: dist/PhiSanitizer/sanitize --self-test"

screenshot: setup
	$(PY) tools/screenshots.py

# Rebuild models/phi_objects.onnx from generated photos (needs ../shared/corpus for backgrounds;
# without it the backgrounds are procedural). About 15 min of data and 30 min of training on the
# shared 2-core machine (measured at a load of 15-35).
# Then update its sha256 in models/manifest.json (printed at the end).
train: $(STAMP)
	$(PY) -c 'import torch' 2>/dev/null || $(PY) -m pip install -q -e '.[train]'
	nice -n 10 $(PY) tools/train_objects.py --out models/phi_objects.onnx

clean-venv:
	rm -rf $(VENV) $(MODELS)
