"""The analyst's interactive explorer (notebooks/explore.ipynb): ipywidgets over one loaded panel.

Controls: province, area search + multi-select, indicator, range of quarters (its end is the quarter
whose stages are shown). Outputs: the trend of the chosen areas (a ring in the level's colour on each
quarter in which an area had a monthly early-warning alert), the province map with the chosen areas
ringed, the area table (stage chip with colour and name, chosen rows highlighted), the reasons for each
stage, the council decision and the area's alerts in the range behind a '판단 근거' toggle, and an export of
the survey candidates (analysts only) to outputs/<quarter>/<sido>/.

Redraw only what changed: the explorer keeps a small state (sido, areas, indicator, range, quarter)
and, for every output, the state keys it depends on (`DEPENDS`). After a widget change it compares
the new state with the old one and redraws only the outputs whose keys changed; `render_counts`
counts the redraws per output. The panel is loaded once (by the caller); stage tables are cached per
(province, quarter), the monthly alerts per month (`alerts.month_alerts` for every province at once,
computed the first time a month is in the range, then kept). Figures are drawn by the same `charts` functions as the briefs, saved to PNG for
an `Image` widget and closed at once, so nothing leaks and nothing is shown twice.
"""

from __future__ import annotations

import html
import io
from contextlib import contextmanager
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from helpers import brief, charts, codes
from helpers.alerts import SIGNAL_LABELS, empty_alerts, month_alerts, month_label
from helpers.early_warning import core_reason, level_chip_html
from helpers.errors import UserError
from helpers.fields import labels, plottable
from helpers.indicators import latest_complete_quarter
from helpers.panel import Panel
from helpers.periods import quarter_label, quarter_months, quarter_tick
from helpers.stages import flagged

e = html.escape

# Dropdown label → indicator column (labels and units are the field declarations).
INDICATOR_OPTIONS: list[tuple[str, str]] = plottable()
DEFAULT_INDICATOR = "employees_yoy_pct"
DEFAULT_QUARTERS = 8
MAX_DEFAULT_AREAS = 5

# Output → the state keys it depends on.
DEPENDS: dict[str, set[str]] = {
    "header": {"sido", "quarter"},
    "trend": {"sido", "areas", "indicator", "range"},
    "map": {"sido", "quarter", "areas"},
    "table": {"sido", "quarter", "areas"},
    "reasons": {"sido", "quarter", "areas", "range"},
}
ALERT_LINES = 6  # per area in the reasons panel, latest first

TABLE_COLUMNS: dict[str, str] = {"chosen": "선택"} | labels(
    ["area_name", "area_type", "stage", "decided_stage", "workplaces", "employees", "payroll_krw",
     "workplaces_yoy_pct", "employees_yoy_pct", "payroll_yoy_pct", "employees_gap_pp"])
_CHOSEN_ROW = 'style="background:#FFF4C2;outline:2px solid #B7791F" data-chosen="1"'


def _png(draw, figsize: tuple[float, float], dpi: int = 96) -> bytes:
    """Draw on a new figure with `draw(ax)`, return PNG bytes; the figure is always closed."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    try:
        draw(ax)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
        return buf.getvalue()
    finally:
        plt.close(fig)


def _quarter_text(q: str) -> str:
    """'2026Q3' → '26년 3분기': the charts' tick label on one line."""
    return quarter_tick(q).replace("\n", " ")


