"""Measuring early warnings against the demo's known answers: which area should alarm when, and how well a
method's alerts did (precision, recall, false alarms, lead time). Pure functions on small frames; the
command is `bench/backtest_alerts.py` (`make backtest`).

What each area is expected to do (`expectations`)
- A planted crisis (`scenarios.CRISIS_KINDS`) is one episode: an alert in its `window` (first..last month)
  is a detection; an alert before the window (before the onset) or after it is a false alarm.
- Planted areas that must never alarm: `stable` (stable, growing, too small) and `seasonal` (seasonal-only).
- Areas without a scenario, from the truth sidecar (the true monthly W/E/P): the default stage rules applied
  to the *true* quarterly numbers of every quarter that has a year-earlier quarter (`truth.true_stages`).
  - `quiet`: a clear 양호 in every such quarter → must never alarm (its alerts are false alarms);
  - `truth_crisis`: a clear 주의 or worse in some quarter → a crisis without a known onset: alerts from six
    months before the first such quarter (a decline is under way up to two quarters before its
    year-on-year change crosses a threshold) to the end count as detections, earlier ones as false
    alarms; it has a recall of its own and no lead time;
  - `borderline`: within ±1 %p of a threshold in some quarter and never clearly flagged → not judged.
  Without a truth sidecar (real data) areas without a scenario are not judged.

How alerts are scored (`method_metrics`), for any method whose alerts are rows of (area_id, month)
- An alerted area-month is an (area, month) with at least one alert, whatever the number of signals.
- precision = alerted area-months that are detections / all judged alerted area-months (planted and
  truth areas; borderline and unknown areas left out). `precision_areas` is the same per area: areas whose
  every alert is a detection / areas with any judged alert.
- recall = planted crisis episodes with an alert inside their window / planted crisis episodes.
- false alarms = alerted area-months (and areas) in stable, seasonal and quiet areas, and before or after
  a crisis window.
- lead time = months from the onset to the first alert inside the window (0: in the onset month; smaller
  is earlier). Measured only for episodes whose onset leaves a year of data before it (`history_months`),
  since year-on-year and seasonal methods cannot see anything earlier; the mean is over detected ones.
- The quarterly rules as a method (`rule_alerts`): a quarter proposed at 주의 or worse counts as raised in
  the month after the quarter's last month, when its three files are in (`delay_months`).
"""

from __future__ import annotations

import unicodedata

import pandas as pd

from helpers.demo.scenarios import CRISIS_KINDS, KINDS, SCENARIOS
from helpers.periods import add_months, month_index, quarter_months, quarter_of, shift_quarter

EXPECT_COLUMNS = ["area_id", "group", "kind", "onset", "window_start", "window_end", "source"]
GROUP_LABELS = {"crisis": "계획 위기", "stable": "안정(계획)", "seasonal": "계절 변동만(계획)",
                "truth_crisis": "실제 위기(계획 외)", "quiet": "안정(계획 외, 참값)", "borderline": "경계선(판정 제외)"}
NEVER_ALARM = ("stable", "seasonal", "quiet")
TRUTH_LOOKBACK_MONTHS = 6


def scenario_expectations(area_ids=None) -> pd.DataFrame:
    """One row per planted scenario (in `area_ids` when given): its group, kind, onset and window."""
    rows = []
    for s in SCENARIOS:
        if area_ids is not None and s.area_id not in set(area_ids):
            continue
        group = "crisis" if s.kind in CRISIS_KINDS else ("seasonal" if s.kind == "seasonal" else "stable")
        rows.append({"area_id": s.area_id, "group": group, "kind": s.kind, "onset": s.onset,
                     "window_start": s.window[0] if s.window else None,
                     "window_end": s.window[1] if s.window else None, "source": "scenario"})
    return pd.DataFrame(rows, columns=EXPECT_COLUMNS)


