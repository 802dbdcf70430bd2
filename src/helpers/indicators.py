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
- `*_yoy_pct` = X(q)/X(q−4) − 1 and `*_qoq_pct` = X(q)/X(q−1) − 1, in %;
- `employees_gap_pp`: employees_yoy of the unit − that of its whole province (%p); the province's own
  gap is against the nation. `employees_gap_nation_pp` is always against the nation.
- `complete` is False when a month of the quarter is missing from the data: nothing is filled in.
- `data_break`: non-empty (Korean reason) when a month of the quarter or of q−4 falls in a *data break*
  of the unit or its province (`detect_data_breaks`): a collapse that comes from the data (a code
  change missing from the crosswalk, a broken file), not from the economy. Stages then make no call.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import codes
from helpers.areas import AreaMatcher, load_reference, match_report
from helpers.pension import PensionSchedule
from helpers.periods import missing_months, quarter_months, quarter_of, shift_quarter
from helpers.schema import MANUFACTURING_DIVISIONS

LEVELS = ("area", "province", "province_dense", "province_other", "nation")
NATION_ID = "KR"

_MANUFACTURING_PREFIXES = [f"{d:02d}" for d in MANUFACTURING_DIVISIONS]
# Cache columns the panel reads (the rest stay on disk).
PANEL_COLUMNS = ["status", "members", "industry_code", "applied_date", "reregistered_date", "withdrawn_date",
                 "contribution_krw", "gained", "lost", "bjd_code", "road_name", "sido_code"]

_SUM_COLS = ["workplaces", "employees", "contribution_krw", "gained", "lost", "openings", "closures",
             "manufacturing_employees"]


def _month_flags(month: pd.DataFrame, ym: str) -> pd.DataFrame:
    """Per-row numeric columns of one monthly snapshot."""
    active = (month["status"] == 1).to_numpy()
    members = month["members"].to_numpy(dtype="int64")
    emp = np.where(active, members, 0)
    manu = month["industry_code"].astype("string").str[:2].isin(_MANUFACTURING_PREFIXES).to_numpy(dtype=bool)
    y, m = int(ym[:4]), int(ym[5:7])

    def in_month(col: str) -> np.ndarray:
        s = month[col]
        if not pd.api.types.is_datetime64_any_dtype(s):
            s = pd.to_datetime(s, errors="coerce")
        return ((s.dt.year == y) & (s.dt.month == m)).fillna(False).to_numpy(dtype=bool)

    opening = active & (in_month("applied_date") | in_month("reregistered_date"))
    closure = (~active) & in_month("withdrawn_date")
    return pd.DataFrame({
        "workplaces": active.astype("int64"),
        "employees": emp,
        # Payroll of active workplaces only, like W and E (a withdrawn row's stale 고지금액 is not payroll).
        "contribution_krw": np.where(active, month["contribution_krw"].to_numpy(dtype="int64"), 0),
        "gained": month["gained"].to_numpy(dtype="int64"),
        "lost": month["lost"].to_numpy(dtype="int64"),
        "openings": opening.astype("int64"),
        "closures": closure.astype("int64"),
        "manufacturing_employees": np.where(manu, emp, 0),
        "top_members": emp,
    }, index=month.index)


def monthly_aggregates(month: pd.DataFrame, ym: str, area_id: pd.Series) -> pd.DataFrame:
    """One monthly snapshot → one row per unit (area, province, province parts, nation)."""
    flags = _month_flags(month, ym)
    sido = month["sido_code"].astype(str).to_numpy()
    in_area = area_id.notna().to_numpy()
    agg = {c: "sum" for c in _SUM_COLS} | {"top_members": "max"}
    parts = []

    a = flags[in_area].groupby(area_id[in_area].to_numpy()).agg(agg)
    a["level"] = "area"
    parts.append(a)

    p = flags.groupby(sido).agg(agg)
    p["level"] = "province"
    parts.append(p)

    part_key = np.where(in_area, np.char.add(sido.astype(str), "-dense"), np.char.add(sido.astype(str), "-other"))
    d = flags.groupby(part_key).agg(agg)
    d["level"] = np.where(d.index.str.endswith("-dense"), "province_dense", "province_other")
    parts.append(d)

    n = flags.agg(agg).to_frame().T
    n.index = [NATION_ID]
    n["level"] = "nation"
    parts.append(n)

    out = pd.concat(parts)
    out.index.name = "unit_id"
    out = out.reset_index()
    out["month"] = ym
    return out


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


