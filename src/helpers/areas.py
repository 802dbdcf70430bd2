"""SME-dense areas (중소기업 밀집지역): the reference table and workplace → area matching.

Reference contract (`data/reference/dense_areas.csv`, UTF-8), one row per area:
`area_id, area_name, area_type, sido_code, sigungu_code, bjd_codes, road_names, lat, lon`.
A workplace belongs to an area when its current 10-digit legal-dong code starts with one of the
area's prefixes and, where `road_names` is given, its road name is in the list. The longest prefix
wins; among equally long prefixes an area with a road-name filter wins over one without, then the
smaller `area_id`. Every workplace claimed by more than one area (nested or equal prefixes) is
reported with the area chosen and the others.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import codes
from helpers.errors import UserError

REFERENCE_COLUMNS = (
    "area_id", "area_name", "area_type", "sido_code", "sigungu_code", "bjd_codes", "road_names", "lat", "lon",
)
REQUIRED_COLUMNS = ("area_id", "area_name", "area_type", "sido_code", "bjd_codes")


class ReferenceWarning(UserWarning):
    """A reference row was usable but changed (e.g. an old code mapped forward)."""


def _split_list(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [p.strip() for p in str(value).split(";") if p.strip()]


def load_reference(path: str | Path) -> pd.DataFrame:
    """Read and validate the dense-area reference.

    Returns one row per area with `bjd_codes` and `road_names` as lists of strings (codes mapped to
    current codes) and `lat`, `lon` as floats (NaN when absent). Raises `UserError` (Korean, naming the
    file and the line) on a duplicate `area_id`, a prefix that is not 8 or 10 digits, a code that no
    boundary data know, or a `sido_code` that disagrees with the prefixes. Old codes (강원 42, 전북 45,
    군위 47720, …) are mapped forward with a `ReferenceWarning`.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"밀집지역 기준표 {path} 이(가) 없습니다.")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(f"밀집지역 기준표 {path} 는 UTF-8 이어야 합니다 ({e}).") from e
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise UserError(f"밀집지역 기준표 {path} 에 필요한 열이 없습니다: {', '.join(missing)}")
    for c in REFERENCE_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    df = df[list(REFERENCE_COLUMNS)].copy()
    for c in df.columns:
        df[c] = df[c].astype(str).str.strip()

    rows, errors = [], []
    seen: dict[str, int] = {}
    # The crosswalk and the known codes once for all rows (2,185 rows × a lookup that checks params/ files
    # cost seconds).
    cw, known = codes.crosswalk(), codes.known_code_prefixes()
    for i, rec in enumerate(df.to_dict("records")):
        line = i + 2  # header is line 1
        where = f"{path.name} {line}행 (area_id={rec['area_id'] or '없음'})"
        try:
            rows.append(_reference_row(rec, where, line, seen, cw, known))
        except UserError as e:
            errors.append(str(e))
    if errors:  # every bad row at once: a reference of 2,185 areas is fixed in one pass
        shown = errors[:50] + ([f"… 외 {len(errors) - 50}개"] if len(errors) > 50 else [])
        raise UserError(f"밀집지역 기준표 {path.name} 에 고칠 곳이 {len(errors)}개 있습니다:\n"
                        + "\n".join(f"  - {e}" for e in shown))
    out = pd.DataFrame(rows, columns=list(REFERENCE_COLUMNS))
    return out.sort_values("area_id", kind="stable").reset_index(drop=True)