def truth_expectations(truth: dict, stage_params: dict, exclude=()) -> pd.DataFrame:
    """Areas without a scenario judged by the default rules on their true numbers (`truth`: the sidecar's
    `truth` part): `quiet`, `truth_crisis` or `borderline` (see the module docstring)."""
    from helpers.demo.truth import true_stages  # the sidecar's reader, beside this module

    months = truth["months"]
    quarters = sorted({q for q in map(quarter_of, months) if all(m in months for m in quarter_months(q))})
    quarters = [q for q in quarters if shift_quarter(q, -4) in quarters]
    scale = stage_params["scale"]
    per_area: dict[str, list[tuple[str, bool, bool]]] = {}
    for q in quarters:
        for r in true_stages(truth, q, stage_params).to_dict("records"):
            flagged = r["true_stage"] in scale and scale.index(r["true_stage"]) >= 1
            per_area.setdefault(r["area_id"], []).append((q, flagged, bool(r["clear"])))
    rows = []
    for aid, calls in sorted(per_area.items()):
        if aid in set(exclude):
            continue
        clear_flags = [q for q, f, c in calls if f and c]
        if clear_flags:
            start = max(months[0], add_months(quarter_months(clear_flags[0])[0], -TRUTH_LOOKBACK_MONTHS))
            rows.append({"area_id": aid, "group": "truth_crisis", "kind": "truth", "onset": None,
                         "window_start": start, "window_end": add_months(months[-1], 3), "source": "truth"})
        else:
            group = "quiet" if all(c and not f for _, f, c in calls) else "borderline"
            rows.append({"area_id": aid, "group": group, "kind": "truth", "onset": None,
                         "window_start": None, "window_end": None, "source": "truth"})
    return pd.DataFrame(rows, columns=EXPECT_COLUMNS)


def expectations(area_ids, truth: dict | None = None, stage_params: dict | None = None) -> pd.DataFrame:
    """Every judged area: the planted scenarios in `area_ids`, then (with a truth sidecar) the others."""
    planted = scenario_expectations(area_ids)
    if truth is None:
        return planted
    others = truth_expectations(truth, stage_params or {}, exclude=set(planted["area_id"]))
    others = others[others["area_id"].isin(set(area_ids))]
    return pd.concat([planted, others], ignore_index=True)


def rule_alerts(history: pd.DataFrame, delay_months: int = 1) -> pd.DataFrame:
    """The quarterly stage rules as alerts: one row per area and quarter proposed at the second step of its
    scale or worse (`stage_rank` ≥ 1: 주의/심각 on the default scale), in the month `delay_months` after the
    quarter's last month. `history`: `stages.stage_history(...)`."""
    hit = history[history["stage_rank"] >= 1]
    out = pd.DataFrame({
        "month": [add_months(quarter_months(q)[-1], delay_months) for q in hit["quarter"]],
        "area_id": hit["area_id"].to_numpy(), "signal": "quarter_stage", "level": hit["stage"].to_numpy(),
        "quarter": hit["quarter"].to_numpy()})
    return out.sort_values(["month", "area_id"]).reset_index(drop=True)


def judge_alert_months(alerts: pd.DataFrame, expect: pd.DataFrame) -> pd.DataFrame:
    """Each alerted area-month (area_id, month) with the group of its area and a verdict: `hit` (inside a
    crisis window), `before` / `after` (a crisis area outside its window), `false` (an area that must never
    alarm) or `unjudged` (borderline, or an area without expectations)."""
    am = alerts[["area_id", "month"]].drop_duplicates().reset_index(drop=True)
    ex = expect.set_index("area_id")
    verdicts, groups = [], []
    for aid, month in zip(am["area_id"], am["month"]):
        if aid not in ex.index:
            groups.append(None)
            verdicts.append("unjudged")
            continue
        e = ex.loc[aid]
        groups.append(e["group"])
        if e["group"] in NEVER_ALARM:
            verdicts.append("false")
        elif e["group"] in ("crisis", "truth_crisis"):
            verdicts.append("before" if month < e["window_start"] else
                            "after" if month > e["window_end"] else "hit")
        else:
            verdicts.append("unjudged")
    return am.assign(group=groups, verdict=verdicts)


def wrong_alarms(alerts: pd.DataFrame, expect: pd.DataFrame) -> pd.DataFrame:
    """The alerted area-months judged wrong (`false`, `before`, `after`), with their signals and levels
    joined ("separations:관심, closures:관심"), in month order: what to look at when tuning a method."""
    judged = judge_alert_months(alerts, expect)
    bad = judged[judged["verdict"].isin(["false", "before", "after"])]
    cols = [c for c in ("signal", "level") if c in alerts]
    if not cols or not len(bad):
        return bad.assign(signals="").reset_index(drop=True)
    text = alerts.assign(_s=alerts[cols].astype(str).agg(":".join, axis=1))
    joined = text.groupby(["area_id", "month"])["_s"].agg(", ".join).rename("signals").reset_index()
    return bad.merge(joined, on=["area_id", "month"], how="left").sort_values(["month", "area_id"]).reset_index(drop=True)


