"""Charts that set the province's areas side by side: the areas × quarters heatmap of year-on-year
change and the employees-vs-payroll quadrant with the stage thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.charts.labels import _marker_boxes, _place_labels
from helpers.charts.theme import NO_CALL, STAGE_COLORS, _new_ax, _no_data, _scale_for, stage_markers, stage_palette
from helpers.codes import SIDO_SHORT
from helpers.fmt import fmt_pct, signed
from helpers.periods import quarter_tick, quarter_window


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
