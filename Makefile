# Two commands on a fresh clone:
#   make lab   - set up .venv and open the tutorial notebooks in JupyterLab
#   make test  - set up .venv and run every test (pytest, the docs build, the browser tests)
#   make docs  - build the documentation site into docs/_build/html (warnings are errors)
#   make bench - benchmarks (tables printed and written to benchmarks/RESULTS.md)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EXTRAS ?= torch,keras,lightning,jax,transformers,notebooks,follow,landscape,optuna,ray,test,docs
# the development pins (torch==2.13.0, ...): constraints, not package metadata
PIP_INSTALL = python -m pip install --quiet -c constraints.txt
# Keras' TensorFlow backend is tested from a second venv (TensorFlow beside torch and JAX would fight over numpy)
TF_VENV ?= .venv-tf
TENSORFLOW ?= tensorflow-cpu==2.21.0
# JupyterLab refuses to start as root unless told
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test test-browser docs bench bench-browser venv clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/$(PIP_INSTALL) -e ".[$(EXTRAS)]"
	touch $@

venv: $(VENV)/.installed

$(TF_VENV)/.installed: pyproject.toml constraints.txt
	test -x $(TF_VENV)/bin/python || $(PYTHON) -m venv $(TF_VENV)
	$(TF_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TF_VENV)/bin/$(PIP_INSTALL) "$(TENSORFLOW)" -e ".[keras]" pytest pandas
	touch $@

lab: $(VENV)/.installed
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/

# Browser tests (tests/browser/, Playwright + Galata, Debian's chromium; never a browser download)
node_modules/.installed: package.json package-lock.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The documentation site: MyST pages whose code cells run, the tutorials executed in fast mode, the API
# from the docstrings. Warnings are errors, so a broken page or snippet fails the build (and make test).
docs: $(VENV)/.installed
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

# pytest, the docs, then the browser tests (they open the built docs) even when one failed (CI shows all);
# fails if any failed
test: $(VENV)/.installed $(TF_VENV)/.installed node_modules/.installed
	LOSSPLOT_TF_PYTHON=$(TF_VENV)/bin/python $(BIN)/python -m pytest; py=$$?; \
	  $(MAKE) --no-print-directory docs; doc=$$?; VENV=$(VENV) npx playwright test; js=$$?; \
	  echo "make test: pytest exit $$py, docs exit $$doc, browser tests exit $$js"; \
	  test $$py -eq 0 -a $$doc -eq 0 -a $$js -eq 0

test-browser: docs node_modules/.installed
	VENV=$(VENV) npx playwright test

# Benchmarks print tables (not timed tests); livelossplot & co. come from the "bench" extra
bench: $(VENV)/.installed
	$(BIN)/$(PIP_INSTALL) -e ".[bench]"
	MPLBACKEND=Agg $(BIN)/python benchmarks/run_all.py
	$(BIN)/python benchmarks/bench_store.py  # the run store: RESULTS_store.md
	$(BIN)/python benchmarks/bench_sweeps.py  # 50 and 300 trials, the run table, the Ray Tune callback

# Browser-side benchmarks (Chromium; JupyterLab, Notebook 7, Voila; ~6 min): write benchmarks/RESULTS_browser.md
# and benchmarks/RESULTS_browser_controls.md
bench-browser: $(VENV)/.installed node_modules/.installed
	LOSSPLOT_BENCH=1 VENV=$(VENV) npx playwright test --project bench

clean:
	rm -rf $(VENV) $(TF_VENV) build dist .pytest_cache node_modules test-results tests/browser/artifacts \
	  docs/_build docs/tutorials
