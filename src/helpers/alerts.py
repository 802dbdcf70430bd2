"""Monthly early-warning signals for every dense area (issue 13): computed from the months up to the one
looked at, never later ones.

`month_alerts(panel, month)` slices the panel's monthly series (`Panel.monthly`) to months ≤ `month`
*before* anything is computed — the data breaks too are found again in that slice — so its answer is
exactly what would have been raised when that month's file arrived. `alerts_between` gives the same as
`month_alerts` month by month, computed once on the slice up to its last month (`_alerts_of_months` says
why that is the same, and recomputes a month on its own slice when it would not be). One row per area,
month and active signal (`ALERT_COLUMNS`, then `EXTRA_COLUMNS`).

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
  The momentum reading must also stand out of the area's own noise: the members short of the seasonal
  path must be at least `noise_z` standard deviations of what the area's turnover gives by chance. Hires
  and separations are counted flows, so the variance of a net change is about the sum of its gross flows
  (Poisson); the baseline adds the earlier windows' flows divided by the years used: sd = √(gained + lost
  in this window + mean of the same over the earlier windows ÷ years). With one earlier year — all the
  demo has before 2026-10 — the baseline is itself one noisy year, and a seasonal area with large flows
  (a January of 20+ separations in 250 members) moves by 3 %p from one year to the next without any
  crisis (the demo's 50-002 in 2026-01: −3.1 %p, 0.8 sd). The year-on-year and relative readings compare
  single months a year apart with wider thresholds and are left as they were.
- `payroll_per_member`: estimated payroll per member (that month's contributions / *that month's*
  contribution rate, so the 2026 rise 9 % → 9.5 % is no fall) per *billed* member (`billed_employees`:
  members of workplaces billed that month; a workplace's first month is billed 0 because billing starts
  the month after, so a new 25-member workplace read as a 3-4 % fall of the area's payroll per member —
  three of the demo's false alarms) falling beyond its seasonal pattern
  (momentum as above ≤ `momentum_pp`, or year on year ≤ `yoy_pct`; the yearly July wage revision
  cancels in both) while members hold (members' momentum and year on year both > `members_hold_pct`).
- `separations` (상실가입자) and `closures` (탈퇴 사업장): the month's count against a baseline, the larger
  of the median of the previous `baseline_months` months (all of them present) and the same month a
  year earlier (a seasonal peak is not a surge): ≥ `ratio` × baseline and at least `min_excess` (and
  `min_excess_pct` % of the area's members / workplaces the month before) above it, *and* the area's
  members (workplaces) fell in the month by at least `net_share` of the excess. Separations matched by as
  many new members in the same month (closures by as many openings) are turnover — a workplace replaced,
  staff rotated — not a shedding of jobs: every separations/closures false alarm of the demo (quiet areas,
  the seasonal 50-002, 44-002 before its onset) was such a month (net change −4 … +1), while every planted
  surge lost most of its excess for good (net fall 74-100 % of the excess).

Guards: an area below `min_employees` members or `min_workplaces` workplaces the month before raises
nothing; months inside a data break of the area or its province (found on the slice, as the quarterly
indicators do) are treated as missing, and so are months absent from the data: any signal that would
read one is not computed (no alert on broken data).

Levels: 관심, or 경계 when the same signal was active the month before too (`persist_months`), when
`coincide_signals` signals are active in the area that month, or when a reading is `severe_factor` times
its threshold (a large employer's exit always). Everything is computed as matrices (months × areas), so
a month's answer depends only on the months up to it; the rows (with their Korean reasons) are written only
for the months asked for, and the levels are read from the matrices (run lengths, signals per cell).
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
    return _alerts_of_months(panel, [month])


def alerts_between(panel: Panel, start: str, end: str) -> pd.DataFrame:
    """`month_alerts` for every month from `start` to `end` (both included), concatenated in month order.

    Computed once on the slice of months ≤ `end` and read month by month: exactly `month_alerts` of each
    month (see `_alerts_of_months`), without repeating the whole computation for every month."""
    return _alerts_of_months(panel, month_range(start, end))


def _monthly(panel: Panel) -> pd.DataFrame:
    m = panel.monthly
    if m is None or not len(m) or "payroll_month" not in m:
        raise UserError("이 지표 패널에는 월별 자료가 없어 조기경보를 계산할 수 없습니다. 원자료에서 패널을 다시 "
                        "계산하세요 (예: python -m helpers alerts --raw-dir <폴더>).")
    return m


# ---------------------------------------------------------------------------------------------
# One slice (months ≤ the month looked at) → the month's alerts.


def _find_breaks(past: pd.DataFrame, panel: Panel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(data breaks, odd months) found on `past` as the quarterly indicators find them."""
    limits = panel.params_for(None).get("data_breaks", {}) or {}
    return (detect_data_breaks(past, panel.reference, limits),
            detect_odd_months(past, panel.reference, limits.get("month_check")))


