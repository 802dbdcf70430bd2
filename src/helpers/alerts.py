"""Monthly early-warning signals for every dense area (issue 13): computed from the months up to the one
looked at, never later ones.

`month_alerts(panel, month)` slices the panel's monthly series (`Panel.monthly`) to months ≤ `month`
*before* anything is computed — the data breaks too are found again in that slice — so its answer is
exactly what would have been raised when that month's file arrived. `alerts_between` is that, month by
month. One row per area, month and active signal (`ALERT_COLUMNS`, then `EXTRA_COLUMNS`).

Signals (every threshold under `alerts:` in params, per province overridable):
- `large_employer`: the workplace with the largest fall in members from the previous month was large
  (≥ `min_members` members, or ≥ `min_share_pct` % of the area's members and ≥ `floor_members`) and
  withdrew or left the file (경계 at once), or shrank by ≥ `shrink_pct` % (and ≥ `shrink_min_members`) in
  the month. Firms are paired
  across months in `indicators.largest_drops`; only sizes reach the alert, never a name.
- `members`: employees (가입자수) falling beyond the area's own seasonal pattern, in three readings, the
  first met is reported (`measure`):
  1. *seasonally adjusted momentum*: the change over the last `window_months` months minus the median
     change over the same months of earlier years (log points, shown in %p) ≤ `momentum_pp`;
  2. *year on year*: this month against the same month a year earlier ≤ `yoy_pct`;
  3. *relative*: year on year below 0 and ≥ |`gap_pp`| %p below the whole province's.
  Why not STL or `seasonal_decompose` (statsmodels): they need two full years (24 months) before they
  estimate anything and their estimates at the end of the series — the month an early warning is about —
  are revised as later months arrive, which is look-ahead by construction. A comparison with the same
  months of earlier years removes any seasonal pattern that repeats (a January dip every year gives a
  momentum of ≈ 0), needs only 12 (+ window) months, and never changes once computed. With less history
  the members signal is not computed (no seasonal baseline yet): the reason is in `history_note`.
- `payroll_per_member`: estimated payroll per member (that month's contributions / *that month's*
  contribution rate, so the 2026 rise 9 % → 9.5 % is no fall) falling beyond its seasonal pattern
  (momentum as above ≤ `momentum_pp`, or year on year ≤ `yoy_pct`; the yearly July wage revision
  cancels in both) while members hold (members' momentum and year on year both > `members_hold_pct`).
- `separations` (상실가입자) and `closures` (탈퇴 사업장): the month's count against a baseline, the larger
  of the median of the previous `baseline_months` months (all of them present) and the same month a
  year earlier (a seasonal peak is not a surge): ≥ `ratio` × baseline and at least `min_excess` (and
  `min_excess_pct` % of the area's members / workplaces the month before) above it.

Guards: an area below `min_employees` members or `min_workplaces` workplaces the month before raises
nothing; months inside a data break of the area or its province (found on the slice, as the quarterly
indicators do) are treated as missing, and so are months absent from the data: any signal that would
read one is not computed (no alert on broken data).

Levels: 관심, or 경계 when the same signal was active the month before too (`persist_months`), when
`coincide_signals` signals are active in the area that month, or when a reading is `severe_factor` times
its threshold (a large employer's exit always). Everything is computed as matrices (months × areas), so
a month's answer depends only on the months up to it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from helpers.errors import UserError
from helpers.fmt import fmt_int, fmt_pct, fmt_pp
from helpers.indicators import BREAK_COLUMNS, detect_data_breaks, detect_odd_months
from helpers.panel import Panel
from helpers.params import load_params
from helpers.periods import month_range

ALERT_COLUMNS = ["month", "sido_code", "area_id", "area_name", "signal", "level", "value", "threshold", "reason"]
EXTRA_COLUMNS = ["measure", "unit"]
SIGNALS = ("large_employer", "members", "payroll_per_member", "separations", "closures")
LEVELS = ("관심", "경계")
SIGNAL_LABELS = {"large_employer": "대형 사업장 이탈", "members": "종사자 감소", "payroll_per_member": "1인당 급여 감소",
                 "separations": "상실가입자 급증", "closures": "탈퇴 사업장 급증"}


def alert_params(params: dict) -> dict:
    """The `alerts:` section of a province's parameters (validated by `params.validate_params`); a panel
    saved before the alerts existed has none: then the workspace's defaults."""
    if isinstance(params.get("alerts"), dict):
        return params["alerts"]
    return load_params()["alerts"]


