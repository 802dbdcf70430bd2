"""Survey candidates (실태조사 후보): workplaces in flagged areas with the largest year-on-year loss of members.

The next step of the centers' workflow after the crisis-sign monitoring is a survey of firms in the
areas at 주의 or worse (stage_rank ≥ 1 on the province's scale). This module lists, per flagged area,
the workplaces that lost the most insured members (가입자수) between

- `month_now`: the last month of quarter q (if that month is missing, the latest month of q present), and
- `month_before`: the same month a year earlier (if missing, the latest month of quarter q−4 present).

**Analysts only.** The list names individual workplaces; it is written next to the analyst outputs
and never goes into a council brief (tests assert the brief notebook does not call this module).

Identity across months. Only 6 digits of the business number are published, so a workplace is
matched between the two months by (bizno6, name, bjd_code) — bjd_code after the code crosswalk, so
강원 42→51 or 전북 45→52 do not break it. Rows left unmatched on both sides are then matched by
(bizno6, bjd_code, applied_date), which finds a workplace that changed its name (상호 변경) but kept
its business number prefix, place and 적용일자; a key that is not unique on either side is not used
(an ambiguous pair is never guessed). Repeated identical keys within one month (e.g. branches of the
same firm in one dong) are paired in order of applied_date and address. A workplace of `month_before`
absent from `month_now`'s file counts as 0 members now with status '미수록' (not in the file).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from helpers import codes
from helpers.areas import AreaMatcher
from helpers.errors import UserError
from helpers.panel import Panel
from helpers.periods import quarter_months, shift_quarter
from helpers.stages import flagged

SURVEY_COLUMNS = [
    "sido_code", "area_id", "area_name", "stage", "firm_id", "name", "bizno6", "industry_code", "industry_name",
    "members_before", "members_now", "change", "change_pct", "status_now", "road_address",
    "month_before", "month_now", "matched_by",
]

SURVEY_HEADERS: dict[str, str] = {
    "sido_code": "시도코드", "area_id": "밀집지역코드", "area_name": "밀집지역", "stage": "제안 단계",
    "firm_id": "응답 ID", "name": "사업장명", "bizno6": "사업자등록번호(앞 6자리)", "industry_code": "업종코드", "industry_name": "업종",
    "members_before": "가입자수(전년 같은 달, 명)", "members_now": "가입자수(최근, 명)", "change": "증감(명)",
    "change_pct": "증감률(%)", "status_now": "가입상태(최근)", "road_address": "도로명주소(도로명까지)",
    "month_before": "비교 기준월(전년)", "month_now": "최근 월", "matched_by": "동일 사업장 판별",
    "data_note": "자료 구분",
}

STATUS_LABELS = {1: "등록", 2: "탈퇴"}
NOT_IN_FILE = "미수록"
MATCHED_BY_NAME = "사업장명"

_CACHE_COLUMNS = ["name", "bizno6", "status", "road_address", "road_name", "bjd_code", "sido_code",
                  "industry_code", "industry_name", "applied_date", "members"]
_KEY1 = ["bizno6", "name", "bjd_code"]
_KEY2 = ["bizno6", "bjd_code", "applied_date"]


def _month_minus_year(month: str) -> str:
    return f"{int(month[:4]) - 1}{month[4:]}"


def comparison_months(available: list[str] | set[str], quarter: str) -> tuple[str | None, str | None]:
    """(month_before, month_now) for quarter q: the last month of q (else the latest of q present) and
    the same month a year earlier (else the latest month of q−4 present); None where nothing is present."""
    have = set(available)
    now_cands = [m for m in quarter_months(quarter) if m in have]
    if not now_cands:
        return None, None
    now = now_cands[-1]
    before = _month_minus_year(now)
    if before not in have:
        base = [m for m in quarter_months(shift_quarter(quarter, -4)) if m in have]
        before = base[-1] if base else None
    return before, now


def _occurrence(df: pd.DataFrame, key: list[str]) -> pd.Series:
    """0, 1, … among rows sharing `key`, in a stable order (applied_date, road address, members)."""
    order = df.sort_values(["applied_date", "road_address", "members"], kind="stable", na_position="last")
    return order.groupby(key, dropna=False, sort=False).cumcount().reindex(df.index)


def pair_workplaces(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """Pair the rows of two monthly snapshots that are the same workplace (see the module docstring).

    Returns one row per workplace seen in either month: columns of `before` suffixed `_b`, of `now`
    suffixed `_n` (NA where the workplace is absent that month) and `matched_by`.
    """
    b = before.reset_index(drop=True).copy()
    n = now.reset_index(drop=True).copy()
    b["_occ"] = _occurrence(b, _KEY1)
    n["_occ"] = _occurrence(n, _KEY1)
    b["_i"] = range(len(b))
    n["_i"] = range(len(n))
    first = b[[*_KEY1, "_occ", "_i"]].merge(n[[*_KEY1, "_occ", "_i"]], on=[*_KEY1, "_occ"], suffixes=("_b", "_n"))
    pairs = [first[["_i_b", "_i_n"]].assign(matched_by=MATCHED_BY_NAME)]

    # Renamed workplaces: unmatched on both sides, same bizno6, place and 적용일자, unique on each side.
    rest_b = b[~b["_i"].isin(first["_i_b"]) & b["applied_date"].notna()]
    rest_n = n[~n["_i"].isin(first["_i_n"]) & n["applied_date"].notna()]
    rest_b = rest_b.drop_duplicates(_KEY2, keep=False)
    rest_n = rest_n.drop_duplicates(_KEY2, keep=False)
    second = rest_b[[*_KEY2, "_i", "name"]].merge(rest_n[[*_KEY2, "_i"]], on=_KEY2, suffixes=("_b", "_n"))
    if len(second):
        pairs.append(second[["_i_b", "_i_n"]].assign(
            matched_by="적용일자 (상호 변경, 이전: " + second["name"].astype(str) + ")"))
    matched = pd.concat(pairs, ignore_index=True)
    only_b = b.loc[~b["_i"].isin(matched["_i_b"]), ["_i"]].rename(columns={"_i": "_i_b"})
    only_n = n.loc[~n["_i"].isin(matched["_i_n"]), ["_i"]].rename(columns={"_i": "_i_n"})
    allp = pd.concat([matched, only_b.assign(matched_by=""), only_n.assign(matched_by="")], ignore_index=True)

    cols = [c for c in before.columns]
    left = b[cols].add_suffix("_b").reindex(allp["_i_b"].to_numpy()).reset_index(drop=True)
    right = n[[c for c in now.columns]].add_suffix("_n").reindex(allp["_i_n"].to_numpy()).reset_index(drop=True)
    return pd.concat([left, right, allp[["matched_by"]].reset_index(drop=True)], axis=1)


class ComparisonMonths(Mapping):
    """The two comparison months of a quarter ({YYYY-MM: cached month frame, every province}) for
    `survey_candidates(monthly=…)`, each read from the raw folder's cache once, on first use, whichever
    thread asks first; the batch shares one between its province workers instead of reading both months
    for every province. The keys are the months `comparison_months` picks from the panel's months, so
    the candidates are the same as without it."""

    def __init__(self, panel: Panel, quarter: str, cache_dir: str | Path | None = None):
        import threading

        self.panel, self.cache_dir = panel, cache_dir
        self.months = [m for m in comparison_months(panel.months, quarter) if m]
        self._frames: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()

    def __getitem__(self, month: str) -> pd.DataFrame:
        if month not in self.months:
            raise KeyError(month)
        with self._lock:
            if month not in self._frames:
                self._frames[month] = _load_month(self.panel, month, None, None, self.cache_dir)
            return self._frames[month]

    def __iter__(self):
        return iter(self.months)

    def __len__(self) -> int:
        return len(self.months)


def _load_month(panel: Panel, month: str, sidos: list[str] | None, monthly: Mapping[str, pd.DataFrame] | None,
                cache_dir: str | Path | None) -> pd.DataFrame:
    """The month's cached rows of `sidos` (None: every province), in cache order."""
    if monthly is not None:
        df = monthly[month]
    else:
        from helpers import nps

        if cache_dir is None:
            if not panel.source:
                raise UserError("지표 자료에 원자료 폴더 정보가 없어 사업장 목록을 만들 수 없습니다. "
                                "raw_dir 을 지정해 지표를 다시 계산하세요.")
            cache_dir = nps.cache_dir_for(panel.source)
        df = nps.load_months(cache_dir, [month], columns=_CACHE_COLUMNS)
    if sidos is not None:
        df = df[df["sido_code"].astype(str).isin(sidos)]
    return df[[c for c in _CACHE_COLUMNS if c in df.columns]].reset_index(drop=True)