def _joined(*frames: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BREAK_COLUMNS)


def _upto(frame: pd.DataFrame, month: str) -> pd.DataFrame:
    """Break rows as far as they reach up to `month` (rows starting later dropped, ends cut at `month`)."""
    if not len(frame):
        return frame
    f = frame[frame["first_month"] <= month].copy()
    f["last_month"] = f["last_month"].where(f["last_month"] <= month, month)
    return f.reset_index(drop=True)


def _same_breaks(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    keys = ["level", "unit_id", "first_month", "last_month"]
    sa = sorted(map(tuple, a[keys].astype(str).to_numpy().tolist())) if len(a) else []
    sb = sorted(map(tuple, b[keys].astype(str).to_numpy().tolist())) if len(b) else []
    return sa == sb


def _alerts_of_months(panel: Panel, wanted: list[str]) -> pd.DataFrame:
    """The alerts of each month in `wanted` (ascending), each exactly as computed on the slice of months up
    to it (`month_alerts`), but computed together on the slice up to the last one.

    Why that is the same: every signal at month m reads only rows ≤ m of the month × unit matrices (shifts
    and rolling windows look back, levels look back), so the only thing a longer slice could change for
    month m is which months ≤ m are masked as broken.
    - Data breaks (`detect_data_breaks`) are decided from a month and the one before, and extended month by
      month while the level stays low: the breaks of the slice ≤ m are those of the longer slice, cut at
      m (`_upto`).
    - Odd months (`detect_odd_months`) compare a month with up to three months on each side, later ones
      included, so they are found again on each month's own slice (provinces only: cheap); a month whose
      odd months ≤ m differ from the longer slice's is computed on its own slice (`_alerts_of_slice`).
    tests/test_alerts.py checks both against month-by-month slices."""
    series = _monthly(panel)
    present = set(series["month"])
    wanted = [m for m in wanted if m in present]
    if not wanted:
        return empty_alerts()
    last = wanted[-1]
    past = series[series["month"] <= last]
    data_breaks, odd = _find_breaks(past, panel)
    shared_months, own = [], []
    for m in wanted:
        odd_m = odd if m == last else detect_odd_months(
            series[series["month"] <= m], panel.reference,
            (panel.params_for(None).get("data_breaks", {}) or {}).get("month_check"))
        (shared_months if _same_breaks(_upto(odd, m), odd_m) else own).append(m)
    parts = []
    if shared_months:
        parts.append(_alerts_of_slice(past, panel, _joined(data_breaks, odd), shared_months))
    for m in own:  # rare: an odd month near m that later months explain (or the reverse)
        mine = series[series["month"] <= m]
        parts.append(_alerts_of_slice(mine, panel, _joined(*_find_breaks(mine, panel)), [m]))
    parts = [x for x in parts if len(x)]
    if not parts:
        return empty_alerts()
    out = pd.concat(parts, ignore_index=True)
    return _ordered(out, panel.reference.set_index("area_id"))


# ---------------------------------------------------------------------------------------------
# One slice (months ≤ the last month looked at) → the alerts of the months asked for.


def _alerts_of_slice(past: pd.DataFrame, panel: Panel, breaks: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    reference = panel.reference
    months = month_range(past["month"].min(), wanted[-1])
    wide = _wide(past, months, breaks)
    want = np.isin(np.asarray(months), np.asarray(wanted))
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
            rows.append(_signals(wide, areas, ref, params_of[k], want))
    rows = [r for r in rows if len(r)]
    return pd.concat(rows, ignore_index=True) if rows else empty_alerts()


def _ordered(out: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame:
    """Month, then province, area and signal order; names from the reference; values rounded."""
    out = out.copy()
    out["sido_code"] = out["area_id"].map(ref["sido_code"].astype(str))
    out["area_name"] = out["area_id"].map(ref["area_name"])
    order = {s: i for i, s in enumerate(SIGNALS)}
    out = out.assign(_o=out["signal"].map(order)).sort_values(["month", "sido_code", "area_id", "_o"], kind="mergesort")
    out["value"] = out["value"].astype("float64").round(1)
    out["threshold"] = out["threshold"].astype("float64").round(1)
    return out[ALERT_COLUMNS + EXTRA_COLUMNS].reset_index(drop=True)


_WIDE_COLUMNS = ["workplaces", "employees", "billed_employees", "payroll_month", "gained", "lost", "closures",
                 "largest_drop_members", "largest_drop_before", "largest_drop_exit"]


def _wide(past: pd.DataFrame, months: list[str], breaks: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Month × unit matrices (areas and provinces) of the series the signals read; every calendar month
    from the first to the last is a row, absent months and months inside a data break are NaN. A series
    saved before `billed_employees` existed divides payroll by all members (as before)."""
    units = past[past["level"].isin(["area", "province"])]
    units = units.assign(**{c: np.nan for c in _WIDE_COLUMNS if c not in units})  # an older series
    if units["billed_employees"].isna().all():
        units = units.assign(billed_employees=units["employees"])
    units = units.assign(largest_drop_exit=units["largest_drop_exit"].astype("float64"))
    table = units.pivot(index="month", columns="unit_id", values=_WIDE_COLUMNS).astype("float64").reindex(months)
    out = {col: table[col] for col in _WIDE_COLUMNS}
    broken = _broken(out["employees"], past, breaks)
    return {c: v.mask(broken) for c, v in out.items()}


def _broken(frame: pd.DataFrame, past: pd.DataFrame, breaks: pd.DataFrame) -> pd.DataFrame:
    """True where a month lies in a data break of the unit or of its province (any province-level break)."""
    broken = np.zeros(frame.shape, dtype=bool)
    if not len(breaks):
        return pd.DataFrame(broken, index=frame.index, columns=frame.columns)
    sido_of = past.drop_duplicates("unit_id").set_index("unit_id")
    sido_of = pd.Series({u: (u if lv == "province" else u.split("-")[0]) for u, lv in sido_of["level"].items()})
    col_sido = sido_of.reindex(frame.columns).to_numpy(dtype=object)
    col_pos = {u: j for j, u in enumerate(frame.columns)}
    idx = np.asarray(frame.index)
    for b in breaks.itertuples(index=False):
        rows = (idx >= b.first_month) & (idx <= b.last_month)
        if b.level == "area":
            cols = np.array([col_pos[b.unit_id]]) if b.unit_id in col_pos else np.array([], dtype=int)
        else:
            cols = np.flatnonzero(col_sido == str(b.sido_code))
        if len(cols) and rows.any():
            broken[np.ix_(rows, cols)] = True
    return pd.DataFrame(broken, index=frame.index, columns=frame.columns)


def _seasonal_momentum(x: pd.DataFrame, window: int, years: int, turnover: pd.DataFrame | None = None):
    """Change over the last `window` months (log points) minus the median change over the same months of
    the previous `years` years (those present); NaN without at least one earlier year.

    With `turnover` (members gained + lost each month) also the standard deviation, in members, of that
    difference when the flows were as random as coin tosses (Poisson: the variance of a net change is about
    the sum of its gross flows): √(flows over this window + mean flows over the earlier windows / years
    used). Returns (momentum, sd) then."""
    lx = np.log(x.where(x > 0))
    now = lx - lx.shift(window)
    n_years = max(1, years)
    earlier = [now.shift(12 * y) for y in range(1, n_years + 1)]
    base = pd.concat(earlier, keys=range(n_years)).groupby(level=1, sort=False).median().reindex(x.index)
    mom = now - base  # the median skips years not present
    if turnover is None:
        return mom
    flows = turnover.rolling(window, min_periods=window).sum()
    then = [flows.shift(12 * y).where(e.notna()) for y, e in enumerate(earlier, start=1)]
    used = sum(t.notna().astype("float64") for t in then).where(lambda n: n > 0)
    var = flows + sum(t.fillna(0) for t in then) / used / used  # this window + (mean of the earlier) / years
    return mom, np.sqrt(var)


def _yoy_pct(x: pd.DataFrame) -> pd.DataFrame:
    base = x.shift(12)
    return 100 * (x / base.where(base > 0) - 1)


def _surge_base(x: pd.DataFrame, months: int) -> pd.DataFrame:
    """The usual count: the larger of the median of the previous `months` months (all present) and the
    same month a year earlier (when present)."""
    hist = x.shift(1).rolling(months, min_periods=months).median()
    return hist.where(hist.isna(), np.fmax(hist, x.shift(12)))


def _cells(fire: pd.DataFrame, want: np.ndarray):
    """(row, column) positions of every True cell in a wanted row (month), in month then area order."""
    f = fire.fillna(False).to_numpy(dtype=bool) & want[:, None]
    r, c = np.nonzero(f)  # row-major: month then area already
    return list(zip(r.tolist(), c.tolist()))


def _np(*frames: pd.DataFrame) -> list[np.ndarray]:
    return [f.to_numpy(dtype="float64") for f in frames]


def _row(month, area, signal, value, threshold, measure, unit, severe, reason) -> dict:
    return {"month": month, "area_id": area, "signal": signal, "value": float(value), "threshold": float(threshold),
            "measure": measure, "unit": unit, "severe": bool(severe), "reason": f"{reason} — {month_label(month)}"}


def _signals(wide: dict[str, pd.DataFrame], areas: list[str], ref: pd.DataFrame, p: dict,
             want: np.ndarray) -> pd.DataFrame:
    """The signals active in the wanted months (`want`: one flag per row of the matrices) for `areas` (one
    province's parameters `p`), with their levels; every month of the slice is computed (levels look back)."""
    E, W = wide["employees"][areas], wide["workplaces"][areas]
    ok = (E.shift(1) >= p["min_employees"]) & (W.shift(1) >= p["min_workplaces"])
    found = {"large_employer": _large_employer(wide, areas, ok, p["large_employer"], want),
             "members": _members(wide, areas, ref, ok, p["members"], want),
             "payroll_per_member": _payroll_per_member(wide, areas, ok, p["payroll_per_member"], p["members"], want),
             "separations": _surge(wide["lost"][areas], E, ok, p["separations"], "separations", want),
             "closures": _surge(wide["closures"][areas], W, ok, p["closures"], "closures", want)}
    rows = [r for _, (_, rs) in found.items() for r in rs]
    if not rows:
        return empty_alerts()
    return _with_levels(pd.DataFrame(rows), {s: f for s, (f, _) in found.items()}, E.index, areas, p["levels"])


def _large_employer(wide, areas, ok, p, want):
    drop, before = wide["largest_drop_members"][areas], wide["largest_drop_before"][areas]
    exit_ = wide["largest_drop_exit"][areas] == 1
    prev = wide["employees"][areas].shift(1)
    share = 100 * before / prev.where(prev > 0)
    by_share = (share >= p["min_share_pct"]) & (before >= p["floor_members"])
    large = ok & ((before >= p["min_members"]) | by_share)
    cut = 100 * drop / before.where(before > 0)
    fire = large & (exit_ | ((cut >= p["shrink_pct"]) & (drop >= p["shrink_min_members"])))
    B, D, SH, C = _np(before, drop, share, cut)
    X, BS = exit_.to_numpy(dtype=bool), by_share.to_numpy(dtype=bool)
    rows = []
    for i, j in _cells(fire, want):
        m, a = fire.index[i], areas[j]
        b, d, sh, c = B[i, j], D[i, j], SH[i, j], C[i, j]
        of_area = f"지역 종사자의 {sh:.0f}%"
        if X[i, j]:
            value, th, measure, unit = ((sh, p["min_share_pct"], "탈퇴 사업장의 지역 종사자 비중", "%") if BS[i, j]
                                        else (b, p["min_members"], "탈퇴 사업장 가입자", "명"))
            rows.append(_row(m, a, "large_employer", value, th, measure, unit, True,
                             f"가입자 {fmt_int(b)}명 사업장 1곳 탈퇴 ({of_area})"))
        else:
            rows.append(_row(m, a, "large_employer", c, p["shrink_pct"], "대형 사업장의 한 달 감소율", "%",
                             c >= p["severe_factor"] * p["shrink_pct"],
                             f"가입자 {fmt_int(b)}명 사업장 1곳이 한 달 새 {fmt_int(d)}명({c:.0f}%) 감소 ({of_area}, "
                             f"기준 {p['shrink_pct']:g}%)"))
    return fire, rows


def _members(wide, areas, ref, ok, p, want):
    E = wide["employees"][areas]
    k = p["window_months"]
    turnover = wide["gained"][areas] + wide["lost"][areas]
    mom, sd = _seasonal_momentum(E, k, p["seasonal_years"], turnover)
    mom = 100 * mom
    yoy = _yoy_pct(E)
    sidos = [str(ref.at[a, "sido_code"]) for a in areas]
    prov = wide["employees"].reindex(columns=sidos)
    prov_yoy = pd.DataFrame(_yoy_pct(prov).to_numpy(), index=E.index, columns=areas)
    gap = yoy - prov_yoy
    shortfall = -mom / 100 * E.shift(k)  # members below the seasonal path
    enough_mom = (shortfall >= p["min_change_members"]) & (shortfall >= p["noise_z"] * sd)
    enough_yoy = (E.shift(12) - E) >= p["min_change_members"]
    c1 = ok & enough_mom & (mom <= p["momentum_pp"])
    c2 = ok & enough_yoy & (yoy <= p["yoy_pct"])
    c3 = ok & enough_yoy & (yoy < 0) & (gap <= p["gap_pp"])
    fire = c1 | c2 | c3
    sev = p["severe_factor"]
    # the reading furthest beyond its threshold is the one reported
    over = [(c.fillna(False) * (v / th)).astype("float64") for c, v, th in
            ((c1, mom, p["momentum_pp"]), (c2, yoy, p["yoy_pct"]), (c3, gap, p["gap_pp"]))]
    pick = np.argmax(np.stack([o.to_numpy() for o in over]), axis=0)
    EV, EK, E12, MOM, YOY, GAP, PY, SD = _np(E, E.shift(k), E.shift(12), mom, yoy, gap, prov_yoy, sd)
    rows = []
    for i, j in _cells(fire, want):
        m, a = E.index[i], areas[j]
        now = fmt_int(EV[i, j])
        if pick[i, j] == 0:
            v, th = MOM[i, j], p["momentum_pp"]
            rows.append(_row(m, a, "members", v, th, f"종사자 {k}개월 변화(계절 조정)", "%p", v <= sev * th,
                             f"종사자 최근 {k}개월 변화가 예년 같은 달들보다 {fmt_pp(v)} 낮음 ({fmt_int(EK[i, j])}명 → "
                             f"{now}명, 예년 흐름이면 약 {fmt_int(EV[i, j] * np.exp(-v / 100))}명이라 "
                             f"{fmt_pct(100 * np.expm1(v / 100))}"
                             + (f"; 취득·상실 잡음의 {-v / 100 * EK[i, j] / SD[i, j]:.1f}배" if SD[i, j] > 0 else "")
                             + f", 기준 {fmt_pp(th)})"))
        elif pick[i, j] == 1:
            v, th = YOY[i, j], p["yoy_pct"]
            rows.append(_row(m, a, "members", v, th, "종사자 전년 같은 달 대비", "%", v <= sev * th,
                             f"종사자 전년 같은 달 대비 {fmt_pct(v)} ({fmt_int(E12[i, j])}명 → {now}명, "
                             f"기준 {fmt_pct(th)})"))
        else:
            v, th = GAP[i, j], p["gap_pp"]
            rows.append(_row(m, a, "members", v, th, "종사자 전년 같은 달 대비, 시도 전체와의 격차", "%p", v <= sev * th,
                             f"종사자 전년 같은 달 대비 {fmt_pct(YOY[i, j])}로 시도 전체({fmt_pct(PY[i, j])})보다 "
                             f"{fmt_pp(v)} (기준 {fmt_pp(th)})"))
    return fire, rows


def _payroll_per_member(wide, areas, ok, p, members_p, want):
    E, B, P = wide["employees"][areas], wide["billed_employees"][areas], wide["payroll_month"][areas]
    k = members_p["window_months"]
    ppm = P / B.where(B > 0)  # members billed this month: a workplace's first month is billed 0
    mom = 100 * _seasonal_momentum(ppm, k, members_p["seasonal_years"])
    yoy = _yoy_pct(ppm)
    e_mom = 100 * _seasonal_momentum(E, k, members_p["seasonal_years"])
    e_yoy = _yoy_pct(E)
    hold = e_yoy.notna() & ~(e_yoy <= p["members_hold_pct"]) & ~(e_mom <= p["members_hold_pct"])
    c1 = ok & hold & (mom <= p["momentum_pp"])
    c2 = ok & hold & (yoy <= p["yoy_pct"])
    fire = c1 | c2
    sev = p["severe_factor"]
    C1 = c1.fillna(False).to_numpy(dtype=bool)
    PPM, PK, P12, MOM, YOY, EY = _np(ppm, ppm.shift(k), ppm.shift(12), mom, yoy, e_yoy)
    rows = []
    for i, j in _cells(fire, want):
        m, a = E.index[i], areas[j]
        held = f"종사자는 전년 같은 달 대비 {fmt_pct(EY[i, j])}로 유지"
        if C1[i, j]:
            v, th = MOM[i, j], p["momentum_pp"]
            was, measure = PK[i, j], f"1인당 추정 급여 {k}개월 변화(계절 조정)"
            what = f"최근 {k}개월 변화가 예년 같은 달들보다 {fmt_pp(v)} 낮음"
        else:
            v, th = YOY[i, j], p["yoy_pct"]
            was, measure = P12[i, j], "1인당 추정 급여 전년 같은 달 대비"
            what = f"전년 같은 달 대비 {fmt_pct(v)}"
        unit = "%p" if C1[i, j] else "%"
        rows.append(_row(m, a, "payroll_per_member", v, th, measure, unit, v <= sev * th,
                         f"가입자 1인당 추정 급여(그달 보험료율로 환산)가 {what} ({fmt_int(was)}원 → "
                         f"{fmt_int(PPM[i, j])}원, 기준 {fmt_pp(th) if unit == '%p' else fmt_pct(th)}), {held}"))
    return fire, rows


def _surge(x: pd.DataFrame, stock: pd.DataFrame, ok: pd.DataFrame, p: dict, signal: str, want):
    """`x` (separations or closures) against its usual count, where the stock (members or workplaces) fell
    by at least `net_share` of the excess in the month: a surge replaced at once is turnover."""
    base = _surge_base(x, p["baseline_months"])
    size = stock.shift(1)
    fall = size - stock
    extra = np.fmax(p["min_excess"], p["min_excess_pct"] / 100 * size)
    need = np.ceil(np.fmax(p["ratio"] * base, base + extra))
    fire = ok & base.notna() & (x >= need) & (fall >= p["net_share"] * (x - base))
    what, unit = ("상실가입자", "명") if signal == "separations" else ("탈퇴 사업장", "곳")
    stock_name = "종사자" if signal == "separations" else "사업장"
    BASE, X, NEED, FALL = _np(base, x, need, fall)
    rows = []
    for i, j in _cells(fire, want):
        m, a = x.index[i], x.columns[j]
        b, n = BASE[i, j], X[i, j]
        times = f"의 {n / b:.1f}배" if b > 0 else "보다 많음"
        rows.append(_row(m, a, signal, n, NEED[i, j], f"{what} 수 (기준: 평소의 {p['ratio']:g}배 이상)", unit,
                         b > 0 and n >= p["severe_factor"] * p["ratio"] * b,
                         f"{what} {fmt_int(n)}{unit}으로 평소({fmt_int(b)}{unit}: 최근 {p['baseline_months']}개월 중앙값과 "
                         f"전년 같은 달 중 큰 값){times}, {stock_name}는 한 달 새 {fmt_int(FALL[i, j])}{unit} 순감소 "
                         f"(기준 평소의 {p['ratio']:g}배이자 {fmt_int(NEED[i, j])}{unit} 이상)"))
    return fire, rows


def _run_lengths(fire: np.ndarray) -> np.ndarray:
    """For each cell, the number of consecutive True cells ending there in its column (0 where False)."""
    count = np.cumsum(fire, axis=0)
    reset = np.maximum.accumulate(np.where(fire, 0, count), axis=0)
    return np.where(fire, count - reset, 0)


def _with_levels(rows: pd.DataFrame, fires: dict[str, pd.DataFrame], index, areas: list[str], levels: dict) -> pd.DataFrame:
    """관심 or 경계: 경계 when the same signal is active `persist_months` months in a row (calendar months:
    the matrices have every calendar month), `coincide_signals` signals are active in the area that month,
    or the reading is severe. Read from the whole fire matrices, so the rows need only the wanted months."""
    bools = {s: f.fillna(False).to_numpy(dtype=bool) for s, f in fires.items()}
    n_signals = sum(b.astype(int) for b in bools.values())
    runs = {s: _run_lengths(b) for s, b in bools.items()}
    r = pd.Index(index).get_indexer(rows["month"])
    c = pd.Index(areas).get_indexer(rows["area_id"])
    months_active = np.array([runs[s][i, j] for s, i, j in zip(rows["signal"], r, c)], dtype=int)
    n_sig = n_signals[r, c]
    persist = months_active >= levels["persist_months"]
    coincide = n_sig >= levels["coincide_signals"]
    f = rows.copy()
    f["level"] = np.where(persist | coincide | f["severe"].to_numpy(dtype=bool), "경계", "관심")
    why = [", ".join(w for w in (f"{n}개월 연속" if p else "", f"신호 {k}개 동시" if q else "") if w)
           for n, k, p, q in zip(months_active, n_sig, persist, coincide)]
    f["reason"] = [t + (f" (경계: {w})" if w else "") for t, w in zip(f["reason"], why)]
    return f