def episode_results(alerts: pd.DataFrame, expect: pd.DataFrame, first_month: str,
                    history_months: int = 12) -> pd.DataFrame:
    """One row per crisis episode (planted and truth): detected, its first alert inside the window, the lead
    time in months from the onset (planted ones whose onset is at least `history_months` after
    `first_month`), and the alerts before and after the window."""
    rows = []
    for e in expect[expect["group"].isin(["crisis", "truth_crisis"])].to_dict("records"):
        months = sorted(set(alerts.loc[alerts["area_id"] == e["area_id"], "month"]))
        inside = [m for m in months if e["window_start"] <= m <= e["window_end"]]
        measured = e["onset"] is not None and month_index(e["onset"]) - month_index(first_month) >= history_months
        first = inside[0] if inside else None
        rows.append({"area_id": e["area_id"], "group": e["group"], "kind": e["kind"], "onset": e["onset"],
                     "window_start": e["window_start"], "window_end": e["window_end"],
                     "detected": first is not None, "first_alert": first, "lead_measured": measured,
                     "lead_months": (month_index(first) - month_index(e["onset"]))
                     if (first is not None and measured) else None,
                     "alerts_before": sum(m < e["window_start"] for m in months),
                     "alerts_after": sum(m > e["window_end"] for m in months)})
    return pd.DataFrame(rows)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def method_metrics(alerts: pd.DataFrame, expect: pd.DataFrame, first_month: str,
                   history_months: int = 12) -> dict:
    """Precision, recall, false alarms and lead time of one method's `alerts` (columns area_id, month) against
    `expect` (see the module docstring for the definitions)."""
    judged = judge_alert_months(alerts, expect)
    ep = episode_results(alerts, expect, first_month, history_months)
    planted = ep[ep["group"] == "crisis"] if len(ep) else ep
    truthy = ep[ep["group"] == "truth_crisis"] if len(ep) else ep
    scored = judged[judged["verdict"] != "unjudged"]
    hits = int((scored["verdict"] == "hit").sum())
    per_area = scored.groupby("area_id")["verdict"].agg(lambda v: bool((v == "hit").all()))
    false = scored[scored["verdict"] != "hit"]
    leads = planted.loc[planted["lead_months"].notna(), "lead_months"] if len(planted) else pd.Series(dtype=float)

    def by_group(g: str) -> dict:
        rows = false[false["group"] == g]
        return {"area_months": int(len(rows)), "areas": int(rows["area_id"].nunique()),
                "of_areas": int((expect["group"] == g).sum())}

    return {
        "alerted_area_months": int(len(judged)), "judged_area_months": int(len(scored)), "hits": hits,
        "precision": _ratio(hits, len(scored)),
        "precision_areas": _ratio(int(per_area.sum()), len(per_area)),
        "recall": _ratio(int(planted["detected"].sum()) if len(planted) else 0, len(planted)),
        "episodes": int(len(planted)), "detected": int(planted["detected"].sum()) if len(planted) else 0,
        "truth_recall": _ratio(int(truthy["detected"].sum()) if len(truthy) else 0, len(truthy)),
        "truth_episodes": int(len(truthy)),
        "false_alarms": {g: by_group(g) for g in NEVER_ALARM},
        "before_window": int((scored["verdict"] == "before").sum()),
        "after_window": int((scored["verdict"] == "after").sum()),
        "mean_lead_months": float(leads.mean()) if len(leads) else None,
        "lead_episodes": int(len(leads)),
        "per_episode": _records(ep),
        "wrong_alarms": _records(wrong_alarms(alerts, expect)),
    }


def _records(df: pd.DataFrame) -> list[dict]:
    """JSON-ready rows (None for missing values, plain ints and bools)."""
    out = []
    for r in df.to_dict("records"):
        out.append({k: (None if (v is None or (isinstance(v, float) and v != v)) else
                        (int(v) if isinstance(v, float) and v.is_integer() and k == "lead_months" else v))
                    for k, v in r.items()})
    return out


def kind_label(kind: str) -> str:
    """Korean label of a scenario kind (`truth`: a crisis found in the true numbers)."""
    return KINDS.get(kind, "참값 기준 위기" if kind == "truth" else kind)


# -- the report --------------------------------------------------------------------------------------------
METHOD_LABELS = {"alerts": "월별 조기경보", "rules": "분기 단계 규칙"}
TARGETS = {"lead_gain_months": 3, "recall": 0.90, "precision": 0.85, "seasonal_alarms": 0}


def _pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded to `width` terminal columns (Hangul counts two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    fill = " " * max(0, width - used)
    return fill + text if right else text + fill


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, fmt: str = "{:.1f}") -> str:
    return "—" if x is None else fmt.format(x)