def survey_candidates(panel: Panel, stages: pd.DataFrame, quarter: str, sido_code: str | None = None,
                      per_area: int = 20, *, monthly: Mapping[str, pd.DataFrame] | None = None,
                      cache_dir: str | Path | None = None) -> pd.DataFrame:
    """Workplaces in areas at stage_rank ≥ 1 in `stages` (주의/심각 on the default scale) with the largest
    year-on-year loss of insured members, at most `per_area` per area, sorted by area then biggest loss.
    `firm_id` ('<area_id>-<nn>', nn the rank in the area from 01) identifies a candidate in the quarter's
    survey form and its responses (`helpers.fieldsurvey`).

    Members are the 가입자수 of an active (등록) row, 0 for a withdrawn or absent one; `change` in persons,
    `change_pct` in % of `members_before`. Only losses (change < 0) are listed. Months are read from the
    raw folder's cache (`panel.source`), or from `monthly` ({YYYY-MM: cached month frame}) when given.
    The frame's `attrs` carry quarter, sido_code, months and `synthetic` for the export.
    """
    st = stages[flagged(stages)]
    if sido_code is not None:
        st = st[st["sido_code"].astype(str) == str(sido_code)]
    available = list(monthly) if monthly is not None else list(panel.months)
    before_m, now_m = comparison_months(available, quarter)
    out = pd.DataFrame({c: pd.Series(dtype="object") for c in SURVEY_COLUMNS})
    if len(st) and before_m and now_m:
        sidos = sorted(st["sido_code"].astype(str).unique())
        before = _load_month(panel, before_m, sidos, monthly, cache_dir)
        now = _load_month(panel, now_m, sidos, monthly, cache_dir)
        out = _candidates(panel, st, before, now, before_m, now_m, per_area)
    out.attrs.update({"quarter": quarter, "sido_code": sido_code, "month_before": before_m, "month_now": now_m,
                      "synthetic": bool(panel.synthetic), "areas": len(st)})
    return out


