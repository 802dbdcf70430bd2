"""Charts that set the province's areas side by side: the areas × quarters heatmap of year-on-year
change and the employees-vs-payroll quadrant with the stage thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.charts.labels import marker_boxes, place_labels
from helpers.charts.theme import (
    NO_CALL,
    STAGE_COLORS,
    _new_ax,
    _no_data,
    _note_below,
    _scale_for,
    stage_markers,
    stage_palette,
)
from helpers.codes import SIDO_SHORT
from helpers.fmt import fmt_pct, signed
from helpers.periods import quarter_tick, quarter_window

# The heatmap's geometry, fixed so that it reads the same for 6 or 300 areas (issue 11): rows of
# 0.32 in (35 px at 110 dpi), cells 0.8 in wide, numbers at 9 pt, names at 9 pt written horizontally.
HEATMAP_ROW_IN = 0.32
HEATMAP_COL_IN = 0.8
HEATMAP_FONT_PT = 9.0
_NAME_CHARS = 18  # longer names are shortened with '…' (the full list is in the appendix and the Excel file)


def yoy_heatmap(indicators: pd.DataFrame, sido_code: str, quarters: int = 8, ax=None, *,
                quarter: str | None = None, value: str = "employees_yoy_pct", max_rows: int | None = 30,
                stages: pd.DataFrame | None = None, label_from_rank: int = 1, limit_pct: float | None = None):
    """Areas × quarters of `value` (default employees year-on-year %), diverging colours centred at
    0 (red = decline, blue = growth), each cell annotated with its signed value.

    At most `max_rows` rows (None: all): the worst by the last quarter's value first; with `stages`
    (the stage table of that quarter) the areas at 주의 or worse (stage_rank ≥ `label_from_rank`) come
    first, most severe first. A note under the chart says how many areas were left out.
    Without `ax`, makes its own figure sized for the rows drawn (`HEATMAP_ROW_IN` per row, so the
    names and numbers stay readable at any number of areas); returns the Axes.
    """
    import seaborn as sns

    sido_code = str(sido_code)
    grid, names, window = _heatmap_grid(indicators, sido_code, quarters, quarter, value)
    n_all = len(grid)
    grid = _worst_rows(grid, window, stages, label_from_rank).head(max_rows or None)
    labels = _row_labels(grid.index, names)
    if ax is None:
        ax = _new_ax(None, _heatmap_size(len(grid), len(window), labels, bool(max_rows) and len(grid) < n_all))
    else:
        ax = _new_ax(ax, (0, 0))
    if grid.empty:
        return _no_data(ax)
    vals = grid.to_numpy(dtype=float)
    finite = np.abs(vals[np.isfinite(vals)])
    lim = limit_pct or max(5.0, float(np.nanpercentile(finite, 95)) if finite.size else 5.0)
    annot = np.vectorize(signed, otypes=[object])(vals)
    ax.set_facecolor("#E9E9E9")
    sns.heatmap(pd.DataFrame(vals, index=labels, columns=[quarter_tick(q) for q in window]), ax=ax,
                cmap="RdBu", center=0, vmin=-lim, vmax=lim, annot=annot, fmt="", xticklabels=True, yticklabels=True,
                annot_kws={"fontsize": HEATMAP_FONT_PT}, linewidths=0.6, linecolor="white",
                cbar_kws={"label": "전년동기 대비 (%)", "shrink": min(1.0, 6 / max(len(grid), 1) + 0.3)})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=HEATMAP_FONT_PT, rotation=0, length=0)
    ax.tick_params(axis="x", labelsize=HEATMAP_FONT_PT - 0.5, rotation=0, length=0)
    label = "종사자수 전년동기 대비 증감률 (%)" if value == "employees_yoy_pct" else value
    ax.set_title(f"{SIDO_SHORT.get(sido_code, sido_code)} 밀집지역별 {label}", loc="left", fontsize=11,
                 fontweight="bold")
    if len(grid) < n_all:
        _note_below(ax, _left_out_note(len(grid), n_all, value, stages is not None), fontsize=8.5)
    return ax


def _heatmap_grid(indicators: pd.DataFrame, sido_code: str, quarters: int, quarter: str | None, value: str):
    """The areas × quarters grid of `value`, the area names and the quarters (leading quarters without
    any value, i.e. before a year-on-year change is possible, dropped)."""
    window = quarter_window(indicators["quarter"], quarters, quarter)
    a = indicators[(indicators["level"] == "area") & (indicators["sido_code"] == sido_code)
                   & indicators["quarter"].isin(window)]
    names = a.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]
    grid = a.pivot_table(index="unit_id", columns="quarter", values=value, aggfunc="first", dropna=False)
    grid = grid.reindex(columns=window)
    have = [q for q in window if grid[q].notna().any()] if len(grid) else window
    if have and len(have) < len(window):
        window = window[window.index(have[0]):]
        grid = grid[window]
    return grid, names, window


def _worst_rows(grid: pd.DataFrame, window: list[str], stages: pd.DataFrame | None,
                label_from_rank: int) -> pd.DataFrame:
    """Rows ordered for reading: flagged areas first (most severe first) when `stages` is given, then
    by the last quarter's value, lowest first; missing values last."""
    if grid.empty:
        return grid
    key = pd.DataFrame({"v": grid[window[-1]].fillna(np.inf)}, index=grid.index)
    key["flag"] = 0
    if stages is not None and len(stages):
        rank = pd.to_numeric(stages.set_index(stages["area_id"].astype(str))["stage_rank"], errors="coerce")
        r = rank.reindex(grid.index.astype(str)).fillna(-1).to_numpy()
        key["flag"] = np.where(r >= label_from_rank, -r, 0)
    order = key.sort_values(["flag", "v"], kind="stable").index
    return grid.loc[order]


