"""Backtest of the early warnings on the demo's planted scenarios: the monthly alerts (`helpers.alerts`) and
the quarterly stage rules side by side, over every month of the demo period. Definitions of the measures:
`helpers.demo.backtest`. Prints a Korean table and writes bench/results/backtest.json.

    .venv/bin/python bench/backtest_alerts.py [DEMO_DIR]   (default: data/demo/nps, generated if missing)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from helpers import demo
from helpers.demo import backtest
from helpers.files import write_atomic
from helpers.panel import build_panel
from helpers.params import load_params, resolve_path
from helpers.stages import stage_history

RESULTS = Path(__file__).resolve().parent / "results"


def method_alerts(panel) -> dict:
    """Each method's alerts over the panel's months: the monthly alerts when `helpers.alerts` is there, and
    the quarterly rules."""
    out = {}
    try:
        from helpers.alerts import alerts_between
    except ImportError:
        print("월별 조기경보 모듈(helpers.alerts)이 아직 없어 분기 단계 규칙만 측정합니다.")
    else:
        out["alerts"] = alerts_between(panel, panel.months[0], panel.months[-1])
    out["rules"] = backtest.rule_alerts(stage_history(panel.indicators, panel.params_for))
    return out


def main(raw: str | None = None) -> dict:
    raw_dir = demo.ensure_demo_data(raw or resolve_path(None, "demo_dir"))
    truth = json.loads(demo.truth_path(raw_dir).read_text(encoding="utf-8"))["truth"]
    panel = build_panel(raw_dir)
    expect = backtest.expectations(panel.reference["area_id"], truth, load_params()["stages"])
    results = {name: backtest.method_metrics(alerts, expect, panel.months[0])
               for name, alerts in method_alerts(panel).items()}
    print(f"조기경보 백테스트 — 합성 자료 {raw_dir} ({panel.months[0]} ~ {panel.months[-1]}, {len(panel.months)}개월)")
    print("\n".join(backtest.report_lines(results, expect)))
    checks = backtest.target_checks(results)
    for c in checks:
        print(f"목표: {c['target']} — {'달성' if c['met'] else '미달' if c['met'] is not None else '판단 불가'} "
              f"({c['shown']})")
    out = {"data": str(raw_dir), "months": [panel.months[0], panel.months[-1]], "synthetic": panel.synthetic,
           "expectations": expect.to_dict("records"), "methods": results, "targets": checks,
           "definitions": backtest.__doc__}
    RESULTS.mkdir(exist_ok=True)
    write_atomic(RESULTS / "backtest.json", json.dumps(out, ensure_ascii=False, indent=1, default=str).encode("utf-8"))
    print(f"결과: {RESULTS / 'backtest.json'}")
    return out


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