def _candidates(panel: Panel, st: pd.DataFrame, before: pd.DataFrame, now: pd.DataFrame, before_m: str,
                now_m: str, per_area: int) -> pd.DataFrame:
    p = pair_workplaces(before, now)
    matcher = AreaMatcher(panel.reference)
    area_b = matcher.match(p["bjd_code_b"], p["road_name_b"])
    area_n = matcher.match(p["bjd_code_n"], p["road_name_n"])
    # Where the workplace is now; where it was, when it left the file.
    p["area_id"] = area_n.where(p["bjd_code_n"].notna(), area_b).to_numpy()
    info = st.set_index("area_id")
    p = p[p["area_id"].isin(info.index)].copy()

    def active_members(side: str) -> pd.Series:
        m = pd.to_numeric(p[f"members_{side}"], errors="coerce").fillna(0).astype("int64")
        return m.where(pd.to_numeric(p[f"status_{side}"], errors="coerce") == 1, 0)

    p["members_before"] = active_members("b")
    p["members_now"] = active_members("n")
    p["change"] = p["members_now"] - p["members_before"]
    p = p[p["change"] < 0]
    p["change_pct"] = (100.0 * p["change"] / p["members_before"]).round(1)
    present_now = p["bjd_code_n"].notna()

    def latest(col: str) -> pd.Series:
        return p[f"{col}_n"].astype("object").where(present_now, p[f"{col}_b"].astype("object"))

    res = pd.DataFrame({
        "sido_code": p["area_id"].map(info["sido_code"]).astype(str),
        "area_id": p["area_id"].astype(str),
        "area_name": p["area_id"].map(info["area_name"]),
        "stage": p["area_id"].map(info["stage"]),
        "name": latest("name"),
        "bizno6": latest("bizno6").astype(str).str.zfill(6),
        "industry_code": latest("industry_code").astype(str),
        "industry_name": latest("industry_name").astype(str),
        "members_before": p["members_before"],
        "members_now": p["members_now"],
        "change": p["change"],
        "change_pct": p["change_pct"],
        "status_now": pd.to_numeric(p["status_n"], errors="coerce").map(STATUS_LABELS).fillna(NOT_IN_FILE),
        "road_address": latest("road_address"),
        "month_before": before_m,
        "month_now": now_m,
        "matched_by": p["matched_by"].replace("", "이전 달에만 있음"),
    })
    res = res.sort_values(["area_id", "change", "change_pct", "name"], kind="stable")
    res = res.groupby("area_id", sort=False).head(per_area)
    res["firm_id"] = res["area_id"] + "-" + (res.groupby("area_id").cumcount() + 1).astype(str).str.zfill(2)
    return res[SURVEY_COLUMNS].reset_index(drop=True)