def _reference_row(rec: dict, where: str, line: int, seen: dict[str, int], cw: codes.Crosswalk,
                   known: frozenset[str]) -> dict:
    """One validated reference row (codes moved forward with `cw`, checked against the `known` boundary
    codes), or a Korean UserError naming the row."""
    aid = rec["area_id"]
    if not aid:
        raise UserError(f"{where}: area_id 가 비어 있습니다.")
    if aid in seen:
        raise UserError(f"{where}: area_id '{aid}' 가 {seen[aid]}행과 중복됩니다.")
    seen[aid] = line
    if not rec["area_name"]:
        raise UserError(f"{where}: area_name 이 비어 있습니다.")
    prefixes = _split_list(rec["bjd_codes"])
    if not prefixes:
        raise UserError(f"{where}: bjd_codes 가 비어 있습니다 (8자리 또는 10자리 법정동코드를 ;로 구분).")
    current = []
    for p in prefixes:
        if not (p.isdigit() and len(p) in (8, 10)):
            raise UserError(f"{where}: 법정동코드 '{p}' 는 8자리 또는 10자리 숫자여야 합니다.")
        new = cw.to_current(p)
        if new != p:
            warnings.warn(f"{where}: 옛 법정동코드 {p} 를 현행 코드 {new} 로 바꿔 적용합니다.",
                          ReferenceWarning, stacklevel=2)
        if not codes.is_known_code(new, known):
            raise UserError(f"{where}: 법정동코드 '{p}' 는 어떤 경계 자료에도 없는 코드입니다.")
        current.append(new)
    sido = cw.to_current(rec["sido_code"]) if rec["sido_code"] else current[0][:2]
    if sido != rec["sido_code"] and rec["sido_code"]:
        warnings.warn(f"{where}: 옛 시도코드 {rec['sido_code']} 를 {sido} 로 바꿔 적용합니다.",
                      ReferenceWarning, stacklevel=2)
    if sido not in cw.current:
        raise UserError(f"{where}: 시도코드 '{rec['sido_code']}' 를 알 수 없습니다.")
    wrong = [p for p in current if p[:2] != sido]
    if wrong:
        raise UserError(f"{where}: 시도코드 {sido} 와 법정동코드 {', '.join(wrong)} 의 시도가 다릅니다.")
    sigungu = cw.to_current(rec["sigungu_code"]) if rec["sigungu_code"] else current[0][:5]
    lat = pd.to_numeric(rec["lat"], errors="coerce") if rec["lat"] else np.nan
    lon = pd.to_numeric(rec["lon"], errors="coerce") if rec["lon"] else np.nan
    if (rec["lat"] and not 32 <= lat <= 39.5) or (rec["lon"] and not 124 <= lon <= 132):
        raise UserError(f"{where}: 좌표 lat='{rec['lat']}', lon='{rec['lon']}' 는 한국 안의 위도·경도 숫자여야 합니다 "
                        "(예: 35.19, 126.80). 모르면 비워 두세요.")
    return {
        "area_id": aid,
        "area_name": rec["area_name"],
        "area_type": rec["area_type"],
        "sido_code": sido,
        "sigungu_code": sigungu,
        "bjd_codes": current,
        "road_names": _split_list(rec["road_names"]),
        "lat": float(lat),
        "lon": float(lon),
    }


@dataclass
class MatchResult:
    """Area of every workplace row (`area_id`, NA outside dense areas) and what happened on the way."""

    area_id: pd.Series
    overlaps: pd.DataFrame = field(default_factory=pd.DataFrame)  # bjd_code, road_name, chosen, others


