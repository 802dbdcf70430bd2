"""Crisis stages (위기단계) with reasons, the council decisions beside them, stage history, and the `stages.csv`
table (the decisions file itself is read by `helpers.decisions`).

Rules come from `params/default.yaml` (`stages:`), overridable per province. They are evaluated from
the most severe stage down; the first stage with a satisfied condition is proposed, the mildest stage
of the scale otherwise. No call (판단유보) is made when the base year is too small, a month of q or
q−4 is missing, or a data break (`indicators.detect_data_breaks`) touches q or q−4 — a collapse that
comes from the data must never read as 심각.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import pandas as pd

from helpers.errors import UserError
from helpers.fields import rule_label
from helpers.files import neutralise_formulas
from helpers.fmt import fmt_pct, fmt_pp, fmt_threshold
from helpers.panel import DECISION_COLUMNS, Panel
from helpers.params import load_config
from helpers.periods import shift_quarter

STAGES_CSV_COLUMNS = [
    "quarter", "sido_code", "area_id", "area_name", "area_type", "workplaces", "employees", "payroll_krw",
    "workplaces_yoy_pct", "employees_yoy_pct", "payroll_yoy_pct", "employees_gap_pp", "stage", "reasons",
    "prev_stage", "decided_quarter", "decided_stage", "decided_date", "decided_note",
]



def _evaluate(cond: dict, row: dict) -> tuple[bool, list[str]]:
    """Evaluate one rule condition on one area-quarter row; return (met, reason fragments)."""
    if cond["kind"] == "count_at_or_below":
        thr = float(cond["threshold_pct"])
        hits = []
        for ind in cond["indicators"]:
            g = row.get(f"{ind}_yoy_pct")
            if g is not None and not math.isnan(g) and g <= thr:
                hits.append(f"{rule_label(ind)} 전년동기 대비 {fmt_pct(g)} (기준 {fmt_threshold(thr)})")
        need = int(cond.get("min_count", 1))
        if len(hits) >= need:
            if need > 1:
                hits[0] = f"{need}개 이상 지표 {fmt_threshold(thr)} 이하: " + hits[0]
            return True, hits
        return False, []
    # decline_and_gap
    g, gap = row.get("employees_yoy_pct"), row.get("employees_gap_pp")
    if g is None or gap is None or math.isnan(g) or math.isnan(gap):
        return False, []
    thr, gthr = float(cond["growth_pct"]), float(cond["gap_pp"])
    ok_g = g < thr if cond.get("strict") else g <= thr
    if ok_g and gap <= gthr:
        cmp = "미만" if cond.get("strict") else "이하"
        return True, [(f"종사자수 전년동기 대비 {fmt_pct(g)} (기준 {fmt_threshold(thr)} {cmp}), "
                      f"시도 대비 격차 {fmt_pp(gap)} (기준 {fmt_threshold(gthr, '%p')})")]
    return False, []


def propose_stage(row: dict, stage_params: dict) -> tuple[str, str]:
    """The proposed stage of one area-quarter and its reasons in Korean (with numbers and thresholds)."""
    no_call = stage_params.get("no_call", "판단유보")
    mins = stage_params.get("minimum", {})
    why = []
    brk = row.get("data_break")
    if isinstance(brk, str) and brk:  # a collapse from the data is never a crisis
        why.append(brk)
    if not row.get("complete", False):
        why.append("해당 분기 자료에 빠진 달이 있음")
    if not row.get("base_complete", False):
        why.append("전년 동기 분기 자료에 빠진 달이 있음")
    wb, eb = row.get("workplaces_base"), row.get("employees_base")
    if wb is None or (isinstance(wb, float) and math.isnan(wb)) or wb < mins.get("workplaces", 0):
        why.append(f"전년 동기 사업장수 {0 if wb is None or math.isnan(wb) else wb:,.1f}개 "
                   f"(최소 {mins.get('workplaces', 0)}개)")
    if eb is None or (isinstance(eb, float) and math.isnan(eb)) or eb < mins.get("employees", 0):
        why.append(f"전년 동기 종사자수 {0 if eb is None or math.isnan(eb) else eb:,.1f}명 "
                   f"(최소 {mins.get('employees', 0)}명)")
    if why:
        return no_call, "판단유보: " + "; ".join(why)
    for rule in stage_params.get("rules", []):
        for cond in rule.get("any", []):
            met, frags = _evaluate(cond, row)
            if met:
                return rule["stage"], "; ".join(frags)
    mild = stage_params["scale"][0]
    return mild, (f"기준 미충족 — 사업장수 {fmt_pct(row.get('workplaces_yoy_pct'))}, "
                  f"종사자수 {fmt_pct(row.get('employees_yoy_pct'))}, "
                  f"총급여 {fmt_pct(row.get('payroll_yoy_pct'))}, "
                  f"시도 대비 격차 {fmt_pp(row.get('employees_gap_pp'))}")


def _params_for(params_for: Callable[[str], dict] | None, sido: str) -> dict:
    """The province's parameters; without `params_for` (interactive use, tests) the workspace's."""
    return (params_for or load_config().params_for)(sido)


def flagged(stages: pd.DataFrame) -> pd.Series:
    """The one "flagged" predicate: proposed at the second step of the scale or worse (주의/심각 on the
    default scale; 판단유보 has rank −1 and is never flagged). A boolean Series aligned with `stages`."""
    return stages["stage_rank"] >= 1


def stage_history(indicators: pd.DataFrame, params_for: Callable[[str], dict] | None = None) -> pd.DataFrame:
    """Proposed stage and reasons for every area and every quarter in the indicators."""
    areas = indicators[indicators["level"] == "area"]
    stages, reasons, ranks = [], [], []
    cache: dict[str, dict] = {}
    for row in areas.to_dict("records"):
        sp = cache.setdefault(row["sido_code"], _params_for(params_for, row["sido_code"])["stages"])
        st, why = propose_stage(row, sp)
        stages.append(st)
        reasons.append(why)
        ranks.append(sp["scale"].index(st) if st in sp["scale"] else -1)
    out = areas.copy()
    out["area_id"] = out["unit_id"]
    out["area_name"] = out["unit_name"]
    out["stage"] = stages
    out["reasons"] = reasons
    out["stage_rank"] = ranks
    return out.reset_index(drop=True)


def assign_stages(indicators: pd.DataFrame, quarter: str, decisions: pd.DataFrame | None = None,
                  params_for: Callable[[str], dict] | None = None,
                  history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Stage table of every area for one quarter: indicators, proposed stage, reasons, the previous
    quarter's stage, the council's recorded decision (if any) and the support programmes linked."""
    if quarter not in set(indicators["quarter"]):
        raise UserError(f"분기 {quarter} 의 자료가 없습니다.")
    hist = history if history is not None else stage_history(
        indicators[indicators["quarter"].isin([quarter, shift_quarter(quarter, -1)])], params_for)
    cur = hist[hist["quarter"] == quarter].copy()  # empty for a province without dense areas
    prev = hist[hist["quarter"] == shift_quarter(quarter, -1)].set_index("area_id")["stage"].to_dict()
    cur["prev_stage"] = [prev.get(a, "") for a in cur["area_id"]]
    dec = decisions if decisions is not None else pd.DataFrame(columns=DECISION_COLUMNS)
    # The council's latest decision up to this quarter, so a past decision shows next to today's proposal.
    dec = dec[dec["quarter"] <= quarter].sort_values("quarter").drop_duplicates("area_id", keep="last")
    dec = dec.set_index("area_id")
    for col, src in (("decided_quarter", "quarter"), ("decided_stage", "decided_stage"),
                     ("decided_date", "decided_date"), ("decided_note", "note")):
        cur[col] = [dec[src].get(a, "") for a in cur["area_id"]]
    progs = {}
    for s in cur["sido_code"].unique():
        progs[s] = _params_for(params_for, s).get("programmes", {})
    cur["programmes"] = [", ".join(progs[s].get(st, []) or []) for s, st in zip(cur["sido_code"], cur["stage"])]
    return cur.sort_values(["sido_code", "area_id"]).reset_index(drop=True)