def survey_title(df: pd.DataFrame, synthetic: bool) -> str:
    """The XLSX title row: what the list is, that it is for analysts only, and the synthetic notice."""
    q = df.attrs.get("quarter") or ""
    s = df.attrs.get("sido_code")
    where = codes.SIDO_NAMES.get(str(s), "") if s else "전국"
    months = ""
    if df.attrs.get("month_before") and df.attrs.get("month_now"):
        months = f", {df.attrs['month_before']} → {df.attrs['month_now']}"
    title = (f"실태조사 후보 사업장 ({where} {q}{months}) — 분석가 전용 · 협의회 브리프에 싣지 않음 "
             "(사업장 식별정보 포함)")
    if synthetic:
        title += " · ⚠ 합성(가상) 자료: 실제 사업장이 아님"
    return title


def write_survey_candidates(df: pd.DataFrame, directory: str | Path, *,
                            synthetic: bool | None = None) -> tuple[Path, Path]:
    """Write `survey_candidates.csv` (UTF-8 with BOM, Korean headers) and `survey_candidates.xlsx`
    (formatted, Korean headers, a title row saying it is for analysts only) into `directory`,
    atomically. When the data are synthetic (`synthetic`, default `df.attrs['synthetic']`), the XLSX
    title says so and the CSV gets a column '자료 구분' = '합성(가상) 자료' on every row."""
    from helpers.export import write_csv_bom, write_xlsx

    synthetic = bool(df.attrs.get("synthetic", False)) if synthetic is None else bool(synthetic)
    d = Path(directory)
    table = df[[c for c in SURVEY_COLUMNS if c in df.columns]].copy()
    for c in ("members_before", "members_now", "change"):
        if c in table:
            table[c] = pd.to_numeric(table[c], errors="coerce").astype("Int64")
    if "change_pct" in table:
        table["change_pct"] = pd.to_numeric(table["change_pct"], errors="coerce")
    csv_table = table.assign(data_note="합성(가상) 자료") if synthetic else table
    csv_path = write_csv_bom(csv_table, d / "survey_candidates.csv", headers=SURVEY_HEADERS)
    xlsx_path = write_xlsx(table, d / "survey_candidates.xlsx", headers=SURVEY_HEADERS, sheet="실태조사 후보",
                           title=survey_title(df, synthetic))
    return csv_path, xlsx_path
