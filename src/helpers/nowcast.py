"""A nowcast (전망, 추정) of the current quarter's indicators and stage, one or two months into the quarter
(issue 13, item 2), from the months up to the one looked at, never later ones.

`nowcast(panel, month)` takes quarter q, the quarter of `month`, and the k = 1, 2 or 3 months of q up to
`month`, and projects q's area indicators as `indicators` defines them (domain.md §5):
- stocks W, E (mean of the quarter's months): the months observed, then the last observed level carried
  to each remaining month with the unit's usual change between those calendar months (median over up to
  `seasonal_years` earlier years of X(month − 12y) / X(last − 12y); none: no change). A fall that
  repeats every September is not read as a crisis, a fall that happened this year carries on;
- payroll P (sum over the quarter's months, that month's contribution rate): the months observed, then
  the same months of last year scaled by the observed months' ratio to the same months of last year —
  the projected year-on-year change of P is that of the months observed.
Year-on-year changes are against q−4 (observed), the employee gap against the province's nowcast by the
same method; the stage is `stages.propose_stage` with the province's parameters (판단유보 under the same
rules, data breaks found on the data up to `month`).

Uncertainty: the same method, with the same k, is replayed on the last `backtest_quarters` complete
quarters of the unit (each using only the months up to its k-th month) and compared with what the
quarter turned out to be. The band is the projection plus a `band_pct` % prediction interval of one more
such error (%p; mean ± t·sd·√(1 + 1/n) — with the few quarters the data hold, empirical quantiles cover
far less than they claim: on the demo, 10–90 % quantiles held the realised change about 55 % of the
time, this interval about 80 %), never excluding the point itself. With fewer than `min_backtests` errors
for the area, the errors of all the province's areas are pooled (`band_basis` says which). `stage_low`/`stage_high` are the stages the
optimistic / pessimistic ends of the bands (W, E, P and the gap moved with E together) would give.
With k = 3 the quarter is observed: no projection, no band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.errors import UserError
from helpers.fmt import fmt_pct, fmt_pp
from helpers.indicators import BREAK_COLUMNS, detect_data_breaks, detect_odd_months
from helpers.panel import Panel
from helpers.periods import (
    add_months,
    check_month,
    month_range,
    quarter_label,
    quarter_months,
    quarter_of,
    shift_quarter,
)
from helpers.stages import propose_stage

INDICATORS = ("workplaces", "employees", "payroll")
_SERIES = {"workplaces": "workplaces", "employees": "employees", "payroll": "payroll_month"}
_STOCKS = ("workplaces", "employees")
NOWCAST_COLUMNS = [
    "month", "quarter", "months_known", "sido_code", "area_id", "area_name",
    "workplaces_yoy_pct", "workplaces_yoy_lo_pct", "workplaces_yoy_hi_pct",
    "employees_yoy_pct", "employees_yoy_lo_pct", "employees_yoy_hi_pct",
    "payroll_yoy_pct", "payroll_yoy_lo_pct", "payroll_yoy_hi_pct",
    "employees_gap_pp", "stage", "stage_low", "stage_high", "stage_range", "prev_stage",
    "backtests", "band_basis", "reason",
]
DEFAULTS = {"seasonal_years": 3, "backtest_quarters": 8, "min_backtests": 3, "band_pct": 80}
LABEL = "전망(추정)"


def nowcast_params(params: dict) -> dict:
    """The `nowcast:` section of a province's parameters over `DEFAULTS`, checked (Korean UserError)."""
    p = {**DEFAULTS, **(params.get("nowcast") or {})}
    ok = isinstance(p["band_pct"], (int, float)) and not isinstance(p["band_pct"], bool) and 0 < p["band_pct"] < 100
    for k in ("seasonal_years", "backtest_quarters", "min_backtests"):
        ok = ok and isinstance(p[k], int) and not isinstance(p[k], bool) and p[k] >= 1
    ok = ok and p["min_backtests"] >= 2  # a spread needs two errors
    if not ok:
        raise UserError(f"설정 nowcast: 값이 올바르지 않습니다 ({p}). seasonal_years, backtest_quarters 는 1 이상, "
                        "min_backtests 는 2 이상의 정수, band_pct 는 0과 100 사이의 수(예: 80)여야 합니다.")
    return p