def _row_labels(ids: pd.Index, names: pd.Series) -> pd.Series:
    """Area names (shortened past `_NAME_CHARS`), with the area id where two names are the same."""
    labels = names.reindex(ids).fillna(pd.Series(ids, index=ids)).astype(str)
    labels = labels.where(labels.str.len() <= _NAME_CHARS, labels.str[:_NAME_CHARS - 1] + "…")
    dup = labels.duplicated(keep=False)
    labels[dup] = labels[dup] + " (" + labels.index[dup].astype(str) + ")"
    return labels


def _heatmap_size(n_rows: int, n_cols: int, labels: pd.Series, noted: bool) -> tuple[float, float]:
    """Figure inches for `n_rows` × `n_cols` cells of the fixed size, the names, colour bar and notes."""
    name_in = 0.15 + 0.13 * (labels.str.len().max() if len(labels) else 4)  # 9 pt Hangul ≈ 0.125 in per char
    width = name_in + HEATMAP_COL_IN * n_cols + 1.3
    height = 0.75 + HEATMAP_ROW_IN * max(n_rows, 1) + 0.55 + (0.35 if noted else 0)
    return max(width, 6.5), max(height, 2.5)


def _left_out_note(shown: int, total: int, value: str, by_stage: bool) -> str:
    what = "종사자 증감률" if value == "employees_yoy_pct" else value
    order = f"주의 이상 지역을 먼저, {what}이 낮은 순으로" if by_stage else f"{what}이 낮은"
    return f"{order} {shown}곳만 표시 (전체 {total}곳 중; 전체 목록은 부록과 엑셀)"


