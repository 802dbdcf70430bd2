# Front door. `make run` and `make test` create .venv from pyproject.toml when it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lab bench demo ingest stages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name sme-monitor --display-name "SME 위기모니터링 (.venv)" >/dev/null
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m helpers run

test: $(STAMP)
	$(BIN)/python -m pytest -q

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_batch.py

demo: $(STAMP)
	$(BIN)/python -m helpers demo-data

ingest: $(STAMP)
	$(BIN)/python -m helpers ingest

stages: $(STAMP)
	$(BIN)/python -m helpers stages

clean:
	rm -rf data/cache outputs