class AreaMatcher:
    """Longest-prefix matcher built once per reference; matches unique (code, road) pairs and caches them."""

    def __init__(self, reference: pd.DataFrame):
        self.reference = reference
        self._by_prefix: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for rec in reference.itertuples(index=False):
            roads = frozenset(rec.road_names)
            for p in rec.bjd_codes:
                self._by_prefix.setdefault(p, []).append((rec.area_id, roads))
        self._lengths = sorted({len(p) for p in self._by_prefix}, reverse=True)
        self._cache: dict[tuple[str, str], str | None] = {}
        self.overlaps: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}

    def match_one(self, bjd_code: str, road_name: str) -> str | None:
        key = (bjd_code, road_name)
        if key in self._cache:
            return self._cache[key]
        chosen = None
        if isinstance(bjd_code, str):
            claims = []  # every area claiming the workplace, most specific first
            for n in self._lengths:
                cands = [
                    (aid, bool(roads)) for aid, roads in self._by_prefix.get(bjd_code[:n], ())
                    if not roads or road_name in roads
                ]
                # Road-filtered areas are more specific than unfiltered ones at the same prefix length.
                claims += [c[0] for c in sorted(cands, key=lambda c: (not c[1], c[0]))]
            if claims:
                chosen = claims[0]
                if len(claims) > 1:
                    self.overlaps[key] = (chosen, tuple(claims[1:]))
        self._cache[key] = chosen
        return chosen

    def match(self, bjd_code: pd.Series, road_name: pd.Series) -> pd.Series:
        """Area id per row (pandas string dtype, NA outside every dense area)."""
        # Unique (code, road) pairs as integer keys (factorized once each), matched one by one, spread back.
        b_codes, b_uniq = pd.factorize(bjd_code.astype("string"))  # NA → -1
        r_codes, r_uniq = pd.factorize(road_name.astype("string").fillna(""))
        key = b_codes.astype("int64") * (len(r_uniq) + 1) + r_codes.astype("int64")
        ukey, inverse = np.unique(key, return_inverse=True)
        b_list, r_list = np.asarray(b_uniq, dtype=object), np.asarray(r_uniq, dtype=object)
        width = len(r_uniq) + 1
        ids = pd.array([None if k < 0 else self.match_one(b_list[k // width], r_list[k % width])
                        for k in ukey.tolist()], dtype="string")
        return pd.Series(ids.take(inverse.reshape(-1)), index=bjd_code.index)

    def overlap_frame(self) -> pd.DataFrame:
        rows = [
            {"bjd_code": b, "road_name": r, "chosen_area_id": c, "other_area_ids": ";".join(o)}
            for (b, r), (c, o) in sorted(self.overlaps.items())
        ]
        return pd.DataFrame(rows, columns=["bjd_code", "road_name", "chosen_area_id", "other_area_ids"])


def match_areas(workplaces: pd.DataFrame, reference: pd.DataFrame) -> MatchResult:
    """Assign each workplace row (cache columns `bjd_code`, `road_name`) to a dense area."""
    m = AreaMatcher(reference)
    ids = m.match(workplaces["bjd_code"], workplaces["road_name"])
    return MatchResult(area_id=ids, overlaps=m.overlap_frame())


def match_report(month: pd.DataFrame, area_id: pd.Series, reference: pd.DataFrame,
                 overlaps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-province matching report for one monthly snapshot (active workplaces only).

    Columns: sido_code, workplaces, employees, dense_workplaces, dense_employees, dense_workplace_share_pct,
    dense_employee_share_pct, areas, areas_without_match (';'-joined ids), overlap_pairs (count of
    code/road pairs claimed by more than one area).
    """
    active = month["status"] == 1
    df = pd.DataFrame({
        "sido_code": month.loc[active, "sido_code"].astype(str),
        "members": month.loc[active, "members"].astype("int64"),
        "area_id": area_id[active],
    })
    df["in_area"] = df["area_id"].notna()
    g = df.groupby("sido_code")
    rep = pd.DataFrame({
        "workplaces": g.size(),
        "employees": g["members"].sum(),
        "dense_workplaces": g["in_area"].sum(),
        "dense_employees": df[df["in_area"]].groupby("sido_code")["members"].sum(),
    }).fillna(0)
    rep = rep.reindex(sorted(set(rep.index) | set(reference["sido_code"])), fill_value=0)
    rep["dense_workplace_share_pct"] = 100 * rep["dense_workplaces"] / rep["workplaces"].where(rep["workplaces"] > 0)
    rep["dense_employee_share_pct"] = 100 * rep["dense_employees"] / rep["employees"].where(rep["employees"] > 0)
    matched = set(df["area_id"].dropna())
    per_sido = reference.groupby("sido_code")["area_id"].apply(list)
    rep["areas"] = [len(per_sido.get(s, [])) for s in rep.index]
    rep["areas_without_match"] = [";".join(a for a in per_sido.get(s, []) if a not in matched) for s in rep.index]
    ov = overlaps if overlaps is not None else pd.DataFrame(columns=["bjd_code"])
    ov_sido = ov["bjd_code"].astype(str).str[:2].value_counts() if len(ov) else pd.Series(dtype=int)
    rep["overlap_pairs"] = [int(ov_sido.get(s, 0)) for s in rep.index]
    rep.index.name = "sido_code"
    return rep.reset_index()
