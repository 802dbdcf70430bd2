# Front door. `make run` and `make test` create .venv from pyproject.toml when it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test system-deps lab bench backtest bulletin demo ingest stages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name sme-monitor --display-name "SME 위기모니터링 (.venv)" >/dev/null
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m helpers run

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

# The browser checks need Debian's Chromium and the Nanum fonts. Installed here when missing and we may
# (root, or sudo without a password); otherwise stop before testing with a one-line instruction.
system-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi nanum; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	else echo "브라우저 시험에 Chromium 과 나눔 글꼴이 필요합니다. 관리자 권한으로 설치하세요: sudo apt-get install -y chromium fonts-nanum" >&2; exit 2; fi; \
	echo "Chromium·나눔 글꼴을 설치합니다 (apt-get)…" >&2; \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-nanum >/dev/null

# JupyterLab on notebooks/ with the .venv kernel ("SME 위기모니터링 (.venv)") and the widget extension
# from PyPI (jupyterlab_widgets). Nothing is fetched at run time: no news feed (and no question about
# it), no update check, no PyPI extension manager; a notebook's kernel starts without asking.
# Extra options: `make lab LAB_ARGS="--no-browser --port 8890"`.
lab: $(STAMP)
	test -f $(VENV)/share/jupyter/kernels/sme-monitor/kernel.json || $(BIN)/python -m ipykernel install --sys-prefix --name sme-monitor --display-name "SME 위기모니터링 (.venv)" >/dev/null
	mkdir -p $(VENV)/etc/jupyter/labconfig
	echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}, "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": true}}' > $(VENV)/etc/jupyter/labconfig/default_setting_overrides.json
	$(BIN)/jupyter lab $$([ "$$(id -u)" -eq 0 ] && echo --allow-root) --ServerApp.root_dir=notebooks --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate --LabApp.extension_manager=readonly $(LAB_ARGS)

# bench_national: cold ingest, full batch, unchanged rerun and peak memory on the national-scale set (generated
# into data/demo/national on first use), against the targets; bench/results/national.json.
bench: $(STAMP)
	$(BIN)/python bench/bench_national.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_batch.py
	$(BIN)/python bench/bench_charts.py
	$(BIN)/python bench/truth_check.py
	$(BIN)/python bench/backtest_alerts.py
	$(BIN)/python bench/backtest_nowcast.py

# The early warnings measured on the demo's planted scenarios: the monthly alerts and the quarterly stage
# rules side by side (precision, recall, false alarms, lead time); bench/results/backtest.json.
backtest: $(STAMP)
	$(BIN)/python bench/backtest_alerts.py
	$(BIN)/python bench/backtest_nowcast.py

# The monthly bulletin of every province for the latest month (outputs/bulletins/<YYYY-MM>/).
bulletin: $(STAMP)
	$(BIN)/python -m helpers bulletin

demo: $(STAMP)
	$(BIN)/python -m helpers demo-data

ingest: $(STAMP)
	$(BIN)/python -m helpers ingest

stages: $(STAMP)
	$(BIN)/python -m helpers stages

clean:
	rm -rf data/cache outputs
