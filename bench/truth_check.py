"""Measure the analysis against the demo's known truth (not a timing): stages on the estimated numbers vs
the default rules on the true numbers, and payroll year-on-year vs the true wage bill.

    .venv/bin/python bench/truth_check.py [DEMO_DIR]   (default: data/demo/nps, generated if missing)
"""

from __future__ import annotations

import json
import sys

from helpers import demo
from helpers.panel import build_panel
from helpers.params import load_params, resolve_path
from helpers.stages import assign_stages


def main(raw: str | None = None) -> None:
    raw_dir = demo.ensure_demo_data(raw or resolve_path(None, "demo_dir"))
    truth = json.loads(demo.truth_path(raw_dir).read_text(encoding="utf-8"))["truth"]
    panel = build_panel(raw_dir)
    sp = load_params()["stages"]
    true_ind = demo.true_indicators(truth)
    quarters = sorted({q for q in panel.indicators["quarter"] if q in set(true_ind["quarter"])})[-4:]
    print(f"자료: {raw_dir} ({panel.months[0]} ~ {panel.months[-1]})")
    for q in quarters:
        t = demo.true_stages(truth, q, sp).set_index("area_id")
        if t["true_stage"].eq("판단유보").all():
            continue
        got = assign_stages(panel.indicators, q).set_index("area_id")
        j = t.join(got[["sido_code", "stage", "employees_yoy_pct", "payroll_yoy_pct"]])
        clear = j[j["clear"]]
        err = (j["payroll_yoy_pct"] - j["true_payroll_yoy_pct"]).abs()
        prov_t = true_ind[(true_ind["level"] == "province") & (true_ind["quarter"] == q)].set_index("unit_id")
        prov = panel.indicators[(panel.indicators["level"] == "province") & (panel.indicators["quarter"] == q)]
        perr = (prov.set_index("unit_id")["payroll_yoy_pct"] - prov_t["payroll_yoy_pct"]).abs()
        print(f"{q}: 명확한 지역 {len(clear)}/{len(j)}곳 중 단계 일치 {(clear['true_stage'] == clear['stage']).mean():.1%}, "
              f"종사자 최저 증감률 {j['employees_yoy_pct'].min():+.1f}%, 총급여 증감률 오차(지역) 중앙값 {err.median():.2f}%p "
              f"· 0.5%p 이내 {(err <= 0.5).mean():.0%} · 최대 {err.max():.2f}%p, (시도) 최대 {perr.max():.2f}%p, "
              f"자료 연계 이상 {len(panel.data_breaks)}건")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