def month_label(month: str) -> str:
    """'2026-02' → '2026년 2월'."""
    return f"{month[:4]}년 {int(month[5:7])}월"


def empty_alerts() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("value", "threshold") else "str")
                         for c in ALERT_COLUMNS + EXTRA_COLUMNS})


def month_alerts(panel: Panel, month: str) -> pd.DataFrame:
    """The alerts active in `month` (YYYY-MM), computed only from the data of months ≤ `month`.

    Empty when the month is not in the data. Rows sorted by province, area, then signal order."""
    series = _monthly(panel)
    past = series[series["month"] <= month]
    if month not in set(past["month"]):
        return empty_alerts()
    return _alerts_of_slice(past, panel, month)


def alerts_between(panel: Panel, start: str, end: str) -> pd.DataFrame:
    """`month_alerts` for every month from `start` to `end` (both included), concatenated in month order."""
    parts = [month_alerts(panel, m) for m in month_range(start, end)]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_alerts()


def _monthly(panel: Panel) -> pd.DataFrame:
    m = panel.monthly
    if m is None or not len(m) or "payroll_month" not in m:
        raise UserError("이 지표 패널에는 월별 자료가 없어 조기경보를 계산할 수 없습니다. 원자료에서 패널을 다시 "
                        "계산하세요 (예: python -m helpers alerts --raw-dir <폴더>).")
    return m


# ---------------------------------------------------------------------------------------------
# One slice (months ≤ the month looked at) → the month's alerts.


def _alerts_of_slice(past: pd.DataFrame, panel: Panel, month: str) -> pd.DataFrame:
    reference = panel.reference
    limits = panel.params_for(None).get("data_breaks", {}) or {}
    breaks = [detect_data_breaks(past, reference, limits), detect_odd_months(past, reference, limits.get("month_check"))]
    breaks = pd.concat([b for b in breaks if len(b)], ignore_index=True) if any(len(b) for b in breaks) else \
        pd.DataFrame(columns=BREAK_COLUMNS)
    months = month_range(past["month"].min(), month)
    wide = _wide(past, months, breaks)
    ref = reference.set_index("area_id")
    groups: dict[str, list[str]] = {}
    params_of: dict[str, dict] = {}
    for sido in sorted(ref["sido_code"].astype(str).unique()):
        p = alert_params(panel.params_for(sido))
        k = json.dumps(p, sort_keys=True)
        params_of[k] = p
        groups.setdefault(k, []).extend(sorted(ref.index[ref["sido_code"].astype(str) == sido]))
    rows = []
    for k, areas in groups.items():
        areas = [a for a in areas if a in wide["employees"].columns]
        if areas:
            rows.append(_signals(wide, areas, ref, params_of[k]))
    fired = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if not len(fired):
        return empty_alerts()
    fired = _with_levels(fired)
    out = fired[fired["month"] == month].copy()
    if not len(out):
        return empty_alerts()
    out["sido_code"] = out["area_id"].map(ref["sido_code"].astype(str))
    out["area_name"] = out["area_id"].map(ref["area_name"])
    order = {s: i for i, s in enumerate(SIGNALS)}
    out = out.assign(_o=out["signal"].map(order)).sort_values(["sido_code", "area_id", "_o"], kind="mergesort")
    out["value"] = out["value"].astype("float64").round(1)
    out["threshold"] = out["threshold"].astype("float64").round(1)
    return out[ALERT_COLUMNS + EXTRA_COLUMNS].reset_index(drop=True)


_WIDE_COLUMNS = ["workplaces", "employees", "payroll_month", "lost", "closures", "largest_drop_members",
                 "largest_drop_before", "largest_drop_exit"]