def stages_csv_bytes(stages: pd.DataFrame) -> bytes:
    """The contract table `stages.csv` as bytes: UTF-8 with BOM, fixed columns and rounding, sorted —
    identical bytes for identical inputs."""
    df = stages.sort_values(["sido_code", "area_id"])[STAGES_CSV_COLUMNS].copy()
    for c in ("workplaces", "employees"):
        df[c] = df[c].round(1)
    df["payroll_krw"] = df["payroll_krw"].round(0).astype("Int64")
    for c in ("workplaces_yoy_pct", "employees_yoy_pct", "payroll_yoy_pct", "employees_gap_pp"):
        df[c] = df[c].round(2)
    buf = io.StringIO()
    neutralise_formulas(df).to_csv(buf, index=False, lineterminator="\n", float_format="%.2f")
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")


def province_stages(panel: Panel, sido_code: str, quarter: str, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The stage table of one province and quarter with the panel's parameters and council decisions —
    the one computation behind the brief, the batch's tables, `stages.csv` and the index page."""
    ind = panel.indicators
    return assign_stages(ind[ind["sido_code"] == sido_code], quarter, panel.decisions,
                         params_for=panel.params_for, history=history)


def quarter_stages(panel: Panel, quarter: str, sido_codes: list[str]) -> pd.DataFrame:
    """`province_stages` of several provinces, in the given order (the `stages.csv` rows)."""
    parts = [province_stages(panel, s, quarter) for s in sido_codes]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=STAGES_CSV_COLUMNS)