def _default_schedule() -> PensionSchedule:
    from helpers.params import load_params

    return PensionSchedule.from_params(load_params())


def quarterly_indicators(monthly: pd.DataFrame, reference: pd.DataFrame, data_months: Iterable[str],
                         schedule: PensionSchedule | None = None,
                         data_breaks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly unit aggregates → the long quarterly indicator table (one row per quarter, level, unit).

    `data_months` are the months present in the data; a quarter lacking one of its months is marked
    `complete=False` and its means and sums use only the months present (never filled in).
    `schedule` gives each month's contribution rate (default: params); `data_breaks` the breaks found
    by `detect_data_breaks`, which mark the quarters they touch.
    """
    schedule = schedule or _default_schedule()
    data_months = sorted(set(data_months))
    units = _unit_table(reference)
    grid = units.merge(pd.DataFrame({"month": data_months}), how="cross")
    m = grid.merge(monthly.drop(columns=["level"]), on=["unit_id", "month"], how="left")
    num = _SUM_COLS + ["top_members"]
    m[num] = m[num].fillna(0)
    # Payroll month by month: each month's contributions over that month's rate.
    m["payroll_month"] = m["contribution_krw"] / m["month"].map({ym: schedule.rate(ym) for ym in data_months})
    m["quarter"] = m["month"].map(quarter_of)
    m["top_share"] = np.where(m["employees"] > 0, m["top_members"] / m["employees"].where(m["employees"] > 0), np.nan)

    keys = ["level", "unit_id", "unit_name", "sido_code", "area_type", "quarter"]
    g = m.groupby(keys, sort=False)
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

    # Changes against q−4 and q−1, by unit.
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

    prov = q[q["level"] == "province"].set_index(["sido_code", "quarter"])["employees_yoy_pct"]
    nat = q[q["level"] == "nation"].set_index("quarter")["employees_yoy_pct"]
    q["employees_gap_nation_pp"] = q["employees_yoy_pct"] - q["quarter"].map(nat)
    prov_for_row = pd.Series(list(zip(q["sido_code"], q["quarter"]))).map(prov.to_dict()).to_numpy(dtype=float)
    q["employees_gap_pp"] = np.where(q["level"] == "province", q["employees_gap_nation_pp"],
                                     q["employees_yoy_pct"] - prov_for_row)
    q.loc[q["level"] == "nation", "employees_gap_pp"] = np.nan

    q["data_break"] = _break_reasons(q, data_breaks)

    order = {lv: i for i, lv in enumerate(LEVELS)}
    q = q.assign(_o=q["level"].map(order)).sort_values(["quarter", "_o", "unit_id"]).drop(columns="_o")
    cols = ["quarter", "level", "unit_id", "unit_name", "sido_code", "area_type", "months_present", "complete",
            "base_complete", "workplaces", "employees", "payroll_krw", "avg_wage_krw", "gained", "lost",
            "net_hires", "openings", "closures", "manufacturing_employees", "manufacturing_share_pct",
            "top_employer_share_pct", "workplaces_base", "employees_base",
            "workplaces_yoy_pct", "employees_yoy_pct", "payroll_yoy_pct",
            "workplaces_qoq_pct", "employees_qoq_pct", "payroll_qoq_pct",
            "employees_gap_pp", "employees_gap_nation_pp", "data_break"]
    return q[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Data breaks: collapses that come from the data, not the economy.

BREAK_COLUMNS = ["level", "unit_id", "unit_name", "sido_code", "first_month", "last_month", "before", "after",
                 "reason"]


def detect_data_breaks(monthly: pd.DataFrame, reference: pd.DataFrame, limits: dict | None = None) -> pd.DataFrame:
    """Collapses between consecutive months of the data, each as one row (`BREAK_COLUMNS`).

    - a province (all its workplaces, or those matched to its dense areas) whose employees fall by more
      than `province_drop_share` (default 0.5) from one month to the next;
    - a dense area with at least `area_min_employees` (default 30) employees that goes to zero.
    A break lasts from its first month while the level stays below the limit (the province below
    (1 − share) × the level before; the area at zero). Such falls are what a code change missing from
    `params/code_changes.csv` or a broken file produce; an economy does not halve a province in a month.
    """
    limits = limits or {}
    share = float(limits.get("province_drop_share", 0.5))
    min_emp = float(limits.get("area_min_employees", 30))
    units = _unit_table(reference).set_index("unit_id")
    watched = monthly[monthly["level"].isin(["province", "province_dense", "area"])]
    wide = watched.pivot_table(index="month", columns="unit_id", values="employees", aggfunc="sum")
    wide = wide.sort_index().fillna(0)  # an area without any workplace in a month has 0 employees
    rows = []
    months = list(wide.index)
    for unit in wide.columns:
        if unit not in units.index or units.at[unit, "level"] not in ("province", "province_dense", "area"):
            continue
        level = units.at[unit, "level"]
        e = wide[unit].to_numpy(dtype=float)
        t = 1
        while t < len(e):
            before = e[t - 1]
            if level == "area":
                broke = before >= min_emp and e[t] == 0
            else:
                broke = before > 0 and e[t] < (1 - share) * before
            if not broke:
                t += 1
                continue
            end = t
            while end + 1 < len(e) and (e[end + 1] == 0 if level == "area" else e[end + 1] < (1 - share) * before):
                end += 1
            name = units.at[unit, "unit_name"]
            what = "종사자" if level == "area" else ("밀집지역 배정 종사자" if level == "province_dense" else "전체 종사자")
            reason = (f"자료 연계 이상: {name} {what}가 {months[t - 1]} {before:,.0f}명 → {months[t]} {e[t]:,.0f}명으로 "
                      f"한 달 새 {100 * (1 - e[t] / before):.0f}% 줄었습니다"
                      + (f" ({months[end]}까지 이어짐)" if end > t else "")
                      + ". 경기 변화가 아니라 행정구역 코드 변경 누락이나 파일 이상일 가능성이 큽니다")
            rows.append({"level": level, "unit_id": unit, "unit_name": name, "sido_code": units.at[unit, "sido_code"],
                         "first_month": months[t], "last_month": months[end], "before": before, "after": e[t],
                         "reason": reason})
            t = end + 1
    return pd.DataFrame(rows, columns=BREAK_COLUMNS)


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


@dataclass
class Panel:
    """Everything the notebooks need, computed once per data set: indicators and data-quality facts."""

    indicators: pd.DataFrame
    reference: pd.DataFrame
    months: list[str]
    synthetic: bool
    source: str
    match_report: pd.DataFrame = field(default_factory=pd.DataFrame)
    overlaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    missing_months: list[str] = field(default_factory=list)
    data_breaks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BREAK_COLUMNS))

    def warnings(self) -> list[str]:
        """Korean warnings about the data behind the panel: rows with a sido code no province has, data
        breaks, missing months. Shown by `stages`, `run` and the analyst page."""
        out = []
        q = self.quality
        if len(q) and "unknown_sido_rows" in q:
            for r in q[q["unknown_sido_rows"] > 0].to_dict("records"):
                out.append(f"{r['file']}: 현행 시도에 없는 시도코드의 행 {int(r['unknown_sido_rows']):,}개는 어느 시도·밀집지역에도 "
                           "들어가지 않았습니다. 행정구역이 바뀌었다면 params/code_changes.csv 에 한 행을 더하세요.")
        for b in self.data_breaks.itertuples(index=False):
            out.append(f"{b.reason}. 이 기간이 걸린 분기는 판단유보로 둡니다.")
        if self.missing_months:
            out.append(f"빠진 달: {', '.join(self.missing_months)} — 이 달이 걸린 분기는 판단유보로 둡니다.")
        return out

    def save(self, directory: str | Path) -> Path:
        """Write to a folder (Parquet + JSON) so many notebook runs can share one computation."""
        # Written into a sibling folder renamed at the end: a crash never leaves half a panel.
        final = Path(directory)
        d = final.with_name(f".{final.name}.tmp{os.getpid()}")
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        self.indicators.to_parquet(d / "indicators.parquet", index=False)
        ref = self.reference.copy()
        ref["bjd_codes"] = ref["bjd_codes"].map(";".join)
        ref["road_names"] = ref["road_names"].map(";".join)
        ref.to_parquet(d / "reference.parquet", index=False)
        for name in ("match_report", "overlaps", "quality", "data_breaks"):
            getattr(self, name).to_parquet(d / f"{name}.parquet", index=False)
        meta = {"months": self.months, "synthetic": self.synthetic, "source": self.source,
                "missing_months": self.missing_months}
        (d / "panel.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        os.replace(d, final)
        return final

    @classmethod
    def load(cls, directory: str | Path) -> Panel:
        d = Path(directory)
        meta = json.loads((d / "panel.json").read_text(encoding="utf-8"))
        ref = pd.read_parquet(d / "reference.parquet")
        ref["bjd_codes"] = ref["bjd_codes"].map(lambda s: [p for p in s.split(";") if p])
        ref["road_names"] = ref["road_names"].map(lambda s: [p for p in s.split(";") if p])
        return cls(
            indicators=pd.read_parquet(d / "indicators.parquet"), reference=ref, months=meta["months"],
            synthetic=meta["synthetic"], source=meta["source"],
            match_report=pd.read_parquet(d / "match_report.parquet"),
            overlaps=pd.read_parquet(d / "overlaps.parquet"), quality=pd.read_parquet(d / "quality.parquet"),
            missing_months=meta.get("missing_months", []),
            data_breaks=pd.read_parquet(d / "data_breaks.parquet"),
        )


def panel_from_months(months: Iterable[tuple[str, pd.DataFrame]], reference: pd.DataFrame,
                      schedule: PensionSchedule | None = None, synthetic: bool = False, source: str = "",
                      quality: pd.DataFrame | None = None, break_limits: dict | None = None) -> Panel:
    """Build the panel from (YYYY-MM, cached month frame) pairs, one month in memory at a time.

    `schedule` gives the contribution rate of each month, `break_limits` the limits of
    `detect_data_breaks` (params `data_breaks:`); both default to the workspace's params."""
    if break_limits is None:
        from helpers.params import load_params

        break_limits = load_params().get("data_breaks", {})
    matcher = AreaMatcher(reference)
    monthly, present = [], []
    last = None
    for ym, df in months:
        area_id = matcher.match(df["bjd_code"], df["road_name"])
        monthly.append(monthly_aggregates(df, ym, area_id))
        present.append(ym)
        last = (df, area_id)
    present = sorted(present)
    mon = pd.concat(monthly, ignore_index=True) if monthly else pd.DataFrame(columns=["unit_id", "month", "level"])
    breaks = detect_data_breaks(mon, reference, break_limits) if len(mon) else pd.DataFrame(columns=BREAK_COLUMNS)
    ind = quarterly_indicators(mon, reference, present, schedule, breaks)
    overlaps = matcher.overlap_frame()
    rep = match_report(last[0], last[1], reference, overlaps) if last is not None else pd.DataFrame()
    return Panel(indicators=ind, reference=reference, months=present, synthetic=synthetic, source=source,
                 match_report=rep, overlaps=overlaps,
                 quality=quality if quality is not None else pd.DataFrame(),
                 missing_months=missing_months(present), data_breaks=breaks)


def resolve_raw_dir(raw_dir: str | Path | None) -> tuple[Path, bool]:
    """(folder, synthetic): the user's folder; else data/raw/nps when it holds files; else the demo data,
    generated on first use."""
    from helpers import nps

    if raw_dir:
        p = Path(raw_dir)
        if not p.is_dir() or not nps.raw_files(p):
            from helpers.errors import UserError

            raise UserError(f"원자료 폴더 {p} 에 CSV 파일이 없습니다.")
        return p, nps.is_synthetic_dir(p)

    p, synthetic = nps.default_raw_dir()  # the demo folder counts as synthetic even before its marker exists
    if synthetic and not nps.raw_files(p):
        import sys

        from helpers.demo import ensure_demo_data

        print("실제 자료(data/raw/nps)가 없어 합성(가상) 자료를 만듭니다…", file=sys.stderr)
        p = ensure_demo_data(p)
    return Path(p), synthetic


def build_panel(raw_dir: str | Path | None = None, areas: str | Path | None = None,
                quiet: bool = True) -> Panel:
    """Ingest (incrementally) the raw folder and compute the panel — the one entry point notebooks,
    the batch and the `stages` command use."""
    from helpers import nps
    from helpers.params import load_params, resolve_path

    params = load_params()
    raw_dir, synthetic = resolve_raw_dir(raw_dir)
    reference = load_reference(resolve_path(areas, "areas"))
    summary = nps.ingest(raw_dir, nps.cache_dir_for(raw_dir))
    if not quiet:
        print(summary.render())
    cache = nps.cache_dir_for(raw_dir)
    months = nps.available_months(cache)
    pairs = ((m, nps.load_months(cache, [m], columns=PANEL_COLUMNS)) for m in months)
    quality = summary.to_frame()
    quality["sha256"] = [f.sha256 for f in summary.files]
    return panel_from_months(pairs, reference, PensionSchedule.from_params(params), synthetic=synthetic,
                             source=str(raw_dir), quality=quality, break_limits=params.get("data_breaks", {}))