def _wide(past: pd.DataFrame, months: list[str], breaks: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Month × unit matrices (areas and provinces) of the series the signals read; every calendar month
    from the first to the last is a row, absent months and months inside a data break are NaN."""
    units = past[past["level"].isin(["area", "province"])]
    units = units.assign(**{c: np.nan for c in _WIDE_COLUMNS if c not in units})  # an older series
    units = units.assign(largest_drop_exit=units["largest_drop_exit"].astype("float64"))
    table = units.pivot(index="month", columns="unit_id", values=_WIDE_COLUMNS).astype("float64").reindex(months)
    out = {col: table[col] for col in _WIDE_COLUMNS}
    broken = _broken(out["employees"], past, breaks)
    return {c: v.mask(broken) for c, v in out.items()}


def _broken(frame: pd.DataFrame, past: pd.DataFrame, breaks: pd.DataFrame) -> pd.DataFrame:
    """True where a month lies in a data break of the unit or of its province (any province-level break)."""
    broken = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    if not len(breaks):
        return broken
    sido_of = past.drop_duplicates("unit_id").set_index("unit_id")
    sido_of = {u: (u if lv == "province" else u.split("-")[0]) for u, lv in sido_of["level"].items()}
    idx = frame.index
    for b in breaks.itertuples(index=False):
        rows = (idx >= b.first_month) & (idx <= b.last_month)
        if b.level == "area":
            cols = [b.unit_id] if b.unit_id in broken.columns else []
        else:
            cols = [u for u in broken.columns if sido_of.get(u) == str(b.sido_code)]
        if cols:
            broken.loc[rows, cols] = True
    return broken


def _seasonal_momentum(x: pd.DataFrame, window: int, years: int) -> pd.DataFrame:
    """Change over the last `window` months (log points) minus the median change over the same months of
    the previous `years` years (those present); NaN without at least one earlier year."""
    lx = np.log(x.where(x > 0))
    now = lx - lx.shift(window)
    earlier = pd.concat([now.shift(12 * y) for y in range(1, max(1, years) + 1)], keys=range(max(1, years)))
    base = earlier.groupby(level=1, sort=False).median().reindex(x.index)  # skips years not present
    return now - base


def _yoy_pct(x: pd.DataFrame) -> pd.DataFrame:
    base = x.shift(12)
    return 100 * (x / base.where(base > 0) - 1)


def _surge_base(x: pd.DataFrame, months: int) -> pd.DataFrame:
    """The usual count: the larger of the median of the previous `months` months (all present) and the
    same month a year earlier (when present)."""
    hist = x.shift(1).rolling(months, min_periods=months).median()
    return hist.where(hist.isna(), np.fmax(hist, x.shift(12)))


def _cells(fire: pd.DataFrame):
    """(month, area) of every True cell, in month then area order."""
    r, c = np.nonzero(fire.fillna(False).to_numpy(dtype=bool))
    order = np.lexsort((c, r))
    return [(fire.index[i], fire.columns[j]) for i, j in zip(r[order], c[order])]


def _row(month, area, signal, value, threshold, measure, unit, severe, reason) -> dict:
    return {"month": month, "area_id": area, "signal": signal, "value": float(value), "threshold": float(threshold),
            "measure": measure, "unit": unit, "severe": bool(severe), "reason": f"{reason} — {month_label(month)}"}


def _signals(wide: dict[str, pd.DataFrame], areas: list[str], ref: pd.DataFrame, p: dict) -> pd.DataFrame:
    """Every signal fired in any month of the slice for `areas` (one province's parameters `p`)."""
    E, W = wide["employees"][areas], wide["workplaces"][areas]
    ok = (E.shift(1) >= p["min_employees"]) & (W.shift(1) >= p["min_workplaces"])
    rows = (_large_employer(wide, areas, ok, p["large_employer"])
            + _members(wide, areas, ref, ok, p["members"])
            + _payroll_per_member(wide, areas, ok, p["payroll_per_member"], p["members"])
            + _surge(wide["lost"][areas], E.shift(1), ok, p["separations"], "separations")
            + _surge(wide["closures"][areas], W.shift(1), ok, p["closures"], "closures"))
    out = pd.DataFrame(rows)
    if len(out):
        for k in ("persist_months", "coincide_signals"):
            out[k] = p["levels"][k]
    return out


def _large_employer(wide, areas, ok, p) -> list[dict]:
    drop, before = wide["largest_drop_members"][areas], wide["largest_drop_before"][areas]
    exit_ = wide["largest_drop_exit"][areas] == 1
    prev = wide["employees"][areas].shift(1)
    share = 100 * before / prev.where(prev > 0)
    by_share = (share >= p["min_share_pct"]) & (before >= p["floor_members"])
    large = ok & ((before >= p["min_members"]) | by_share)
    cut = 100 * drop / before.where(before > 0)
    fire = large & (exit_ | ((cut >= p["shrink_pct"]) & (drop >= p["shrink_min_members"])))
    rows = []
    for m, a in _cells(fire):
        b, d, sh, c = before.at[m, a], drop.at[m, a], share.at[m, a], cut.at[m, a]
        of_area = f"지역 종사자의 {sh:.0f}%"
        if exit_.at[m, a]:
            value, th, measure, unit = ((sh, p["min_share_pct"], "탈퇴 사업장의 지역 종사자 비중", "%") if by_share.at[m, a]
                                        else (b, p["min_members"], "탈퇴 사업장 가입자", "명"))
            rows.append(_row(m, a, "large_employer", value, th, measure, unit, True,
                             f"가입자 {fmt_int(b)}명 사업장 1곳 탈퇴 ({of_area})"))
        else:
            rows.append(_row(m, a, "large_employer", c, p["shrink_pct"], "대형 사업장의 한 달 감소율", "%",
                             c >= p["severe_factor"] * p["shrink_pct"],
                             f"가입자 {fmt_int(b)}명 사업장 1곳이 한 달 새 {fmt_int(d)}명({c:.0f}%) 감소 ({of_area}, "
                             f"기준 {p['shrink_pct']:g}%)"))
    return rows


def _members(wide, areas, ref, ok, p) -> list[dict]:
    E = wide["employees"][areas]
    k = p["window_months"]
    mom = 100 * _seasonal_momentum(E, k, p["seasonal_years"])
    yoy = _yoy_pct(E)
    sidos = [str(ref.at[a, "sido_code"]) for a in areas]
    prov = wide["employees"].reindex(columns=sidos)
    prov_yoy = pd.DataFrame(_yoy_pct(prov).to_numpy(), index=E.index, columns=areas)
    gap = yoy - prov_yoy
    enough_mom = (-mom / 100 * E.shift(k)) >= p["min_change_members"]
    enough_yoy = (E.shift(12) - E) >= p["min_change_members"]
    c1 = ok & enough_mom & (mom <= p["momentum_pp"])
    c2 = ok & enough_yoy & (yoy <= p["yoy_pct"])
    c3 = ok & enough_yoy & (yoy < 0) & (gap <= p["gap_pp"])
    sev = p["severe_factor"]
    rows = []
    # the reading furthest beyond its threshold is the one reported
    over = [(c.fillna(False) * (v / th)).astype("float64") for c, v, th in
            ((c1, mom, p["momentum_pp"]), (c2, yoy, p["yoy_pct"]), (c3, gap, p["gap_pp"]))]
    pick = np.argmax(np.stack([o.to_numpy() for o in over]), axis=0)
    for m, a in _cells(c1 | c2 | c3):
        now = fmt_int(E.at[m, a])
        which = pick[E.index.get_loc(m), E.columns.get_loc(a)]
        if which == 0:
            v, th = mom.at[m, a], p["momentum_pp"]
            rows.append(_row(m, a, "members", v, th, f"종사자 {k}개월 변화(계절 조정)", "%p", v <= sev * th,
                             f"종사자 최근 {k}개월 변화가 예년 같은 달들보다 {fmt_pp(v)} 낮음 ({fmt_int(E.shift(k).at[m, a])}명 → "
                             f"{now}명, 기준 {fmt_pp(th)})"))
        elif which == 1:
            v, th = yoy.at[m, a], p["yoy_pct"]
            rows.append(_row(m, a, "members", v, th, "종사자 전년 같은 달 대비", "%", v <= sev * th,
                             f"종사자 전년 같은 달 대비 {fmt_pct(v)} ({fmt_int(E.shift(12).at[m, a])}명 → {now}명, "
                             f"기준 {fmt_pct(th)})"))
        else:
            v, th = gap.at[m, a], p["gap_pp"]
            rows.append(_row(m, a, "members", v, th, "종사자 전년 같은 달 대비, 시도 전체와의 격차", "%p", v <= sev * th,
                             f"종사자 전년 같은 달 대비 {fmt_pct(yoy.at[m, a])}로 시도 전체({fmt_pct(prov_yoy.at[m, a])})보다 "
                             f"{fmt_pp(v)} (기준 {fmt_pp(th)})"))
    return rows


def _payroll_per_member(wide, areas, ok, p, members_p) -> list[dict]:
    E, P = wide["employees"][areas], wide["payroll_month"][areas]
    k = members_p["window_months"]
    ppm = P / E.where(E > 0)
    mom = 100 * _seasonal_momentum(ppm, k, members_p["seasonal_years"])
    yoy = _yoy_pct(ppm)
    e_mom = 100 * _seasonal_momentum(E, k, members_p["seasonal_years"])
    e_yoy = _yoy_pct(E)
    hold = e_yoy.notna() & ~(e_yoy <= p["members_hold_pct"]) & ~(e_mom <= p["members_hold_pct"])
    c1 = ok & hold & (mom <= p["momentum_pp"])
    c2 = ok & hold & (yoy <= p["yoy_pct"])
    sev = p["severe_factor"]
    rows = []
    for m, a in _cells(c1 | c2):
        held = f"종사자는 전년 같은 달 대비 {fmt_pct(e_yoy.at[m, a])}로 유지"
        if c1.at[m, a]:
            v, th = mom.at[m, a], p["momentum_pp"]
            was, measure = ppm.shift(k).at[m, a], f"1인당 추정 급여 {k}개월 변화(계절 조정)"
            what = f"최근 {k}개월 변화가 예년 같은 달들보다 {fmt_pp(v)} 낮음"
        else:
            v, th = yoy.at[m, a], p["yoy_pct"]
            was, measure = ppm.shift(12).at[m, a], "1인당 추정 급여 전년 같은 달 대비"
            what = f"전년 같은 달 대비 {fmt_pct(v)}"
        unit = "%p" if c1.at[m, a] else "%"
        rows.append(_row(m, a, "payroll_per_member", v, th, measure, unit, v <= sev * th,
                         f"가입자 1인당 추정 급여(그달 보험료율로 환산)가 {what} ({fmt_int(was)}원 → "
                         f"{fmt_int(ppm.at[m, a])}원, 기준 {fmt_pp(th) if unit == '%p' else fmt_pct(th)}), {held}"))
    return rows


def _surge(x: pd.DataFrame, size: pd.DataFrame, ok: pd.DataFrame, p: dict, signal: str) -> list[dict]:
    base = _surge_base(x, p["baseline_months"])
    extra = np.fmax(p["min_excess"], p["min_excess_pct"] / 100 * size)
    need = np.ceil(np.fmax(p["ratio"] * base, base + extra))
    fire = ok & base.notna() & (x >= need)
    what, unit = ("상실가입자", "명") if signal == "separations" else ("탈퇴 사업장", "곳")
    rows = []
    for m, a in _cells(fire):
        b, n = base.at[m, a], x.at[m, a]
        times = f"의 {n / b:.1f}배" if b > 0 else "보다 많음"
        rows.append(_row(m, a, signal, n, need.at[m, a], f"{what} 수 (기준: 평소의 {p['ratio']:g}배 이상)", unit,
                         b > 0 and n >= p["severe_factor"] * p["ratio"] * b,
                         f"{what} {fmt_int(n)}{unit}으로 평소({fmt_int(b)}{unit}: 최근 {p['baseline_months']}개월 중앙값과 "
                         f"전년 같은 달 중 큰 값){times} (기준 평소의 {p['ratio']:g}배이자 {fmt_int(need.at[m, a])}{unit} 이상)"))
    return rows


def _with_levels(fired: pd.DataFrame) -> pd.DataFrame:
    """관심 or 경계: 경계 when the same signal is active `persist_months` months in a row (calendar months),
    `coincide_signals` signals are active in the area that month, or the reading is severe."""
    f = fired.sort_values(["area_id", "signal", "month"], kind="mergesort").reset_index(drop=True)
    idx = f["month"].map(lambda m: int(m[:4]) * 12 + int(m[5:7]))
    new_run = (f["area_id"] != f["area_id"].shift()) | (f["signal"] != f["signal"].shift()) | (idx.diff() != 1)
    f["months_active"] = f.groupby(new_run.cumsum()).cumcount() + 1
    f["n_signals"] = f.groupby(["area_id", "month"])["signal"].transform("nunique")
    persist = f["months_active"] >= f["persist_months"]
    coincide = f["n_signals"] >= f["coincide_signals"]
    f["level"] = np.where(persist | coincide | f["severe"], "경계", "관심")
    why = [", ".join(w for w in (f"{n}개월 연속" if p else "", f"신호 {k}개 동시" if c else "") if w)
           for n, k, p, c in zip(f["months_active"], f["n_signals"], persist, coincide)]
    f["reason"] = [r + (f" (경계: {w})" if w else "") for r, w in zip(f["reason"], why)]
    return f