def quadrant_chart(stages: pd.DataFrame, thresholds_pct: tuple[float, float] = (-5, -10), ax=None, *,
                   x: str = "employees_yoy_pct", y: str = "payroll_yoy_pct", scale: Sequence[str] | None = None,
                   label_from_rank: int = 1, max_labels: int = 12, clip_pct: float | None = None):
    """Employees vs payroll year-on-year % per area: threshold lines at each of `thresholds_pct`
    (주의, 심각 by default), points coloured and shaped by stage (legend beside the chart). Only areas at
    주의 or worse are named: most severe and lowest employees change first, at most `max_labels`,
    placed by adjustText. A note under the axis title says what was clipped or left unnamed.
    Without `ax`, draws on a new 8.6 × 6.6 in figure with constrained layout."""
    ax = _new_ax(ax, (8.6, 6.6))
    scale = _scale_for(stages, scale)
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
    guides = _draw_thresholds(ax, thresholds_pct, lim)
    markers = _draw_quadrant_points(ax, df, scale)
    ax.set_xlim(-lim * 1.03, lim * 1.03)
    ax.set_ylim(-lim * 1.03, lim * 1.03)
    ax.set_xlabel("종사자수 전년동기 대비 증감률 (%)")
    ax.set_ylabel("총급여 전년동기 대비 증감률 (%)")
    ax.legend(title="위기단계 (제안)", fontsize=8, title_fontsize=8.5, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              framealpha=1.0)
    ax.set_title("종사자수와 총급여 변화 (전년동기 대비)", loc="left", fontsize=11, fontweight="bold")
    rank = pd.to_numeric(df["stage_rank"] if "stage_rank" in df else
                         df["stage"].map({s: i for i, s in enumerate(scale)}), errors="coerce").fillna(-1)
    flagged = df[rank >= label_from_rank].assign(_r=rank).sort_values(["_r", "_x"], ascending=[False, True])
    note = _note_below(ax, _quadrant_note(int(clipped.sum()), lim, len(flagged), min(len(flagged), max_labels)))
    renderer = ax.figure.canvas.get_renderer()
    ax.figure.canvas.draw()  # settle the layout before measuring
    placed = place_labels(ax, flagged["_x"].head(max_labels).tolist(), flagged["_y"].head(max_labels).tolist(),
                          flagged["area_name"].head(max_labels).astype(str).tolist(), fontsize=7.5,
                          avoid_px=marker_boxes(ax, *markers), points=(markers[0], markers[1]),
                          keep_off_px=[g.get_window_extent(renderer) for g in guides])
    note.set_text(_quadrant_note(int(clipped.sum()), lim, len(flagged), sum(t is not None for t in placed)))
    return ax


def _draw_thresholds(ax, thresholds_pct, lim: float) -> list:
    """Dashed threshold lines on both axes, the severe corner shaded; returns their text labels."""
    ax.axvspan(-lim, min(thresholds_pct), ymin=0, ymax=0.5 + min(thresholds_pct) / (2 * lim),
               color=STAGE_COLORS["심각"], alpha=0.06, zorder=0)
    texts = []
    for t, name in zip(sorted(thresholds_pct, reverse=True), ("주의 기준", "심각 기준", "기준")):
        ax.axvline(t, color="#555555", ls="--", lw=0.9, zorder=1)
        ax.axhline(t, color="#555555", ls="--", lw=0.9, zorder=1)
        texts.append(ax.text(t, lim * 0.98, f" {name} {fmt_pct(t)}", rotation=90, va="top", ha="right",
                             fontsize=7.5, color="#333333"))
        texts.append(ax.text(lim * 0.98, t, f"{name} {fmt_pct(t)}", va="bottom", ha="right", fontsize=7.5,
                             color="#333333"))
    ax.axhline(0, color="#999999", lw=0.6, zorder=0)
    ax.axvline(0, color="#999999", lw=0.6, zorder=0)
    return texts


def _draw_quadrant_points(ax, df: pd.DataFrame, scale: Sequence[str], size: float = 46):
    """One scatter per stage, mildest first; returns the markers as (xs, ys, sizes)."""
    pal, mk = stage_palette(scale), stage_markers(scale)
    xs, ys, ss = [], [], []
    for rank, st in enumerate([*scale, NO_CALL]):
        sub = df[df["stage"] == st]
        if sub.empty:
            continue
        ax.scatter(sub["_x"], sub["_y"], s=size, c=pal.get(st), marker=mk.get(st, "o"), edgecolors="white",
                   linewidths=0.6, zorder=5 + rank, label=f"{st} ({len(sub)}곳)", gid=f"stage:{st}")
        xs += sub["_x"].tolist()
        ys += sub["_y"].tolist()
        ss += [size] * len(sub)
    return xs, ys, ss


def _quadrant_note(n_clipped: int, lim: float, n_flagged: int, n_named: int) -> str:
    """One line under the axis title (always there, so the layout does not move when counts change)."""
    parts = []
    if n_clipped:
        parts.append(f"범위(±{lim:.0f}%) 밖 {n_clipped}곳은 가장자리에 표시")
    if n_flagged and n_named < n_flagged:
        parts.append(f"이름 표시: 주의 이상 {n_flagged}곳 중 {n_named}곳 (나머지는 표 참조)")
    elif n_flagged:
        parts.append(f"이름 표시: 주의 이상 {n_flagged}곳 모두")
    else:
        parts.append("주의 이상 지역 없음")
    return " · ".join(parts)
