"""How good is the quarter's nowcast (`helpers.nowcast`) on the demo data: for every quarter with a year-earlier
base, the nowcast one and two months in against what the quarter turned out to be (the rules on its three
months): the stage agreeing, the final stage inside the nowcast's stage range, the realised employee and
payroll changes inside their bands (nominal `nowcast.band_pct`), the mean absolute error of the changes.

    .venv/bin/python bench/backtest_nowcast.py [DEMO_DIR]   (default: data/demo/nps, generated if missing)
"""

from __future__ import annotations

import sys

import pandas as pd

from helpers import demo
from helpers.nowcast import nowcast
from helpers.panel import build_panel
from helpers.params import resolve_path
from helpers.periods import quarter_months, quarter_of, shift_quarter


def quarter_rows(panel, quarter: str) -> list[dict]:
    months = quarter_months(quarter)
    final = nowcast(panel, months[2]).set_index("area_id")
    scale = panel.params_for(None)["stages"]["scale"]
    rank = {s: i for i, s in enumerate(scale)}
    rows = []
    for k in (1, 2):
        n = nowcast(panel, months[k - 1]).set_index("area_id")
        ok = (n["stage"].isin(scale)) & final["stage"].isin(scale)
        f, g = final[ok], n[ok]
        banded = g["employees_yoy_lo_pct"].notna()

        def held(name, f=f, g=g, banded=banded):
            inside = (f[f"{name}_yoy_pct"] >= g[f"{name}_yoy_lo_pct"] - 1e-9) & (f[f"{name}_yoy_pct"] <= g[f"{name}_yoy_hi_pct"] + 1e-9)
            return float(inside[banded].mean()) if banded.any() else float("nan")

        fr = f["stage"].map(rank)
        rows.append({
            "quarter": quarter, "months_known": k, "areas": int(ok.sum()), "banded": int(banded.sum()),
            "stage_agrees": float((g["stage"] == f["stage"]).mean()),
            "final_in_range": float(((fr >= g["stage_low"].map(rank)) & (fr <= g["stage_high"].map(rank))).mean()),
            "employees_in_band": held("employees"), "payroll_in_band": held("payroll"),
            "employees_mae_pp": float((f["employees_yoy_pct"] - g["employees_yoy_pct"]).abs().mean()),
            "payroll_mae_pp": float((f["payroll_yoy_pct"] - g["payroll_yoy_pct"]).abs().mean()),
            # flagged one or two months in, where last quarter's rule said the mildest stage: the head start
            "early_flags": int(((g["stage"].map(rank) >= 1) & (g["prev_stage"] == scale[0]) & (fr >= 1)).sum()),
            "false_early_flags": int(((g["stage"].map(rank) >= 1) & (fr < 1)).sum()),
        })
    return rows


def main(raw: str | None = None) -> pd.DataFrame:
    raw_dir = demo.ensure_demo_data(raw or resolve_path(None, "demo_dir"))
    panel = build_panel(raw_dir, synthetic=True)
    first = shift_quarter(quarter_of(panel.months[0]), 4)
    quarters = sorted({quarter_of(m) for m in panel.months if quarter_of(m) >= first
                       and quarter_months(quarter_of(m))[2] in panel.months})
    table = pd.DataFrame([r for q in quarters for r in quarter_rows(panel, q)])
    print(table.round(3).to_string(index=False))
    print("\n전체 (1·2개월 자료):")
    print(table.groupby("months_known")[["stage_agrees", "final_in_range", "employees_in_band", "payroll_in_band",
                                         "employees_mae_pp", "payroll_mae_pp"]].mean().round(3).to_string())
    print(table.groupby("months_known")[["early_flags", "false_early_flags"]].sum().to_string())
    return table


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