class Explorer:
    """Interactive explorer of one panel. `.ui` is the widget to display.

    State for tests and scripts: `.sido_code`, `.quarter`, `.selected_area_ids`, `.indicator_value`,
    `.quarters` (the range), `.trend_frame`, `.trend_alerts`, `.table_frame`, `.map_highlight`,
    `.reasons_frame`, `.render_counts`, `.last_export`.

    `alerts`: monthly alerts already computed (e.g. read from `python -m helpers alerts`); by default each
    month's are computed from the panel the first time the range shows it.
    """

    def __init__(self, panel: Panel, sido_code: str | None = None, quarter: str | None = None, *,
                 output_root: str | Path | None = None, quarters: int = DEFAULT_QUARTERS,
                 alerts: pd.DataFrame | None = None):
        charts.use_korean_theme()
        self.panel = panel
        self.output_root = Path(output_root) if output_root else None
        self.render_counts: dict[str, int] = {k: 0 for k in DEPENDS}
        self.trend_frame = pd.DataFrame()
        self.table_frame = pd.DataFrame()
        self.reasons_frame = pd.DataFrame()
        self.trend_alerts = pd.DataFrame()
        self._given_alerts = alerts
        self._month_alerts: dict[str, pd.DataFrame] = {}
        self.alerts_note = ""  # why there are no alerts to show ('' when they could be computed)
        self.map_highlight: list[str] = []
        self.last_export: tuple[Path, Path] | None = None
        self._contexts: dict[tuple[str, str], brief.BriefContext] = {}
        self._selected: list[str] = []
        self._busy = False
        self._state: dict = {}
        self._stale_reasons = True

        sidos, sido_code, all_q, i_end = self._check_choices(sido_code, quarter)
        self._make_controls(sidos, sido_code, all_q, i_end, quarters)
        self._make_outputs()
        self.ui = self._layout()
        with self._hold():
            self._fill_areas(default_selection=True)
        self._update()
        self._connect()

    # ------------------------------------------------------------------ building
    def _check_choices(self, sido_code: str | None, quarter: str | None) -> tuple[list[str], str, list[str], int]:
        """The provinces with dense areas, the chosen one, the quarters and the index of the chosen end."""
        panel = self.panel
        sidos = sorted(panel.reference["sido_code"].astype(str).unique())
        if not sidos:
            raise UserError("밀집지역 기준표가 비어 있습니다.")
        sido_code = str(sido_code) if sido_code is not None else sidos[0]
        if sido_code not in sidos:
            raise UserError(f"시도코드 '{sido_code}' 에는 밀집지역이 없습니다. 가능한 값: {', '.join(sidos)}")
        all_q = sorted(panel.indicators["quarter"].unique())
        end = quarter or latest_complete_quarter(panel.indicators) or all_q[-1]
        if end not in all_q:
            raise UserError(f"분기 {end} 의 자료가 없습니다. 있는 분기: {', '.join(all_q)}")
        return sidos, sido_code, all_q, all_q.index(end)

    def _make_controls(self, sidos: list[str], sido_code: str, all_q: list[str], i_end: int, quarters: int) -> None:
        self.province = widgets.Dropdown(
            options=[(f"{codes.SIDO_NAMES.get(s, s)} ({s})", s) for s in sidos], value=sido_code,
            description="시도", layout=widgets.Layout(width="260px"))
        self.indicator = widgets.Dropdown(options=INDICATOR_OPTIONS, value=DEFAULT_INDICATOR, description="지표",
                                          layout=widgets.Layout(width="260px"))
        self.quarter_range = widgets.SelectionRangeSlider(
            options=[(_quarter_text(q), q) for q in all_q], index=(max(0, i_end - quarters + 1), i_end),
            description="분기 범위", continuous_update=False, layout=widgets.Layout(width="520px"),
            style={"description_width": "initial"})
        self.search = widgets.Text(placeholder="이름 또는 코드로 찾기", description="지역 검색",
                                   continuous_update=True, layout=widgets.Layout(width="330px"))
        self.area_select = widgets.SelectMultiple(options=[], rows=8, description="밀집지역",
                                                  layout=widgets.Layout(width="330px"))
        self.chosen_label = widgets.HTML()
        self.clear_button = widgets.Button(description="선택 해제", icon="times", layout=widgets.Layout(width="110px"))
        self.reasons_toggle = widgets.ToggleButton(value=False, description="판단 근거", icon="list",
                                                   tooltip="선택한 지역의 단계 판단 근거와 협의회 결정 보기")
        self.export_button = widgets.Button(description="실태조사 후보 내보내기", icon="download",
                                            tooltip="주의·심각 지역 사업장 목록 (분석가 전용, 브리프에 넣지 않음)",
                                            layout=widgets.Layout(width="220px"))

    def _make_outputs(self) -> None:
        self.header_html = widgets.HTML()
        self.trend_image = widgets.Image(format="png", layout=widgets.Layout(width="100%"))
        self.map_image = widgets.Image(format="png", layout=widgets.Layout(width="100%"))
        self.table_html = widgets.HTML()
        self.reasons_html = widgets.HTML(layout=widgets.Layout(display="none"))
        self.export_status = widgets.HTML()

    def _layout(self) -> widgets.VBox:
        ui = widgets.VBox([
            self.header_html,
            widgets.HBox([self.province, self.indicator]),
            self.quarter_range,
            widgets.HBox([widgets.VBox([self.search, self.area_select]),
                          widgets.VBox([self.chosen_label, self.clear_button],
                                       layout=widgets.Layout(padding="0 0 0 12px", width="420px"))]),
            widgets.HBox([widgets.Box([self.trend_image], layout=widgets.Layout(width="56%")),
                          widgets.Box([self.map_image], layout=widgets.Layout(width="44%"))]),
            widgets.HBox([self.reasons_toggle, self.export_button]),
            self.reasons_html,
            self.export_status,
            self.table_html,
        ], layout=widgets.Layout(width="100%"))
        ui.add_class("sme-explorer")
        return ui

    def _connect(self) -> None:
        """Every control redraws only what depends on it (see `DEPENDS`)."""
        self.province.observe(self._on_province, "value")
        self.search.observe(self._on_search, "value")
        self.area_select.observe(self._on_area_select, "value")
        self.indicator.observe(lambda _c: self._update(), "value")
        self.quarter_range.observe(lambda _c: self._update(), "value")
        self.reasons_toggle.observe(self._on_reasons_toggle, "value")
        self.clear_button.on_click(lambda _b: self.set_areas([]))
        self.export_button.on_click(lambda _b: self.export_survey())

    # ------------------------------------------------------------------ state
    @property
    def sido_code(self) -> str:
        return str(self.province.value)

    @property
    def quarters(self) -> list[str]:
        i0, i1 = self.quarter_range.index
        return [v for _, v in self.quarter_range.options][i0:i1 + 1]

    @property
    def quarter(self) -> str:
        """The quarter whose stages the map, table and reasons show: the end of the range."""
        return self.quarters[-1]

    @property
    def indicator_value(self) -> str:
        return str(self.indicator.value)

    @property
    def selected_area_ids(self) -> list[str]:
        return list(self._selected)

    @property
    def context(self) -> brief.BriefContext:
        key = (self.sido_code, self.quarter)
        if key not in self._contexts:
            self._contexts[key] = brief.brief_context(self.panel, *key)
        return self._contexts[key]

    def alerts_for(self, quarters: list[str]) -> pd.DataFrame:
        """The monthly alerts (every province) of the months of `quarters` in the data. Each month is
        computed once (`alerts.month_alerts`, from the data up to that month) and kept for the explorer's
        life, so moving the range or switching province computes nothing already seen."""
        months = [m for q in quarters for m in quarter_months(q)]
        if self._given_alerts is not None:
            given = self._given_alerts
            return given[given["month"].isin(months)].reset_index(drop=True)
        have = set(self.panel.months)
        for m in months:
            if m in have and m not in self._month_alerts:
                try:
                    self._month_alerts[m] = month_alerts(self.panel, m)
                except UserError as exc:  # e.g. a panel saved without its monthly series
                    self.alerts_note = str(exc)
                    self._month_alerts[m] = empty_alerts()
        parts = [self._month_alerts[m] for m in months if len(self._month_alerts.get(m, ()))]
        return pd.concat(parts, ignore_index=True) if parts else empty_alerts()

    def _province_areas(self) -> pd.DataFrame:
        ref = self.panel.reference
        return ref[ref["sido_code"].astype(str) == self.sido_code].sort_values("area_id")

    def _read_state(self) -> dict:
        return {"sido": self.sido_code, "areas": tuple(self._selected), "indicator": self.indicator_value,
                "range": tuple(self.quarters), "quarter": self.quarter}

    @contextmanager
    def _hold(self):
        """Programmatic widget changes inside do not trigger redraws (one `_update` afterwards)."""
        old, self._busy = self._busy, True
        try:
            yield
        finally:
            self._busy = old

    def _update(self) -> set[str]:
        """Redraw the outputs whose dependencies changed; returns the changed state keys."""
        if self._busy:
            return set()
        new = self._read_state()
        changed = {k for k, v in new.items() if self._state.get(k) != v}
        self._state = new
        for out, deps in DEPENDS.items():
            if deps & changed:
                if out == "reasons" and not self.reasons_toggle.value:
                    self._stale_reasons = True  # drawn when opened
                    continue
                getattr(self, f"_render_{out}")()
        return changed

    # ------------------------------------------------------------------ areas
    def _option_label(self, row) -> str:
        return f"{row.area_name} ({row.area_id})"

    def _fill_areas(self, default_selection: bool = False) -> None:
        """Options of the multi-select: the province's areas matching the search; selection kept."""
        areas = self._province_areas()
        term = self.search.value.strip().lower()
        opts = [(self._option_label(r), str(r.area_id)) for r in areas.itertuples(index=False)
                if not term or term in self._option_label(r).lower()]
        if default_selection:
            self._selected = self._default_areas()
        visible = {v for _, v in opts}
        with self.area_select.hold_sync():  # one message: the browser never sees a stale index
            self.area_select.options = opts
            self.area_select.value = tuple(a for a in self._selected if a in visible)
        self._show_chosen()

    def _default_areas(self) -> list[str]:
        """Areas at 주의 or worse (worst first), else the largest by employees, at most 5."""
        st = self.context.stages
        fl = st[flagged(st)].sort_values(["stage_rank", "employees"], ascending=[False, False])
        pick = fl if len(fl) else st.sort_values("employees", ascending=False).head(3)
        return [str(a) for a in pick["area_id"].head(MAX_DEFAULT_AREAS)]

    def _show_chosen(self) -> None:
        names = dict(zip(self.panel.reference["area_id"].astype(str), self.panel.reference["area_name"]))
        if not self._selected:
            self.chosen_label.value = "<b>선택한 지역</b>: 없음 (왼쪽 목록에서 Ctrl/Shift+클릭으로 여러 곳 선택)"
            return
        items = "".join(f"<li>{e(names.get(a, a))}</li>" for a in self._selected)
        self.chosen_label.value = (f"<b>선택한 지역 {len(self._selected)}곳</b>"
                                   f'<ul style="margin:2px 0 4px 1.2em;padding:0">{items}</ul>')

    def set_areas(self, area_ids) -> None:
        """Choose areas by id (in this order), as a click would; unknown ids are ignored."""
        known = set(self._province_areas()["area_id"].astype(str))
        self._selected = [str(a) for a in area_ids if str(a) in known]
        with self._hold():
            visible = {v for _, v in self.area_select.options}
            self.area_select.value = tuple(a for a in self._selected if a in visible)
        self._show_chosen()
        self._update()

    def _on_province(self, _change) -> None:
        with self._hold():
            self.search.value = ""
            self._fill_areas(default_selection=True)
        self._update()

    def _on_search(self, _change) -> None:
        with self._hold():
            self._fill_areas()
        self._update()  # nothing the outputs depend on changed: no redraw

    def _on_area_select(self, change) -> None:
        if self._busy:
            return
        visible = {v for _, v in self.area_select.options}
        # Areas hidden by the search stay chosen; the visible part follows the list.
        kept = [a for a in self._selected if a not in visible]
        self._selected = kept + [a for a in self._ordered_visible(change["new"])]
        self._show_chosen()
        self._update()

    def _ordered_visible(self, values) -> list[str]:
        prev = [a for a in self._selected if a in set(values)]
        return prev + [a for a in values if a not in prev]

    def _on_reasons_toggle(self, change) -> None:
        self.reasons_html.layout.display = "" if change["new"] else "none"
        self.reasons_toggle.description = "판단 근거 닫기" if change["new"] else "판단 근거"
        if change["new"] and self._stale_reasons:
            self._render_reasons()

    # ------------------------------------------------------------------ outputs
    def _render_header(self) -> None:
        self.render_counts["header"] += 1
        ctx = self.context
        st = ctx.stages
        counts = st["stage"].value_counts()
        no_call = ctx.params["stages"].get("no_call", "판단유보")
        parts = [f'<h3 style="margin:4px 0">{e(ctx.province)} 밀집지역 탐색 — {quarter_label(ctx.quarter)}</h3>']
        if self.panel.synthetic:
            parts.append(brief.synthetic_notice_html())
        summary = " · ".join(f"{e(s)} {int(counts.get(s, 0)):,}곳" for s in [*ctx.scale, no_call])
        parts.append(f'<p style="margin:2px 0;color:#333">밀집지역 {len(st):,}곳: {summary}. '
                     "지도·표·판단 근거는 분기 범위의 마지막 분기 기준이며, 추정 총급여는 보험료 상한 때문에 "
                     "하한 추정치입니다.</p>")
        self.header_html.value = "\n".join(parts)

    def _render_trend(self) -> None:
        self.render_counts["trend"] += 1
        ids, value, window = self.selected_area_ids, self.indicator_value, self.quarters
        with_province = self.sido_code if charts.province_line_default(value) else None
        self.trend_frame = charts.area_trend_frame(self.panel.indicators, ids, value, window, sido_code=with_province)
        alerts = self.alerts_for(window) if ids else empty_alerts()
        self.trend_alerts = charts.alert_quarters(alerts, ids, window)
        self.trend_image.value = _png(lambda ax: charts.area_trend_chart(
            self.panel.indicators, ids, value, window, ax=ax, sido_code=self.sido_code, alerts=alerts), (8, 4.4))

    def _render_map(self) -> None:
        self.render_counts["map"] += 1
        ctx = self.context
        self.map_highlight = list(self.selected_area_ids)
        self.map_image.value = _png(lambda ax: charts.province_map_highlight(
            ctx.stages, self.panel.reference, self.sido_code, self.map_highlight, scale=ctx.scale, ax=ax), (7, 7))

    def _render_table(self) -> None:
        from helpers.report import stage_table_html

        self.render_counts["table"] += 1
        ctx = self.context
        chosen = set(self.selected_area_ids)
        df = ctx.stages.sort_values(["stage_rank", "area_id"], ascending=[False, True]).copy()
        df["selected"] = df["area_id"].astype(str).isin(chosen)
        df["chosen"] = df["selected"].map({True: "✔", False: ""})
        self.table_frame = df.reset_index(drop=True)
        table = stage_table_html(df, TABLE_COLUMNS, scale=ctx.scale,
                                 caption=f"{ctx.province} 밀집지역 ({quarter_label(ctx.quarter)}, "
                                         "제안 단계가 높은 순)")
        self.table_html.value = _highlight_rows(table, df["selected"].tolist())

    def _render_reasons(self) -> None:
        from helpers.report import stage_chip_html

        self.render_counts["reasons"] += 1
        self._stale_reasons = False
        ctx = self.context
        st = ctx.stages.set_index(ctx.stages["area_id"].astype(str))
        ids = [a for a in self.selected_area_ids if a in st.index]
        note = ""
        if not ids:
            fl = ctx.flagged
            ids = [str(a) for a in fl["area_id"]]
            note = "선택한 지역이 없어 주의 이상 지역을 보여 줍니다." if ids else "선택한 지역이 없습니다."
        rows = st.loc[ids] if ids else st.iloc[0:0]
        self.reasons_frame = rows.reset_index(drop=True)
        parts = [f'<div class="sme-reasons" style="border:1px solid #d0d7de;padding:8px 12px;margin:4px 0">'
                 f"<b>판단 근거 — {quarter_label(ctx.quarter)}</b>"]
        if note:
            parts.append(f'<p style="color:#555;margin:4px 0">{e(note)}</p>')
        for r in rows.itertuples(index=False):
            reasons = [p.strip() for p in str(r.reasons).split(";") if p.strip()] or ["–"]
            dec = "기록 없음"
            if r.decided_stage:
                dec = f"{stage_chip_html(r.decided_stage, ctx.scale)} ({e(str(r.decided_date))})"
                if r.decided_note:
                    dec += f" {e(str(r.decided_note))}"
            prev = stage_chip_html(r.prev_stage, ctx.scale) if r.prev_stage else "–"
            parts.append(
                f'<div style="margin:8px 0 4px"><b>{e(str(r.area_name))}</b> {stage_chip_html(r.stage, ctx.scale)}'
                f" <span style=\"color:#555\">(전분기 {prev})</span>"
                f'<ul style="margin:2px 0 2px 1.2em;padding:0">'
                + "".join(f"<li>{e(x)}</li>" for x in reasons)
                + f"</ul>협의회 결정: {dec}"
                + (f" · 연계 지원사업: {e(str(r.programmes))}" if r.programmes else "")
                + self._alerts_html(str(r.area_id)) + "</div>")
        parts.append("</div>")
        self.reasons_html.value = "".join(parts)

    def _alerts_html(self, area_id: str) -> str:
        """The area's monthly alerts in the quarter range, latest first (at most `ALERT_LINES`)."""
        window = self.quarters
        span = f"{quarter_label(window[0])}~{quarter_label(window[-1])}"
        al = self.alerts_for(window)
        al = al[al["area_id"].astype(str) == area_id].sort_values("month", ascending=False, kind="mergesort")
        if al.empty:
            why = f" ({e(self.alerts_note)})" if self.alerts_note else ""
            return f'<div style="margin-top:2px">조기경보 ({span}): 없음{why}</div>'
        items = "".join(f"<li>{month_label(r.month)} {level_chip_html(r.level)} {e(SIGNAL_LABELS.get(r.signal, r.signal))}: "
                        f"{e(core_reason(r.reason))}</li>" for r in al.head(ALERT_LINES).itertuples(index=False))
        more = f"<li>외 {len(al) - ALERT_LINES:,}건</li>" if len(al) > ALERT_LINES else ""
        return (f'<div style="margin-top:2px">조기경보 ({span}, {len(al):,}건):<ul class="sme-alerts" '
                f'style="margin:2px 0 2px 1.2em;padding:0">{items}{more}</ul></div>')

    # ------------------------------------------------------------------ export
    def survey_directory(self) -> Path:
        from helpers.params import resolve_path

        root = self.output_root or resolve_path(None, "outputs")
        return Path(root) / self.quarter / self.sido_code

    def export_survey(self) -> tuple[Path, Path] | None:
        """Write the survey candidates of the province and quarter; show and return the two paths."""
        from helpers.survey import survey_candidates, write_survey_candidates

        ctx = self.context
        try:
            df = survey_candidates(self.panel, ctx.stages, ctx.quarter, self.sido_code)
            paths = write_survey_candidates(df, self.survey_directory())
        except Exception as exc:  # noqa: BLE001 — shown to the analyst instead of a traceback in a widget
            self.export_status.value = f'<p style="color:#A8182A"><b>내보내지 못했습니다</b>: {e(str(exc))}</p>'
            return None
        self.last_export = paths
        months = f"{df.attrs.get('month_before')} → {df.attrs.get('month_now')}"
        self.export_status.value = (
            f"<p>실태조사 후보 {len(df):,}개 사업장 (주의 이상 {df.attrs.get('areas', 0)}곳, 가입자수 {e(months)}) "
            "— <b>분석가 전용, 협의회 브리프에 넣지 마십시오.</b><br>"
            + "<br>".join(f"<code>{e(str(p))}</code>" for p in paths) + "</p>")
        return paths


def _highlight_rows(table_html: str, chosen: list[bool]) -> str:
    """Mark the body rows of a `stage_table_html` table whose flag is True (background + outline)."""
    head, sep, body = table_html.partition("<tbody>")
    if not sep:
        return table_html
    pieces = body.split("<tr>")
    out = [pieces[0]]
    for flag, piece in zip(chosen, pieces[1:]):
        out.append((f"<tr {_CHOSEN_ROW}>" if flag else "<tr>") + piece)
    out.extend("<tr>" + p for p in pieces[1 + len(chosen):])
    return head + sep + "".join(out)
