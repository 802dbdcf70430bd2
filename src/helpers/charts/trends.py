"""Lines over quarters: the province's trends (dense areas, the rest, the nation; manufacturing vs
other industries), any indicator of a few chosen areas (the explorer), and the typology's paths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd

from helpers.charts.theme import _new_ax, _no_data, _note_below
from helpers.codes import SIDO_SHORT
from helpers.fields import FIELDS, PLOT_MENU, axis
from helpers.fmt import MISSING, fmt_int, fmt_krw_100m, fmt_pct, fmt_pp, is_missing, signed
from helpers.periods import quarter_index, quarter_of, quarter_tick, quarter_window
from helpers.typology import index_paths

# ---------------------------------------------------------------------------------------------
# The province: dense areas, the rest and the nation; manufacturing and other industries.

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


_VALUE_TITLES = {c: FIELDS[c].option for c in ("employees", "workplaces", "payroll_krw")}


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


def _yoy_from_level(df: pd.DataFrame, value: str) -> pd.Series:
    """Year-on-year % of `value` per row, found by quarter arithmetic (robust to missing quarters)."""
    idx = df["quarter"].map(quarter_index)
    lookup = dict(zip(idx, df[value]))
    base = idx.map(lambda i: lookup.get(i - 4, np.nan)).astype(float)
    now = df[value].astype(float)
    return 100 * (now / base.where(base > 0) - 1)


# ---------------------------------------------------------------------------------------------
# Chosen areas (the explorer): any indicator of a few areas over a range of quarters (the province
# map with those areas highlighted is `maps.province_map_highlight`).

# Indicator column → (axis label with unit, kind). Kinds decide the tick format and whether the
# province line is a fair comparison (rates and shares, not levels).
AREA_INDICATORS: dict[str, tuple[str, str]] = {c: axis(c) for c in PLOT_MENU}  # from helpers.fields
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


# Early-warning levels (helpers.alerts) on the area trend: rings around the quarter's point.
ALERT_COLORS: dict[str, str] = {"관심": "#E69F00", "경계": "#A8182A"}
_ALERT_RANK = {"관심": 1, "경계": 2}


def alert_quarters(alerts: pd.DataFrame | None, area_ids: Sequence[str], quarters: Sequence[str]) -> pd.DataFrame:
    """The monthly alerts (`helpers.alerts` rows: month, area_id, level, signal) of `area_ids` by quarter of
    `quarters`: area_id, quarter, level (the highest of its months), months (with an alert), signals."""
    cols = ["area_id", "quarter", "level", "months", "signals"]
    if alerts is None or alerts.empty:
        return pd.DataFrame(columns=cols)
    a = alerts[alerts["area_id"].astype(str).isin([str(x) for x in area_ids])]
    a = a.assign(quarter=a["month"].map(quarter_of), _r=a["level"].map(_ALERT_RANK).fillna(0))
    a = a[a["quarter"].isin(list(quarters))]
    if a.empty:
        return pd.DataFrame(columns=cols)
    g = a.groupby(["area_id", "quarter"], sort=True)
    out = g.agg(_r=("_r", "max"), months=("month", "nunique"), signals=("signal", "nunique")).reset_index()
    out["level"] = out["_r"].map({v: k for k, v in _ALERT_RANK.items()})
    return out[cols]


def _draw_alert_rings(ax, marks: pd.DataFrame, points: dict[str, np.ndarray], window: list[str]) -> list:
    """A ring in the level's colour around each area's point in a quarter with an alert (at the bottom of
    the axes when the quarter has no value), and one legend entry per level shown."""
    from matplotlib.lines import Line2D

    pos = {q: i for i, q in enumerate(window)}
    for r in marks.itertuples(index=False):
        y = points.get(str(r.area_id))
        if y is None or r.quarter not in pos:
            continue
        i = pos[r.quarter]
        kw = {"marker": "o", "ms": 14, "mfc": "none", "mec": ALERT_COLORS.get(r.level, "#555555"), "mew": 2.4,
              "ls": "none", "zorder": 4, "gid": "alert"}
        if np.isnan(y[i]):
            ax.plot([i], [0.03], transform=ax.get_xaxis_transform(), clip_on=False, **kw)
        else:
            ax.plot([i], [y[i]], **kw)
    return [Line2D([], [], marker="o", ms=9, mfc="none", mec=ALERT_COLORS[lv], mew=2.2, ls="none",
                   label=f"조기경보 {lv} (그 분기 중)") for lv in ALERT_COLORS if lv in set(marks["level"])]


def area_trend_chart(indicators: pd.DataFrame, area_ids: Sequence[str], value: str = "employees_yoy_pct",
                     quarters: Sequence[str] | None = None, ax=None, *, sido_code: str | None = None,
                     province_line: bool | None = None, title: str | None = None,
                     alerts: pd.DataFrame | None = None):
    """`value` of each chosen area (one line each, colour + marker + dash, so it reads in grey) over
    `quarters`; the last value is written at each line's end. For rates and shares the whole province
    (`sido_code`) is added as a grey dotted line for comparison (`province_line` forces it on/off).
    Units follow `AREA_INDICATORS` (payroll in 억원 and a lower bound: the contribution is capped).
    `alerts`: monthly early-warning rows (`helpers.alerts`); a quarter in which an area had one gets a ring
    in the level's colour (관심 / 경계, the highest of the quarter's months) around its point."""
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
    points: dict[str, np.ndarray] = {}
    for i, (uid, grp) in enumerate(series):
        y = grp.set_index("quarter")["value"].reindex(window).astype(float).to_numpy()
        if uid is not None:
            points[str(uid)] = y
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
    handles, _ = ax.get_legend_handles_labels()
    handles += _draw_alert_rings(ax, alert_quarters(alerts, list(points), window), points, window)
    ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17),
              ncol=min(len(handles), 3), frameon=False)
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


# ---------------------------------------------------------------------------------------------
# Typology: each area's employees path and each type's centre (the analysis is helpers.typology).

_CLUSTER_COLORS = ["#D55E00", "#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
_CLUSTER_STYLES = ["-", "--", "-.", ":"]


def typology_chart(typology: pd.DataFrame, indicators: pd.DataFrame, ax=None):
    """Each area's employees path (thin) and each type's centre path (thick, labelled with the type
    and number of areas), index first quarter = 100; the legend under the chart.

    When the types do not really differ (`typology.attrs['distinct']` is False, see
    `helpers.typology.typology_distinctness`), draws no types: the paths in grey with their median, and
    the criterion sentence under the chart. Without `ax`, draws on a new 8.6 × 4.8 in figure."""
    ax = _new_ax(ax, (8.6, 4.8))
    attrs = typology.attrs or {}
    sido = attrs.get("sido_code")
    if sido is None:
        ids = set(typology["area_id"])
        sido = indicators.loc[indicators["unit_id"].isin(ids), "sido_code"].astype(str).mode().iloc[0] if ids else ""
    window = attrs.get("quarters") or quarter_window(indicators["quarter"], 8)
    paths, _ = index_paths(indicators, sido, window)
    x = np.arange(len(window))
    valid = typology[typology["cluster"] >= 0]
    if valid.empty:
        return _no_data(ax)
    if attrs.get("distinct", True):
        _draw_type_paths(ax, valid, paths, x)
        title = "밀집지역 유형: 종사자 수 흐름이 비슷한 지역끼리 묶음"
    else:
        _draw_all_paths(ax, valid, paths, x)
        title = "밀집지역 종사자 수 흐름 (유형 구분 생략)"
    ax.axhline(100, color="#333333", lw=0.8, zorder=0)
    ax.set_xticks(x, [quarter_tick(q) for q in window], fontsize=8)
    ax.set_ylabel(f"종사자 수 지수 ({quarter_tick(window[0]).replace(chr(10), ' ')} = 100)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=1.0,
              title="유형" if attrs.get("distinct", True) else None, title_fontsize=8.5)
    if attrs.get("criterion_text"):
        _note_below(ax, attrs["criterion_text"])
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    return ax


def _draw_type_paths(ax, valid: pd.DataFrame, paths: pd.DataFrame, x) -> None:
    """One colour per type (clusters sharing a type name are one); colour by the type's first cluster."""
    order = valid.groupby("type_label")["cluster"].min().sort_values()
    for type_label, c in order.items():
        grp = valid[valid["type_label"] == type_label]
        i = int(c)  # cluster 0 fell most: the same colour order in every province
        color = _CLUSTER_COLORS[i % len(_CLUSTER_COLORS)]
        sub = paths.reindex(grp["area_id"])
        for row in sub.to_numpy():
            ax.plot(x, row, color=color, lw=0.6, alpha=0.25, zorder=1)
        centre = sub.mean(axis=0).to_numpy()
        ax.plot(x, centre, color=color, lw=2.6, ls=_CLUSTER_STYLES[i % len(_CLUSTER_STYLES)], zorder=3,
                label=f"{type_label} ({len(grp)}곳)", marker="o", ms=4)


def _draw_all_paths(ax, valid: pd.DataFrame, paths: pd.DataFrame, x) -> None:
    """Every area's path in grey and the median path of all areas."""
    sub = paths.reindex(valid["area_id"])
    for row in sub.to_numpy():
        ax.plot(x, row, color="#9E9E9E", lw=0.6, alpha=0.3, zorder=1)
    ax.plot(x, sub.median(axis=0).to_numpy(), color="#333333", lw=2.6, marker="o", ms=4, zorder=3,
            label=f"중앙값 ({len(sub)}곳)")