def target_checks(results: dict[str, dict]) -> list[dict]:
    """The issue's targets for the alerts against the rules: each with the figures and whether it is met
    (None when a side is missing)."""
    a, r = results.get("alerts"), results.get("rules")
    if a is None:
        return []
    gain = (r["mean_lead_months"] - a["mean_lead_months"]
            if r and r["mean_lead_months"] is not None and a["mean_lead_months"] is not None else None)
    seasonal = a["false_alarms"]["seasonal"]["area_months"]
    checks = [
        {"target": "평균 선행 시간이 분기 규칙보다 3개월 이상 짧음", "value": gain,
         "met": None if gain is None else gain >= TARGETS["lead_gain_months"]},
        {"target": "재현율 90% 이상", "value": a["recall"],
         "met": None if a["recall"] is None else a["recall"] >= TARGETS["recall"]},
        {"target": "정밀도 85% 이상", "value": a["precision"],
         "met": None if a["precision"] is None else a["precision"] >= TARGETS["precision"]},
        {"target": "계절 변동만 있는 지역 경보 0건", "value": seasonal, "met": seasonal == TARGETS["seasonal_alarms"]},
    ]
    shown = [f"{_num(gain)}개월 짧음", _pct(a["recall"]), _pct(a["precision"]), f"{seasonal}건"]
    return [{**c, "shown": text} for c, text in zip(checks, shown)]


def report_lines(results: dict[str, dict], expect: pd.DataFrame) -> list[str]:
    """The Korean backtest table: the metrics side by side per method, then one line per planted crisis."""
    names = list(results)
    head = _pad("지표", 40) + "".join(_pad(METHOD_LABELS.get(n, n), 18, right=True) for n in names)
    lines = [head, "-" * (40 + 18 * len(names))]

    def row(label: str, cell) -> None:
        lines.append(_pad(label, 40) + "".join(_pad(cell(results[n]), 18, right=True) for n in names))

    row("정밀도(경보 지역·월 기준)", lambda m: f"{_pct(m['precision'])} ({m['hits']}/{m['judged_area_months']})")
    row("정밀도(지역 기준)", lambda m: _pct(m["precision_areas"]))
    row("재현율(계획 위기, 구간 안 경보)", lambda m: f"{_pct(m['recall'])} ({m['detected']}/{m['episodes']})")
    row("재현율(계획 외 참값 위기)", lambda m: f"{_pct(m['truth_recall'])} (/{m['truth_episodes']})")
    row("평균 선행 시간(발생→첫 경보, 개월)", lambda m: f"{_num(m['mean_lead_months'])} (n={m['lead_episodes']})")
    for g in NEVER_ALARM:
        row(f"오경보: {GROUP_LABELS[g]} 지역·월/지역",
            lambda m, g=g: f"{m['false_alarms'][g]['area_months']}/{m['false_alarms'][g]['areas']}"
                           f" (/{m['false_alarms'][g]['of_areas']})")
    row("위기 구간 전·후 경보(지역·월)", lambda m: f"{m['before_window']}·{m['after_window']}")
    lines += ["", _pad("지역", 8) + _pad("유형", 22) + _pad("발생", 9) + _pad("위기 구간", 17)
              + "".join(_pad(METHOD_LABELS.get(n, n) + " 첫 경보(선행)", 30, right=True) for n in names)]
    eps = {n: {e["area_id"]: e for e in results[n]["per_episode"]} for n in names}
    for e in expect[expect["group"] == "crisis"].to_dict("records"):
        cells = []
        for n in names:
            x = eps[n].get(e["area_id"], {})
            lead = "(선행 미측정)" if not x.get("lead_measured") else (
                "" if x.get("lead_months") is None else f"({x['lead_months']:+d}개월)")
            cells.append(_pad((x.get("first_alert") or "놓침") + lead, 30, right=True))
        lines.append(_pad(e["area_id"], 8) + _pad(kind_label(e["kind"]), 22) + _pad(e["onset"], 9)
                     + _pad(f"{e['window_start']}~{e['window_end']}", 17) + "".join(cells))
    for n in names:
        wrong = results[n]["wrong_alarms"]
        if wrong:
            lines += ["", f"{METHOD_LABELS.get(n, n)} — 잘못 울린 경보 {len(wrong)}건(지역·월):"]
            verdict = {"false": "오경보", "before": "위기 전", "after": "위기 후"}
            lines += [f"  {w['month']} {w['area_id']} {GROUP_LABELS.get(w['group'], w['group'])} "
                      f"{verdict[w['verdict']]}: {w['signals']}" for w in wrong[:30]]
    lines += ["",
              "정밀도: 경보가 하나라도 있는 (지역, 월) 가운데 위기 구간 안의 비율(경계선·미판정 지역 제외).",
              "재현율: 계획 위기 가운데 위기 구간 안에 경보가 한 번이라도 있는 비율.",
              "선행 시간: 발생 월부터 구간 안 첫 경보까지 개월 수(0 = 발생 월). 발생 전 1년 자료가 있는 위기만.",
              "분기 단계 규칙: 주의 이상 분기를 그 분기 마지막 달의 다음 달에 울린 경보로 봄."]
    return lines