def nowcast(panel: Panel, month: str, sido_code: str | None = None) -> pd.DataFrame:
    """The nowcast of every dense area (of `sido_code`, or all) for the quarter of `month` (YYYY-MM),
    computed only from the data of months ≤ `month`. One row per area, `NOWCAST_COLUMNS`: changes in %
    (gap in %p) against the same quarter a year earlier, with their bands; `months_known` 3 means the
    quarter is observed (no band)."""
    check_month(month, "월")
    m = panel.monthly
    if m is None or not len(m) or "payroll_month" not in m:
        raise UserError("이 지표 패널에는 월별 자료가 없어 분기 전망을 계산할 수 없습니다. 원자료에서 패널을 다시 계산하세요.")
    past = m[m["month"] <= month]
    ref = panel.reference
    if sido_code is not None:
        ref = ref[ref["sido_code"].astype(str) == str(sido_code)]
    if not len(past) or not len(ref):
        return pd.DataFrame(columns=NOWCAST_COLUMNS)
    wide, breaks = _wide(past, panel, month)
    quarter = quarter_of(month)
    k = quarter_months(quarter).index(month) + 1
    errors: dict[tuple, dict] = {}  # the backtest, once per distinct method setting (all units at once)
    rows = []
    for sido, areas in ref.groupby(ref["sido_code"].astype(str), sort=True):
        params = panel.params_for(sido)
        p = nowcast_params(params)
        key = (p["seasonal_years"], p["backtest_quarters"])
        if k < 3 and key not in errors:
            errors[key] = _errors(wide, quarter, k, p)
        rows.append(_province(wide, breaks, errors.get(key), areas, sido, month, params))
    out = pd.concat(rows, ignore_index=True)
    return out[NOWCAST_COLUMNS].sort_values(["sido_code", "area_id"], kind="mergesort").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Month × unit matrices of the slice.


