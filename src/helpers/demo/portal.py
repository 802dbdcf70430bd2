"""A month of the world as the portal printed it: the 22 columns of `schema.NPS_COLUMNS`, with the codes and
province names a file of that month carried (`codes.code_as_of`), minimal CSV quoting and CRLF line ends.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from helpers import codes
from helpers.demo.places import Places
from helpers.demo.tables import IND_CODE, IND_NAME
from helpers.demo.world import World
from helpers.schema import NPS_COLUMNS

_SMALL = np.array([str(i) for i in range(10_000)], dtype=object)  # str of small counts, looked up


def _ints(x: np.ndarray) -> list[str]:
    """Integers as decimal strings (small ones looked up: several times faster than str() per value)."""
    x = np.asarray(x)
    if len(x) and 0 <= x.min() and x.max() < len(_SMALL):
        return _SMALL[x].tolist()
    return list(map(str, x.tolist()))


def _quote(x: str) -> str:
    return '"' + x.replace('"', '""') + '"'


def _era_columns(pl: Places, month: str) -> dict[str, np.ndarray]:
    """Codes and address texts of every place as a file of `month` printed them."""
    sgg5 = pd.Series(pl.code10).str[:5]
    pub5 = {s: codes.code_as_of(s, month) for s in sgg5.unique()}
    p5 = sgg5.map(pub5)
    bjd = p5 + pd.Series(pl.code10).str[5:]
    admin = p5 + pd.Series(pl.admin10).str[5:]
    sido_name = p5.str[:2].map(codes.crosswalk().names_ever())  # the province name a file of `month` printed
    lot = sido_name + " " + pd.Series(pl.lot_rest)
    road = sido_name + " " + pd.Series(pl.road_rest)
    out = {"bjd": bjd, "admin": admin, "sido": bjd.str[:2], "sgg": bjd.str[2:5], "emd": bjd.str[5:8],
           "lot": lot, "road": road}
    # columns 우편번호 … 읍면동코드 pre-joined per place (no field here ever needs CSV quoting)
    out["seg"] = (pd.Series(pl.postcode) + "," + lot + "," + road + "," + bjd + "," + admin + "," + out["sido"]
                  + "," + out["sgg"] + "," + out["emd"])
    return {k: v.to_numpy(dtype=object) for k, v in out.items()}


class PortalPrinter:
    """Prints the months of `world`; the place columns of each code era are computed once."""

    def __init__(self, world: World):
        self.world = world
        self._eras: dict[tuple[bool, ...], dict[str, np.ndarray]] = {}
        self._ind_seg: np.ndarray | None = None

    def era(self, t: int) -> dict[str, np.ndarray]:
        """`_era_columns` of month `t`, shared by all months that show the same code changes."""
        month = self.world.months[t]
        key = tuple(month >= ch.effective for ch in codes.changes())  # which code changes a file of `month` shows
        if key not in self._eras:
            self._eras[key] = _era_columns(self.world.pl, month)
        return self._eras[key]

    def frame(self, t: int) -> pd.DataFrame:
        """Month `t` as the portal's table (22 columns, one row per workplace, before quirks)."""
        w = self.world
        c, pl, ec = w.cols, w.pl, self.era(t)
        p, ind = c["place"], c["ind"]
        cols = [np.full(len(p), w.months[t], dtype=object), w.names_at(t), c["bizno"], c["status"],
                pl.postcode[p], ec["lot"][p], ec["road"][p], ec["bjd"][p], ec["admin"][p], ec["sido"][p],
                ec["sgg"][p], ec["emd"][p], c["form"], IND_CODE[ind], IND_NAME[ind], c["applied"],
                c["rereg"], c["withdrawn"], c["members"], c["contrib"], c["gained"], c["lost"]]
        return pd.DataFrame({k: pd.Series(v, dtype=object if v.dtype == object else v.dtype, copy=True)
                             for k, v in zip(NPS_COLUMNS, cols)})

    def text(self, t: int, names: np.ndarray, order: np.ndarray, cols: dict[str, np.ndarray] | None = None) -> str:
        """CSV text of month `t` (rows in `order`, names as given): what csv.QUOTE_MINIMAL with CRLF writes
        for `frame(t)`, built from pre-joined segments because per-field writing dominates the run time.
        `cols`: the rows to print when not the world's own (the world with its planted areas replaced)."""
        w = self.world
        c, ec = (w.cols if cols is None else cols), self.era(t)
        name_q = names.tolist()
        for i in np.flatnonzero(pd.Series(names).str.contains('[,"\r\n]', regex=True).to_numpy(dtype=bool)):
            name_q[i] = _quote(name_q[i])
        num = [_ints(c[k]) for k in ("status", "members", "contrib", "gained", "lost")]
        # plain lists of str: joining numpy string scalars is several times slower
        parts = [itertools.repeat(w.months[t]), name_q, c["bizno"].tolist(), num[0],
                 ec["seg"][c["place"]].tolist(), self._industry_segments()[c["form"], c["ind"]].tolist(),
                 c["applied"].tolist(), c["rereg"].tolist(), c["withdrawn"].tolist(), *num[1:]]
        rows = np.array(list(map(",".join, zip(*parts))), dtype=object)
        return ",".join(NPS_COLUMNS) + "\r\n" + "\r\n".join(rows[order].tolist()) + "\r\n"

    def _industry_segments(self) -> np.ndarray:
        """Columns 사업장형태구분코드, 사업장업종코드, 사업장업종코드명 pre-joined per (form, industry)."""
        if self._ind_seg is None:
            q = [_quote(x) if ("," in x or '"' in x) else x for x in IND_NAME]
            self._ind_seg = np.array([[f"{f},{code},{nm}" for code, nm in zip(IND_CODE, q)] for f in range(3)],
                                     dtype=object)
        return self._ind_seg
