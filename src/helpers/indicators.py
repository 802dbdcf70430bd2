"""Quarterly indicators for every dense area, each province (whole, dense part, rest) and the nation.

Definitions (domain.md §5), for quarter q (2026Q3 = months 2026-07..09):
- `workplaces` W, `employees` E: mean of the quarter's monthly snapshots of *active* workplaces
  (status 1; withdrawn rows stay in the files and never count);
- `payroll_krw` P: sum over the quarter's months of 당월고지금액 / *that month's* contribution rate
  (`pension.PensionSchedule`: 9 % to 2025-12, +0.5 pp each January from 2026). The contribution is
  billed on capped income, so P is a **lower bound** of the true payroll;
- `avg_wage_krw`: P / (E × months) — estimated monthly wage per employee (KRW, lower bound);
- flows are quarter sums: `gained`/`lost` members (신규취득자수/상실가입자수), `net_hires` = gained − lost,
  `openings` (적용일자 or 재등록일자 in the month), `closures` (status 2 with 탈퇴일자 in the month);
- `manufacturing_share_pct`: share of E in KSIC-8 divisions 15–37 (%);
- `top_employer_share_pct`: the largest workplace's share of E, mean of the monthly shares (%);
- `largest_closure_members`, `largest_closure_month`: the members (상실가입자수 of its withdrawal row) of the
  largest workplace that withdrew in the quarter, and its month — one employer leaving reads as a fact;
- `*_yoy_pct` = X(q)/X(q−4) − 1 and `*_qoq_pct` = X(q)/X(q−1) − 1, in %;
- `employees_gap_pp`: employees_yoy of the unit − that of its whole province (%p); the province's own
  gap is against the nation. `employees_gap_nation_pp` is always against the nation.
- `complete` is False when a month of the quarter is missing from the data: nothing is filled in.
- `data_break`: non-empty (Korean reason) when a month of the quarter or of q−4 falls in a *data break*
  of the unit or its province (`detect_data_breaks`): a collapse that comes from the data (a code
  change missing from the crosswalk, a broken file), not from the economy. Stages then make no call.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from helpers import codes
from helpers.fields import INDICATOR_COLUMNS
from helpers.pension import PensionSchedule
from helpers.periods import month_index, quarter_months, quarter_of, shift_quarter
from helpers.schema import MANUFACTURING_DIVISIONS

LEVELS = ("area", "province", "province_dense", "province_other", "nation")
NATION_ID = "KR"

_MANUFACTURING_PREFIXES = [f"{d:02d}" for d in MANUFACTURING_DIVISIONS]
_SUM_COLS = ["workplaces", "employees", "contribution_krw", "gained", "lost", "openings", "closures",
             "manufacturing_employees", "billed_employees"]


def _month_flags(month: pd.DataFrame, ym: str) -> pd.DataFrame:
    """Per-row numeric columns of one monthly snapshot."""
    active = (month["status"] == 1).to_numpy()
    members = month["members"].to_numpy(dtype="int64")
    emp = np.where(active, members, 0)
    contribution = month["contribution_krw"].to_numpy(dtype="int64")
    manu = month["industry_code"].astype("string").str[:2].isin(_MANUFACTURING_PREFIXES).to_numpy(dtype=bool)
    this_month = np.datetime64(ym[:7], "M")

    def in_month(col: str) -> np.ndarray:
        s = month[col]
        if not pd.api.types.is_datetime64_any_dtype(s) or getattr(s.dt, "tz", None) is not None:
            s = pd.to_datetime(s, errors="coerce")
            if s.dt.tz is not None:  # the calendar month where the date was written
                s = s.dt.tz_localize(None)
        # calendar month by truncation, on the plain datetime64 array (NaT never equals a month)
        return s.to_numpy().astype("datetime64[M]") == this_month

    opening = active & (in_month("applied_date") | in_month("reregistered_date"))
    closure = (~active) & in_month("withdrawn_date")
    return pd.DataFrame({
        "workplaces": active.astype("int64"),
        "employees": emp,
        # Payroll of active workplaces only, like W and E (a withdrawn row's stale 고지금액 is not payroll).
        "contribution_krw": np.where(active, contribution, 0),
        # Members of the active workplaces billed this month: a workplace's first month is billed 0 (billing
        # starts the month after), so payroll per member divides by these (alerts), not by all members.
        "billed_employees": np.where(active & (contribution > 0), members, 0),
        "gained": month["gained"].to_numpy(dtype="int64"),
        "lost": month["lost"].to_numpy(dtype="int64"),
        "openings": opening.astype("int64"),
        "closures": closure.astype("int64"),
        "manufacturing_employees": np.where(manu, emp, 0),
        "top_members": emp,
        # A withdrawing workplace reports its last members as 상실가입자수 in its withdrawal row.
        "closure_members": np.where(closure, month["lost"].to_numpy(dtype="int64"), 0),
        "rows": np.ones(len(month), dtype="int64"),  # every row of the file, withdrawn ones included
    }, index=month.index)


def monthly_aggregates(month: pd.DataFrame, ym: str, area_id: pd.Series) -> pd.DataFrame:
    """One monthly snapshot → one row per unit (area, province, province parts, nation).

    The 600,000 rows of a national month are grouped twice, on integer codes (factorized once): by area,
    and by (province, inside or outside the dense areas); provinces and the nation are sums (and maxima)
    of those parts."""
    flags = _month_flags(month, ym)
    in_area = area_id.notna().to_numpy()
    agg = {c: "sum" for c in _SUM_COLS} | {"top_members": "max", "closure_members": "max", "rows": "sum"}

    area_codes, area_names = pd.factorize(area_id[in_area].to_numpy(), sort=True)
    a = flags[in_area].groupby(area_codes).agg(agg)
    a.index = np.asarray(area_names, dtype=object)[a.index.to_numpy()]
    a["level"] = "area"

    sido_codes, sidos = pd.factorize(month["sido_code"].astype(str).to_numpy(), sort=True)
    sidos = np.asarray(sidos, dtype=object)
    # dense before other within a province, as their names sort ("11-dense" < "11-other")
    d = flags.groupby(sido_codes * 2 + (~in_area).astype("int64")).agg(agg)
    key = d.index.to_numpy()
    d_sido = sidos[key // 2]
    d.index = [f"{sd}-{'other' if k % 2 else 'dense'}" for sd, k in zip(d_sido, key, strict=True)]

    p = d.groupby(d_sido).agg(agg)
    p["level"] = "province"
    d["level"] = np.where(key % 2, "province_other", "province_dense")

    n = p.agg(agg).to_frame().T
    n.index = [NATION_ID]
    n["level"] = "nation"
    out = pd.concat([a, p, d, n])
    out.index.name = "unit_id"
    out = out.reset_index()
    out["month"] = ym
    return out


# ---------------------------------------------------------------------------------------------
# Workplace-level change from one month to the next (the large-employer signal of `alerts`).

_KEY_NAME = ["bizno6", "name", "bjd_code"]  # as survey.py: 6 digits of the business number are not unique
_KEY_START = ["bizno6", "bjd_code", "applied_date"]  # a workplace that changed its name


def area_workplaces(month: pd.DataFrame, area_id: pd.Series) -> pd.DataFrame:
    """The active workplaces of one month inside dense areas: members, area and two identity keys
    (hashes of (bizno6, name, bjd_code) and of (bizno6, bjd_code, applied_date)); bjd_code is the current
    code, so a province's code change does not break a workplace's identity. Repeated keys in one month
    (branches of one firm in one dong) count as one workplace."""
    keep = ((month["status"] == 1) & area_id.notna()).to_numpy()
    rows = month.loc[keep]
    if not len(rows):
        return pd.DataFrame({"area_id": pd.Series(dtype=object), "members": pd.Series(dtype="int64"),
                             "key_start": pd.Series(dtype="uint64")}, index=pd.Index([], dtype="uint64", name="key"))
    out = pd.DataFrame({
        "key": pd.util.hash_pandas_object(rows[_KEY_NAME].astype(str), index=False).to_numpy(),
        "key_start": pd.util.hash_pandas_object(rows[_KEY_START].astype(str), index=False).to_numpy(),
        "area_id": area_id[keep].to_numpy(dtype=object),
        "members": rows["members"].to_numpy(dtype="int64"),
    })
    return out.groupby("key", sort=True).agg(area_id=("area_id", "first"), members=("members", "sum"),
                                             key_start=("key_start", "first"))


def largest_drops(before: pd.DataFrame, now: pd.DataFrame, ym: str) -> pd.DataFrame:
    """Per dense area, the workplace active in the previous month (`before`) whose members fell most by
    month `ym` (`now`): `largest_drop_members` (members lost), `largest_drop_before` (its members the month
    before) and `largest_drop_exit` (True when it withdrew or left the file: 0 members now). Areas with no
    falling workplace get 0. Workplaces are paired by (bizno6, name, bjd_code), then the rest by
    (bizno6, bjd_code, applied_date) where that key is unique on both sides (a change of name is not an exit).
    Firm names never leave this function."""
    now_members = before.index.map(now["members"]).to_numpy(dtype="float64", copy=True)
    unmatched = np.isnan(now_members)
    rest_now = now[~now.index.isin(before.index)]
    rest_now = rest_now[~rest_now["key_start"].duplicated(keep=False)]
    if unmatched.any() and len(rest_now):
        starts = before["key_start"]
        unique_before = ~starts.duplicated(keep=False).to_numpy()
        by_start = rest_now.set_index("key_start")["members"]
        second = starts.map(by_start).to_numpy(dtype="float64")
        use = unmatched & unique_before & ~np.isnan(second)
        now_members[use] = second[use]
    now_members = np.nan_to_num(now_members, nan=0.0)
    drop = before["members"].to_numpy(dtype="float64") - now_members
    j = pd.DataFrame({"unit_id": before["area_id"].to_numpy(dtype=object), "drop": drop,
                      "before": before["members"].to_numpy(dtype="float64"), "exit": now_members == 0})
    j = j[j["drop"] > 0].sort_values(["unit_id", "drop", "before"], ascending=[True, False, False], kind="mergesort")
    top = j.groupby("unit_id", sort=True).head(1)
    return pd.DataFrame({"unit_id": top["unit_id"].to_numpy(), "month": ym,
                         "largest_drop_members": top["drop"].to_numpy(), "largest_drop_before": top["before"].to_numpy(),
                         "largest_drop_exit": top["exit"].to_numpy(dtype=bool)})


MONTHLY_DROP_COLUMNS = ["largest_drop_members", "largest_drop_before", "largest_drop_exit"]


def monthly_series(monthly: pd.DataFrame, drops: pd.DataFrame, schedule: PensionSchedule,
                   compared: Iterable[str]) -> pd.DataFrame:
    """The monthly unit aggregates (`monthly_aggregates`, every level) kept for the monthly alerts, with
    `payroll_month` (KRW: contributions / that month's contribution rate, a lower bound) and the largest
    single-workplace drop of each area (`largest_drops`). `compared`: the months whose previous calendar
    month is in the data; elsewhere the drop columns stay empty (no month to compare with)."""
    if not len(monthly):
        return monthly.assign(payroll_month=pd.Series(dtype="float64"))
    m = monthly.copy()
    rates = {ym: schedule.rate(ym) for ym in m["month"].unique()}
    m["payroll_month"] = m["contribution_krw"] / m["month"].map(rates)
    m = m.merge(drops, on=["unit_id", "month"], how="left") if len(drops) else m.assign(
        **{c: np.nan for c in MONTHLY_DROP_COLUMNS})
    comparable = (m["level"] == "area") & m["month"].isin(set(compared))
    for c in ("largest_drop_members", "largest_drop_before"):
        m[c] = m[c].astype("float64").fillna(0).where(comparable)
    m["largest_drop_exit"] = m["largest_drop_exit"].astype("boolean").fillna(False).where(comparable)
    return m.sort_values(["month", "level", "unit_id"], kind="mergesort").reset_index(drop=True)


def _unit_table(reference: pd.DataFrame) -> pd.DataFrame:
    """Every unit that must appear in every quarter, with names (even when it has no workplace)."""
    rows = [
        {"level": "area", "unit_id": r.area_id, "unit_name": r.area_name, "sido_code": r.sido_code,
         "area_type": r.area_type}
        for r in reference.itertuples(index=False)
    ]
    for s, name in codes.SIDO_NAMES.items():
        short = codes.SIDO_SHORT[s]
        rows.append({"level": "province", "unit_id": s, "unit_name": name, "sido_code": s, "area_type": ""})
        rows.append({"level": "province_dense", "unit_id": f"{s}-dense", "unit_name": f"{short} 밀집지역",
                     "sido_code": s, "area_type": ""})
        rows.append({"level": "province_other", "unit_id": f"{s}-other", "unit_name": f"{short} 밀집지역 외",
                     "sido_code": s, "area_type": ""})
    rows.append({"level": "nation", "unit_id": NATION_ID, "unit_name": "전국", "sido_code": "", "area_type": ""})
    return pd.DataFrame(rows)


def _pct_change(now: pd.Series, base: pd.Series) -> pd.Series:
    base = base.where(base > 0)
    return 100.0 * (now / base - 1.0)


def quarterly_indicators(monthly: pd.DataFrame, reference: pd.DataFrame, data_months: Iterable[str],
                         schedule: PensionSchedule, data_breaks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly unit aggregates → the long quarterly indicator table (one row per quarter, level, unit;
    columns `fields.INDICATOR_COLUMNS`).

    `data_months` are the months present in the data; a quarter lacking one of its months is marked
    `complete=False` and its means and sums use only the months present (never filled in).
    `schedule` gives each month's contribution rate; `data_breaks` the breaks found by
    `detect_data_breaks`, which mark the quarters they touch.
    """
    m = _unit_months(monthly, reference, sorted(set(data_months)), schedule)
    q = _quarter_values(m)
    q = _with_changes(q)
    q = _with_gaps(q)
    q["data_break"] = _break_reasons(q, data_breaks)
    order = {lv: i for i, lv in enumerate(LEVELS)}
    q = q.assign(_o=q["level"].map(order)).sort_values(["quarter", "_o", "unit_id"]).drop(columns="_o")
    return q[list(INDICATOR_COLUMNS)].reset_index(drop=True)


_QUARTER_KEYS = ["level", "unit_id", "unit_name", "sido_code", "area_type", "quarter"]


def _unit_months(monthly: pd.DataFrame, reference: pd.DataFrame, data_months: list[str],
                 schedule: PensionSchedule) -> pd.DataFrame:
    """Every unit × every data month (a unit without workplaces that month counts zeros), with the month's
    payroll (contributions over that month's rate), its quarter and the largest workplace's share."""
    grid = _unit_table(reference).merge(pd.DataFrame({"month": data_months}), how="cross")
    m = grid.merge(monthly.drop(columns=["level"]), on=["unit_id", "month"], how="left")
    num = _SUM_COLS + ["top_members", "closure_members"]
    m[num] = m[num].fillna(0)
    m["payroll_month"] = m["contribution_krw"] / m["month"].map({ym: schedule.rate(ym) for ym in data_months})
    m["quarter"] = m["month"].map(quarter_of)
    m["top_share"] = np.where(m["employees"] > 0, m["top_members"] / m["employees"].where(m["employees"] > 0), np.nan)
    return m


def _quarter_values(m: pd.DataFrame) -> pd.DataFrame:
    """Quarter means (stocks), sums (flows, payroll) and shares per unit, and the quarter's largest
    withdrawal with its month."""
    g = m.groupby(_QUARTER_KEYS, sort=False)
    q = g.agg(
        months_present=("month", "nunique"),
        workplaces=("workplaces", "mean"),
        employees=("employees", "mean"),
        payroll_krw=("payroll_month", "sum"),
        gained=("gained", "sum"),
        lost=("lost", "sum"),
        openings=("openings", "sum"),
        closures=("closures", "sum"),
        manufacturing_employees=("manufacturing_employees", "mean"),
        top_employer_share=("top_share", "mean"),
    ).reset_index()
    q["complete"] = q["months_present"] == 3
    # P is a quarter *sum*: with a month missing it would look like a collapse, so it is left empty.
    q["payroll_krw"] = q["payroll_krw"].where(q["complete"])
    emp_months = q["employees"] * q["months_present"]
    q["avg_wage_krw"] = q["payroll_krw"] / emp_months.where(emp_months > 0)
    q["net_hires"] = q["gained"] - q["lost"]
    q["manufacturing_share_pct"] = 100 * q["manufacturing_employees"] / q["employees"].where(q["employees"] > 0)
    q["top_employer_share_pct"] = 100 * q.pop("top_employer_share")
    biggest = m.loc[g["closure_members"].idxmax(), ["unit_id", "quarter", "closure_members", "month"]]
    biggest = biggest.rename(columns={"closure_members": "largest_closure_members", "month": "largest_closure_month"})
    biggest["largest_closure_month"] = biggest["largest_closure_month"].where(biggest["largest_closure_members"] > 0, "")
    return q.merge(biggest, on=["unit_id", "quarter"], how="left")


def _with_changes(q: pd.DataFrame) -> pd.DataFrame:
    """Changes against q−4 (`*_yoy_pct`, with the base quarter's size and completeness) and q−1 (`*_qoq_pct`)."""
    base_cols = ["workplaces", "employees", "payroll_krw", "complete"]
    for lag, tag in ((-4, "yoy"), (-1, "qoq")):
        prev = q[["unit_id", "quarter", *base_cols]].copy()
        prev["quarter"] = prev["quarter"].map(lambda s, lag=lag: shift_quarter(s, -lag))
        prev = prev.rename(columns={c: f"_{c}_prev" for c in base_cols})
        q = q.merge(prev, on=["unit_id", "quarter"], how="left")
        for c in ("workplaces", "employees", "payroll_krw"):
            q[f"{c.removesuffix('_krw')}_{tag}_pct"] = _pct_change(q[c], q[f"_{c}_prev"])
        if tag == "yoy":
            q["workplaces_base"] = q["_workplaces_prev"]
            q["employees_base"] = q["_employees_prev"]
            q["base_complete"] = q["_complete_prev"].astype("boolean").fillna(False).astype(bool)
        q = q.drop(columns=[f"_{c}_prev" for c in base_cols])
    return q


def _with_gaps(q: pd.DataFrame) -> pd.DataFrame:
    """Employees' year-on-year gap (%p) against the unit's province (a province: against the nation) and
    against the nation."""
    prov = q[q["level"] == "province"].set_index(["sido_code", "quarter"])["employees_yoy_pct"]
    nat = q[q["level"] == "nation"].set_index("quarter")["employees_yoy_pct"]
    q["employees_gap_nation_pp"] = q["employees_yoy_pct"] - q["quarter"].map(nat)
    prov_for_row = pd.Series(list(zip(q["sido_code"], q["quarter"]))).map(prov.to_dict()).to_numpy(dtype=float)
    q["employees_gap_pp"] = np.where(q["level"] == "province", q["employees_gap_nation_pp"],
                                     q["employees_yoy_pct"] - prov_for_row)
    q.loc[q["level"] == "nation", "employees_gap_pp"] = np.nan
    return q


# ---------------------------------------------------------------------------------------------
# Data breaks: collapses that come from the data, not the economy.

BREAK_COLUMNS = ["level", "unit_id", "unit_name", "sido_code", "first_month", "last_month", "before", "after",
                 "reason"]


def detect_data_breaks(monthly: pd.DataFrame, reference: pd.DataFrame, limits: dict | None = None) -> pd.DataFrame:
    """Collapses between consecutive months that come from the data, each as one row (`BREAK_COLUMNS`).

    Candidates:
    - a province (all its workplaces, or those matched to its dense areas) whose employees fall by more
      than `province_drop_share` (default 0.5) from one month to the next;
    - a dense area with at least `area_min_employees` (default 30) employees that goes to zero.
    A candidate is a *data* break only when the separations the file records in that unit and month
    (상실가입자수, which a withdrawing workplace reports for its last members) explain less than half of
    the fall: a plant that closes reports its losses, a workplace whose code changed simply vanishes.
    A break lasts from its first month while the level stays below the limit (the province below
    (1 − share) × the level before; the area at zero). Such falls are what a code change missing from
    `params/code_changes.csv` or a broken file produce.
    """
    limits = limits or {}
    share = float(limits.get("province_drop_share", 0.5))
    min_emp = float(limits.get("area_min_employees", 30))
    units = _unit_table(reference).set_index("unit_id")
    watched = monthly[monthly["level"].isin(["province", "province_dense", "area"])]
    wide = watched.pivot_table(index="month", columns="unit_id", values="employees", aggfunc="sum")
    wide = wide.sort_index().fillna(0)  # an area without any workplace in a month has 0 employees
    lost = watched.pivot_table(index="month", columns="unit_id", values="lost", aggfunc="sum")
    lost = lost.reindex(index=wide.index, columns=wide.columns).fillna(0)
    rows = []
    months = list(wide.index)
    for unit in wide.columns:
        if unit not in units.index:
            continue
        level = units.at[unit, "level"]
        e, sep = wide[unit].to_numpy(dtype=float), lost[unit].to_numpy(dtype=float)

        def low(x: float, before: float, level: str = level) -> bool:
            return x == 0 if level == "area" else x < (1 - share) * before

        t = 1
        while t < len(e):
            before = e[t - 1]
            big_enough = before >= min_emp if level == "area" else before > 0
            if not (big_enough and low(e[t], before)) or sep[t] >= 0.5 * (before - e[t]):
                t += 1
                continue
            end = t
            while end + 1 < len(e) and low(e[end + 1], before):
                end += 1
            rows.append(_break_row(units, unit, months, t, end, before, e[t], sep[t]))
            t = end + 1
    return pd.DataFrame(rows, columns=BREAK_COLUMNS)


def detect_odd_months(monthly: pd.DataFrame, reference: pd.DataFrame, limits: dict | None = None) -> pd.DataFrame:
    """Months that disagree with their neighbours, per province (`BREAK_COLUMNS`, level 'province').

    For every province and month, its rows (withdrawn ones included), registered workplaces and members
    are compared with the median of the calendar months around it in the data (up to three on each side,
    itself excluded, so one broken month does not make its neighbours look broken); a difference beyond
    `max_change_share` (default 0.05) in any of them marks the month. Provinces with fewer than
    `min_rows` (default 200) rows are not checked: in so few rows one firm's move is not a file fault. Real files move by well under 1 % a month; a cut-off
    download, rows written with another month, or a file of another region do not."""
    share = float((limits or {}).get("max_change_share", 0.05))
    min_rows = float((limits or {}).get("min_rows", 200))
    units = _unit_table(reference).set_index("unit_id")
    prov = monthly[monthly["level"] == "province"]
    out = []
    labels = {"rows": "파일 행 수", "workplaces": "등록 사업장 수", "employees": "가입자 수"}
    for unit, g in prov.groupby("unit_id"):
        if unit not in units.index:
            continue
        g = g.set_index("month").sort_index()
        months = list(g.index)
        idx = np.array([month_index(m) for m in months])
        # plain arrays: the loops below run for every province and month (pandas indexing there cost seconds)
        values = {col: g[col].to_numpy(dtype="float64") for col in ("rows", *labels)}
        for i, m in enumerate(months):
            near = np.flatnonzero((np.abs(idx - idx[i]) <= 3) & (np.arange(len(months)) != i))
            if not len(near) or _median(values["rows"][near]) < min_rows:
                continue
            worst = None
            for col, label in labels.items():
                ref = _median(values[col][near])
                if ref <= 0:
                    continue
                change = float(values[col][i]) / ref - 1
                if abs(change) > share and (worst is None or abs(change) > abs(worst[1])):
                    worst = (label, change, ref, float(values[col][i]))
            if worst is None:
                continue
            label, change, ref, now = worst
            name = units.at[unit, "unit_name"]
            reason = (f"자료 이상: {m} {name}의 {label}가 앞뒤 달(중앙값) {ref:,.0f} 보다 {abs(change) * 100:.0f}% "
                      f"{'적습니다' if change < 0 else '많습니다'} ({now:,.0f}, 기준 {share * 100:g}%). 잘린 파일이나 다른 달로 "
                      "적힌 행일 수 있습니다")
            out.append({"level": "province", "unit_id": unit, "unit_name": name, "sido_code": units.at[unit, "sido_code"],
                        "first_month": m, "last_month": m, "before": ref, "after": now, "reason": reason})
    return pd.DataFrame(out, columns=BREAK_COLUMNS)


def _median(values: np.ndarray) -> float:
    """Median skipping NaN, like pandas' (NaN when nothing is left)."""
    values = values[~np.isnan(values)]
    return float(np.median(values)) if len(values) else float("nan")


def _break_row(units: pd.DataFrame, unit: str, months: list[str], t: int, end: int, before: float, after: float,
               separations: float) -> dict:
    level, name = units.at[unit, "level"], units.at[unit, "unit_name"]
    what = {"area": "종사자", "province_dense": "배정 종사자", "province": "전체 종사자"}[level]
    reason = (f"자료 연계 이상: {name} {what}가 {months[t - 1]} {before:,.0f}명 → {months[t]} {after:,.0f}명으로 "
              f"한 달 새 {100 * (1 - after / before):.0f}% 줄었는데 그달 파일의 상실가입자는 {separations:,.0f}명뿐입니다"
              + (f" ({months[end]}까지 이어짐)" if end > t else "")
              + ". 경기 변화가 아니라 행정구역 코드 변경 누락이나 파일 이상일 가능성이 큽니다")
    return {"level": level, "unit_id": unit, "unit_name": name, "sido_code": units.at[unit, "sido_code"],
            "first_month": months[t], "last_month": months[end], "before": before, "after": after, "reason": reason}


def _break_reasons(q: pd.DataFrame, breaks: pd.DataFrame | None) -> pd.Series:
    """Per indicator row: the reasons of breaks (of the unit itself, or of its province for areas and
    province parts) overlapping a month of the quarter or of q−4; '' when none."""
    out = pd.Series("", index=q.index, dtype="str")
    if breaks is None or not len(breaks):
        return out
    spans: dict[str, list[tuple[str, str, str]]] = {}
    for b in breaks.itertuples(index=False):
        spans.setdefault(b.unit_id, []).append((b.first_month, b.last_month, b.reason))
        if b.level != "area":  # a province's break touches every unit of the province
            spans.setdefault(f"sido:{b.sido_code}", []).append((b.first_month, b.last_month, b.reason))
    for i, (unit, sido, quarter, level) in enumerate(zip(q["unit_id"], q["sido_code"], q["quarter"], q["level"])):
        if level == "nation":
            continue
        months = quarter_months(quarter) + quarter_months(shift_quarter(quarter, -4))
        found = []
        for first, last, reason in spans.get(unit, []) + spans.get(f"sido:{sido}", []):
            if any(first <= m <= last for m in months) and reason not in found:
                found.append(reason)
        if found:
            out.iat[i] = "; ".join(found)
    return out


def latest_complete_quarter(indicators: pd.DataFrame) -> str | None:
    """The newest quarter whose three months are all in the data."""
    done = indicators.loc[indicators["complete"] & (indicators["level"] == "nation"), "quarter"]
    return max(done) if len(done) else None