def _wide(past: pd.DataFrame, panel: Panel, month: str) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Month × unit (areas, provinces) matrices of W, E and monthly payroll from the first month to
    `month`: a month absent from the data is NaN, a unit without workplaces in a present month 0, and the
    months inside a data break (found on the slice) of the unit or its province NaN. Also the breaks."""
    limits = panel.params_for(None).get("data_breaks", {}) or {}
    found = [detect_data_breaks(past, panel.reference, limits),
             detect_odd_months(past, panel.reference, limits.get("month_check"))]
    found = [b for b in found if len(b)]
    breaks = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=BREAK_COLUMNS)
    months = month_range(past["month"].min(), month)
    units = past[past["level"].isin(["area", "province"])]
    present = sorted(set(past["month"]))
    cols = list(panel.reference["area_id"]) + sorted(set(units.loc[units["level"] == "province", "unit_id"]))
    out = {}
    for name, col in _SERIES.items():
        t = units.pivot(index="month", columns="unit_id", values=col).astype("float64")
        t = t.reindex(columns=cols).reindex(present).fillna(0.0).reindex(months)
        out[name] = t
    for b in breaks.itertuples(index=False):
        rows = (out["employees"].index >= b.first_month) & (out["employees"].index <= b.last_month)
        hit = ([b.unit_id] if b.level == "area" else
               [c for c in cols if c == str(b.sido_code) or c.split("-")[0] == str(b.sido_code)])
        hit = [c for c in hit if c in cols]
        for t in out.values():
            t.loc[rows, hit] = np.nan
    return out, breaks


def _at(t: pd.DataFrame, month: str) -> pd.Series:
    """Row `month` of a matrix, NaN everywhere when the month is not in it (before the data, or later)."""
    return t.loc[month] if month in t.index else pd.Series(np.nan, index=t.columns)


def _quarter_value(t: pd.DataFrame, name: str, quarter: str, k: int, years: int) -> pd.Series:
    """Quarter value per unit (mean for stocks, sum for payroll) with its first `k` months observed and
    the rest projected; reads only rows up to the k-th month (the caller's slice must end there)."""
    ms = quarter_months(quarter)
    seen = t.loc[t.index <= ms[k - 1]]
    known = [_at(seen, m) for m in ms[:k]]
    if name in _STOCKS:
        last = known[-1]
        for m in ms[k:]:
            ratios = [_at(seen, add_months(m, -12 * y)) / _at(seen, add_months(ms[k - 1], -12 * y)).where(lambda s: s > 0)
                      for y in range(1, years + 1)]
            usual = pd.concat(ratios, axis=1).median(axis=1, skipna=True).fillna(1.0)
            known.append(last * usual)
        return pd.concat(known, axis=1).mean(axis=1, skipna=False)
    observed = pd.concat(known, axis=1).sum(axis=1, min_count=k)
    if k == 3:
        return observed
    before = pd.concat([_at(seen, add_months(m, -12)) for m in ms[:k]], axis=1).sum(axis=1, min_count=k)
    rest = pd.concat([_at(seen, add_months(m, -12)) for m in ms[k:]], axis=1).sum(axis=1, min_count=3 - k)
    return observed + observed / before.where(before > 0) * rest


def _yoy(wide: dict[str, pd.DataFrame], quarter: str, k: int, years: int) -> dict[str, pd.Series]:
    """Projected year-on-year change (%) of every indicator and unit, and the base quarter's W and E."""
    out = {}
    base_q = shift_quarter(quarter, -4)
    for name in INDICATORS:
        now = _quarter_value(wide[name], name, quarter, k, years)
        base = _quarter_value(wide[name], name, base_q, 3, years)
        out[name] = 100 * (now / base.where(base > 0) - 1)
        if name in _STOCKS:
            out[f"{name}_base"] = base
    return out


def _errors(wide: dict[str, pd.DataFrame], quarter: str, k: int, p: dict) -> dict[str, pd.DataFrame]:
    """Realised − projected year-on-year change (%p), quarters × units, for the `backtest_quarters`
    quarters before `quarter` (each projected from its own first k months only)."""
    out = {name: [] for name in INDICATORS}
    for back in range(1, p["backtest_quarters"] + 1):
        q = shift_quarter(quarter, -back)
        cut = quarter_months(q)[k - 1]
        guess = _yoy({n: t.loc[t.index <= cut] for n, t in wide.items()}, q, k, p["seasonal_years"])
        real = _yoy(wide, q, 3, p["seasonal_years"])
        for name in INDICATORS:
            out[name].append((real[name] - guess[name]).rename(q))
    return {name: pd.concat(v, axis=1).T for name, v in out.items()}


# ---------------------------------------------------------------------------------------------
# Per province: facts, bands, stages, reasons.


def _facts(wide: dict[str, pd.DataFrame], breaks: pd.DataFrame, quarter: str, k: int, ids: list[str], sido: str,
           years: int) -> pd.DataFrame:
    """Per area (index): the projected year-on-year changes and gap, the base quarter's W and E, whether
    the months used are all there, and the data breaks touching them (the `propose_stage` row)."""
    y = _yoy(wide, quarter, k, years)
    prov = y["employees"].get(sido, np.nan)
    f = pd.DataFrame({f"{n}_yoy_pct": y[n].reindex(ids) for n in INDICATORS})
    f["employees_gap_pp"] = f["employees_yoy_pct"] - prov
    f["workplaces_base"] = y["workplaces_base"].reindex(ids)
    f["employees_base"] = y["employees_base"].reindex(ids)
    e = wide["employees"]
    now, base = quarter_months(quarter)[:k], quarter_months(shift_quarter(quarter, -4))
    f["complete"] = [bool(e.reindex(now)[a].notna().all()) for a in ids]
    f["base_complete"] = [bool(e.reindex(base)[a].notna().all()) for a in ids]
    f["data_break"] = [_break_text(breaks, a, sido, now + base) for a in ids]
    return f


def _break_text(breaks: pd.DataFrame, area: str, sido: str, months: list[str]) -> str:
    found = [b.reason for b in breaks.itertuples(index=False)
             if (b.unit_id == area or (b.level != "area" and str(b.sido_code) == sido))
             and any(b.first_month <= m <= b.last_month for m in months)]
    return "; ".join(dict.fromkeys(found))


def _bands(errors: dict[str, pd.DataFrame], ids: list[str], p: dict) -> tuple[dict, pd.Series, pd.Series]:
    """Per indicator, (low, high) offsets (%p) to add to the point: a prediction interval for one more
    error, mean ± t(n−1) · sd · √(1 + 1/n) at `band_pct` % (the errors of a few quarters are a small
    sample: their empirical quantiles would be far too narrow), from the area's own backtest errors, or
    the province's areas pooled when the area has fewer than `min_backtests`; never excluding the point.
    NaN when neither has enough. Also the number of own errors (employees) and the basis in words."""
    from scipy import stats

    level = (1 + p["band_pct"] / 100) / 2
    offsets = {}
    n_own = errors["employees"].reindex(columns=ids).notna().sum()
    pooled_n = 0
    for name in INDICATORS:
        err = errors[name].reindex(columns=ids)
        pooled = err.to_numpy().ravel()
        pooled = pooled[~np.isnan(pooled)]
        pooled_n = len(pooled) if name == "employees" else pooled_n
        n, mean, sd = err.notna().sum(), err.mean(), err.std(ddof=1)
        own = n >= p["min_backtests"]
        width = stats.t.ppf(level, np.maximum(n - 1, 1)) * sd * np.sqrt(1 + 1 / n.where(n > 0))
        if len(pooled) >= p["min_backtests"]:
            pn = len(pooled)
            pw = float(stats.t.ppf(level, pn - 1) * pooled.std(ddof=1) * np.sqrt(1 + 1 / pn))
            pm = float(pooled.mean())
        else:
            pw = pm = np.nan
        mean, width = mean.where(own, pm), width.where(own, pw)
        offsets[name] = ((mean - width).clip(upper=0), (mean + width).clip(lower=0))
    basis = pd.Series([f"지역 과거 {n}개 분기 예측 오차" if n >= p["min_backtests"] else
                       (f"시도 내 밀집지역 과거 예측 오차 {pooled_n}건 (지역 자료 {n}개 분기로 부족)"
                        if pooled_n >= p["min_backtests"] else "") for n in n_own], index=ids)
    return offsets, n_own, basis


def _range_text(stage: str, low: str, high: str) -> str:
    """'주의' or '주의 (양호~심각 가능)'."""
    return stage if low == high == stage else f"{stage} ({low}~{high} 가능)"


def _province(wide, breaks, errors, areas: pd.DataFrame, sido: str, month: str, params: dict) -> pd.DataFrame:
    """The nowcast rows of one province's areas (see `nowcast`)."""
    p, sp = nowcast_params(params), params["stages"]
    quarter = quarter_of(month)
    k = quarter_months(quarter).index(month) + 1
    ids = list(areas["area_id"])
    f = _facts(wide, breaks, quarter, k, ids, sido, p["seasonal_years"])
    prev = _facts(wide, breaks, shift_quarter(quarter, -1), 3, ids, sido, p["seasonal_years"])
    zero = pd.Series(0.0, index=ids)
    offsets, n, basis = (_bands(errors, ids, p) if k < 3 else
                         ({name: (zero, zero) for name in INDICATORS}, zero.astype(int), pd.Series("", index=ids)))
    out = f.copy()
    for name in INDICATORS:
        out[f"{name}_yoy_lo_pct"] = f[f"{name}_yoy_pct"] + offsets[name][0]
        out[f"{name}_yoy_hi_pct"] = f[f"{name}_yoy_pct"] + offsets[name][1]
    stages, lows, highs, reasons = [], [], [], []
    for a in ids:
        row = f.loc[a].to_dict()
        stage, why = propose_stage(row, sp)
        low, high = stage, stage
        if stage != sp.get("no_call", "판단유보") and k < 3 and not np.isnan(offsets["employees"][0][a]):
            low = propose_stage(_moved(row, offsets, a, 1), sp)[0]
            high = propose_stage(_moved(row, offsets, a, 0), sp)[0]
        stages.append(stage)
        lows.append(low)
        highs.append(high)
        reasons.append(_reason(quarter, k, why, out.loc[a], basis[a], p))
    out["stage"], out["stage_low"], out["stage_high"] = stages, lows, highs
    out["stage_range"] = [_range_text(s, lo, hi) for s, lo, hi in zip(stages, lows, highs)]
    out["prev_stage"] = [propose_stage(prev.loc[a].to_dict(), sp)[0] for a in ids]
    out["backtests"], out["band_basis"], out["reason"] = n.astype(int), basis, reasons
    out["month"], out["quarter"], out["months_known"], out["sido_code"] = month, quarter, k, sido
    out["area_id"] = ids
    out["area_name"] = list(areas["area_name"])
    return out.reset_index(drop=True)


def _moved(row: dict, offsets: dict, area: str, end: int) -> dict:
    """The row at one end of the bands (end 0: the low, pessimistic one; 1: the high one); the gap moves
    with the employees' change."""
    out = dict(row)
    for name in INDICATORS:
        out[f"{name}_yoy_pct"] = row[f"{name}_yoy_pct"] + offsets[name][end][area]
    out["employees_gap_pp"] = row["employees_gap_pp"] + offsets["employees"][end][area]
    return out


def _reason(quarter: str, k: int, why: str, r: pd.Series, basis: str, p: dict) -> str:
    """The Korean reason: what the stage rests on, and for a projection its months and bands."""
    months = quarter_months(quarter)
    if k == 3:
        return f"분기 실적(3개월 모두 관측, 추정 아님): {why}"
    head = (f"{LABEL}: {quarter_label(quarter)} 중 {k}개월({months[0]}{'~' + months[k - 1] if k > 1 else ''}) 자료로 "
            f"분기 전체를 추정 — {why}")
    if not basis:
        return head + "; 과거 예측 오차를 잴 분기가 부족해 범위는 내지 않음"
    band = ", ".join(f"{lab} {fmt_pct(r[f'{n}_yoy_lo_pct'])} ~ {fmt_pct(r[f'{n}_yoy_hi_pct'])}"
                     for n, lab in (("employees", "종사자수"), ("payroll", "총급여"), ("workplaces", "사업장수")))
    return head + f"; 범위({basis}로 잡은 {p['band_pct']:g}% 예측구간): {band}; 시도 대비 격차 {fmt_pp(r['employees_gap_pp'])}"
