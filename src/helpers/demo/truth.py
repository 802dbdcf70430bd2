"""The truth sidecar: what was planted and the true numbers, next to a generated folder (never inside it).

`<out>.truth.json` (`truth_path`) holds the run's arguments, the quirks of every file (rows, duplicates,
undecodable rows and bytes), the scenarios, and under `truth` the true monthly workplaces `W`, employees `E`
and wage bill `P` (`P_capped`: wages capped at the 기준소득월액 상한) of every area and province.
`true_indicators` and `true_stages` turn those into what the analysis should find.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.periods import quarter_of, shift_quarter

if TYPE_CHECKING:
    from helpers.demo.world import World


def truth_path(out_dir: str | os.PathLike) -> Path:
    """Sidecar with the planted truths of a generated folder (next to it, not inside it)."""
    out_dir = Path(out_dir).resolve()
    return out_dir.with_name(out_dir.name + ".truth.json")


def write_sidecar(out_dir: str | os.PathLike, sidecar: dict) -> Path:
    """Write `sidecar` to `truth_path(out_dir)` (through a temporary file, readable by all)."""
    tp = truth_path(out_dir)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=tp.parent, delete=False, suffix=".tmp") as f:
        json.dump(sidecar, f, ensure_ascii=False, indent=1)
    os.chmod(f.name, 0o644)
    os.replace(f.name, tp)
    return tp


def truth_series(world: World, tallies: list[dict[str, np.ndarray]]) -> dict:
    """Monthly true W, E and wage bill per area and per province (today's provinces), from `World.tally` of
    every month, for the sidecar."""
    groups = world.groups
    keys = ("W", "E", "P", "P_capped")
    units: dict[str, dict] = {}
    for a, aid in enumerate(world.ref["area_id"]):
        units[aid] = {"level": "area", "sido_code": groups.sido[a],
                      **{k: [round(float(x[k][a])) for x in tallies] for k in keys}}
    for sido in groups.sidos:
        of_sido = np.flatnonzero(groups.sido == sido)
        units[sido] = {"level": "province", "sido_code": sido,
                       **{k: [round(float(x[k][of_sido].sum())) for x in tallies] for k in keys}}
    return {"months": world.months, "units": units}


def true_indicators(truth: dict) -> pd.DataFrame:
    """Quarterly indicators from the demo's *true* numbers (`truth_path(...)`['truth']), shaped like the
    analysis' indicator rows: W and E are quarter means, P the quarter's true wage bill, changes and the
    gap against the province as in domain.md §5. For checking the analysis against what it estimates."""
    months = truth["months"]
    rows = []
    for uid, u in truth["units"].items():
        df = pd.DataFrame({"month": months, "W": u["W"], "E": u["E"], "P": u["P"], "Pc": u["P_capped"]})
        df["quarter"] = df["month"].map(quarter_of)
        q = df.groupby("quarter").agg(n=("month", "size"), workplaces=("W", "mean"), employees=("E", "mean"),
                                      payroll_krw=("P", "sum"), payroll_capped_krw=("Pc", "sum"))
        q = q[q["n"] == 3]
        for quarter, r in q.iterrows():
            rows.append({"level": u["level"], "unit_id": uid, "sido_code": u["sido_code"], "quarter": quarter,
                         "workplaces": r.workplaces, "employees": r.employees, "payroll_krw": r.payroll_krw,
                         "payroll_capped_krw": r.payroll_capped_krw})
    out = pd.DataFrame(rows)
    cols = ["workplaces", "employees", "payroll_krw", "payroll_capped_krw"]
    base = out.assign(quarter=out["quarter"].map(lambda s: shift_quarter(s, 4)))
    out = out.merge(base[["unit_id", "quarter", *cols]], on=["unit_id", "quarter"], how="left", suffixes=("", "_prev"))
    for col in cols:
        out[f"{col.removesuffix('_krw')}_yoy_pct"] = 100 * (out[col] / out[f"{col}_prev"].where(out[f"{col}_prev"] > 0) - 1)
    prov = out[out["level"] == "province"].set_index(["sido_code", "quarter"])["employees_yoy_pct"]
    out["employees_gap_pp"] = out["employees_yoy_pct"] - pd.Series(
        list(zip(out["sido_code"], out["quarter"]))).map(prov.to_dict()).to_numpy(dtype=float)
    out["workplaces_base"], out["employees_base"] = out["workplaces_prev"], out["employees_prev"]
    out["complete"] = True
    out["base_complete"] = out["workplaces_prev"].notna()
    return out.drop(columns=[f"{c}_prev" for c in cols])


def true_stages(truth: dict, quarter: str, stage_params: dict, margin_pp: float = 1.0) -> pd.DataFrame:
    """The stage the rules give on the *true* numbers of every area in `quarter`, and whether the call is
    clear: the same stage with every threshold moved by ±`margin_pp` (an area sitting on a threshold can
    fairly fall either side of it, since payroll is estimated under a cap)."""
    from helpers.stages import propose_stage  # stages follows demo in the module order: imported when called

    ind = true_indicators(truth)
    rows = ind[(ind["level"] == "area") & (ind["quarter"] == quarter)]

    def shifted(d: float) -> dict:
        sp = copy.deepcopy(stage_params)
        for rule in sp.get("rules", []):
            for cond in rule.get("any", []):
                for k in ("threshold_pct", "growth_pct", "gap_pp"):
                    if k in cond:
                        cond[k] = float(cond[k]) + d
        return sp

    out = []
    for r in rows.to_dict("records"):
        stage = propose_stage(r, stage_params)[0]
        others = {propose_stage(r, shifted(d))[0] for d in (-margin_pp, margin_pp)}
        out.append({"area_id": r["unit_id"], "true_stage": stage, "clear": others == {stage},
                    "true_payroll_yoy_pct": r["payroll_yoy_pct"],
                    "true_capped_payroll_yoy_pct": r["payroll_capped_yoy_pct"],
                    "true_employees_yoy_pct": r["employees_yoy_pct"]})
    return pd.DataFrame(out)
