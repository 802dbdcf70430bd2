"""The council decision form (notebooks/decisions.ipynb): ipywidgets over one panel and the decisions file.

For a chosen province and quarter it lists the areas the council is asked to decide on (`agenda.decision_table`:
new crisis signs, escalations, proposals that differ from the standing decision, flagged areas without one),
each with its proposed stage and the standing decision, and the areas already decided this quarter. Any other
area of the province can be picked too. The analyst records the decided stage (the province's scale), the date
and a note; `decisions.record_decision` checks it (a Korean message in the form, nothing written when it is
wrong) and appends it to the decisions file with the recording time, so a correction is a new row and the
earlier ones stay as the trail (변경 이력), shown for the chosen area.

Plain methods for tests and scripts: `select(sido, quarter)`, `choose_area(area_id)`, `record(area_id, stage,
date, note)`; state: `agenda_frame`, `book`, `history_frame`, `status_kind`, `status_text`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from helpers import codes
from helpers.agenda import brief_context, decision_table
from helpers.decisions import DecisionBook, read_decisions, record_decision
from helpers.errors import UserError
from helpers.indicators import latest_complete_quarter
from helpers.panel import DECISION_COLUMNS, Panel
from helpers.params import Config, load_config
from helpers.periods import quarter_label

e = html.escape

_TABLE_STYLE = ("border-collapse:collapse;font-size:13px;margin:4px 0 8px;min-width:70%")
_CELL = "border-bottom:1px solid #D0D7DE;padding:4px 8px;text-align:left;vertical-align:top"
_HEAD = _CELL + ";background:#F3F5F7;font-weight:700"
_OK, _ERROR = "#1A7F37", "#B42318"


def _chip(stage: object, scale: list[str]) -> str:
    from helpers.report import stage_chip_html

    return stage_chip_html(stage, scale)


def _table(head: list[str], rows: list[list[str]], caption: str, css_class: str) -> str:
    """A small HTML table; cells are HTML already (escaped by the caller)."""
    th = "".join(f'<th style="{_HEAD}">{h}</th>' for h in head)
    body = "".join("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in r) + "</tr>" for r in rows)
    return (f'<table class="{css_class}" style="{_TABLE_STYLE}"><caption style="text-align:left;font-weight:700;'
            f'padding:4px 0">{caption}</caption><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>')


class DecisionForm:
    """Form to record council decisions for one province and quarter. `.ui` is the widget to display."""

    def __init__(self, panel: Panel, sido_code: str | None = None, quarter: str | None = None, *,
                 decisions_path: str | Path | None = None, config: Config | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.panel = panel
        # Today's configuration checks the file (the batch will read it with that), not the panel's saved one.
        self.config = config or load_config()
        self.path = Path(decisions_path) if decisions_path else self.config.path("decisions")
        self.clock = clock or datetime.now
        self.book: DecisionBook | None = None
        self.agenda_frame = pd.DataFrame()
        self.history_frame = pd.DataFrame()
        self.status_kind, self.status_text = "", ""
        self._busy = False

        sidos = sorted(panel.reference["sido_code"].astype(str).unique())
        if not sidos:
            raise UserError("밀집지역 기준표가 비어 있습니다.")
        sido_code = str(sido_code) if sido_code is not None else sidos[0]
        if sido_code not in sidos:
            raise UserError(f"시도코드 '{sido_code}' 에는 밀집지역이 없습니다. 가능한 값: {', '.join(sidos)}")
        all_q = sorted(panel.indicators["quarter"].unique())
        quarter = quarter or latest_complete_quarter(panel.indicators) or all_q[-1]
        if quarter not in all_q:
            raise UserError(f"분기 {quarter} 의 자료가 없습니다. 있는 분기: {', '.join(all_q)}")
        self._make_widgets(sidos, sido_code, all_q, quarter)
        self.ui = self._layout()
        self._reload_book()
        self._refresh()
        self.province.observe(lambda _c: self._refresh(), "value")
        self.quarter_pick.observe(lambda _c: self._refresh(), "value")
        self.area.observe(self._on_area, "value")
        self.record_button.on_click(lambda _b: self._on_record())

    # ------------------------------------------------------------------ building
    def _make_widgets(self, sidos: list[str], sido_code: str, all_q: list[str], quarter: str) -> None:
        wide = {"description_width": "72px"}
        self.province = widgets.Dropdown(options=[(f"{codes.SIDO_NAMES.get(s, s)} ({s})", s) for s in sidos],
                                         value=sido_code, description="시도", style=wide,
                                         layout=widgets.Layout(width="280px"))
        self.quarter_pick = widgets.Dropdown(options=[(quarter_label(q), q) for q in reversed(all_q)], value=quarter,
                                             description="분기", style=wide, layout=widgets.Layout(width="240px"))
        self.header_html = widgets.HTML()
        self.agenda_html = widgets.HTML()
        self.area = widgets.Dropdown(description="밀집지역", style=wide, layout=widgets.Layout(width="640px"))
        self.area_info = widgets.HTML()
        self.stage = widgets.Dropdown(description="결정 단계", style=wide, layout=widgets.Layout(width="240px"))
        self.date = widgets.DatePicker(description="결정일", value=self.clock().date(), style=wide,
                                       layout=widgets.Layout(width="260px"))
        self.note = widgets.Textarea(description="메모", placeholder="결정 근거, 후속 조치 (예: 실태조사 후 심각 확정)",
                                     style=wide, layout=widgets.Layout(width="640px", height="64px"))
        self.record_button = widgets.Button(description="결정 기록", icon="check", button_style="primary",
                                            tooltip="결정을 결정 파일에 더합니다 (고친 결정은 새 행으로, 이전 행은 변경 이력)",
                                            layout=widgets.Layout(width="140px"))
        self.status_html = widgets.HTML()
        self.history_html = widgets.HTML()

    def _layout(self) -> widgets.VBox:
        entry = widgets.VBox([
            widgets.HTML('<h4 style="margin:8px 0 2px">결정 입력</h4>'),
            self.area, self.area_info,
            widgets.HBox([self.stage, self.date]),
            self.note,
            widgets.HBox([self.record_button, self.status_html]),
        ], layout=widgets.Layout(border="1px solid #D0D7DE", padding="4px 12px 8px", margin="4px 0"))
        ui = widgets.VBox([self.header_html, widgets.HBox([self.province, self.quarter_pick]), self.agenda_html,
                           entry, self.history_html], layout=widgets.Layout(width="100%"))
        ui.add_class("sme-decisions")
        return ui

    # ------------------------------------------------------------------ state
    @property
    def sido_code(self) -> str:
        return str(self.province.value)

    @property
    def quarter(self) -> str:
        return str(self.quarter_pick.value)

    @property
    def scale(self) -> list[str]:
        return list(self.config.params_for(self.sido_code)["stages"]["scale"])

    def select(self, sido_code: str, quarter: str | None = None) -> None:
        """Show another province (and quarter)."""
        self._busy = True
        try:
            self.province.value = str(sido_code)
            if quarter:
                self.quarter_pick.value = quarter
        finally:
            self._busy = False
        self._refresh()

    def choose_area(self, area_id: str) -> None:
        self.area.value = area_id

    def _reload_book(self) -> bool:
        """Read the decisions file again; its decisions in force become the panel's (standing decisions)."""
        try:
            self.book = read_decisions(self.path, self.panel.reference, self.config.params_for,
                                       today=self.clock().date().isoformat())
        except UserError as exc:
            self.book = None
            self.panel.decisions = pd.DataFrame(columns=DECISION_COLUMNS)
            self._status("error", f"결정 파일을 먼저 고쳐야 합니다. {exc}")
            return False
        self.panel.decisions = self.book.in_force
        return True

    def _status(self, kind: str, text: str) -> None:
        self.status_kind, self.status_text = kind, text
        color = _OK if kind == "ok" else _ERROR
        lines = "<br>".join(e(x) for x in text.splitlines())
        self.status_html.value = (f'<div class="sme-status sme-status-{kind}" style="color:{color};padding:4px 8px;'
                                  f'font-weight:600">{lines}</div>') if text else ""

    # ------------------------------------------------------------------ rendering
    def _refresh(self, keep_area: str | None = None) -> None:
        if self._busy:
            return
        ctx = brief_context(self.panel, self.sido_code, self.quarter)
        self.agenda_frame = decision_table(ctx)
        self.stages_frame = ctx.stages
        self._render_header(ctx)
        self._render_agenda()
        self._fill_areas(keep_area)
        self.stage.options = self.scale
        self._on_area(None)

    def _render_header(self, ctx) -> None:
        from helpers.brief import synthetic_notice_html

        parts = [f'<h3 style="margin:4px 0">{e(ctx.province)} 협의회 결정 기록 — {quarter_label(self.quarter)}</h3>']
        if self.panel.synthetic:
            parts.append(synthetic_notice_html())
        parts.append(f'<p style="margin:2px 0;color:#333">결정 파일: <code>{e(str(self.path))}</code>. 결정을 고치면 '
                     "새 행으로 더해지고 이전 결정은 변경 이력으로 남습니다. 일괄 실행은 이 파일을 읽기만 합니다.</p>")
        self.header_html.value = "\n".join(parts)

    def _decided_here(self) -> pd.DataFrame:
        """This quarter's decisions in force for the province's areas."""
        if self.book is None:
            return pd.DataFrame(columns=DECISION_COLUMNS)
        d = self.book.in_force
        ids = set(self.stages_frame["area_id"].astype(str))
        return d[(d["quarter"] == self.quarter) & d["area_id"].isin(ids)]

    def _render_agenda(self) -> None:
        scale = self.scale
        decided = self._decided_here().set_index("area_id")
        rows = []
        for r in self.agenda_frame.itertuples(index=False):
            now = (f"{_chip(decided.at[r.area_id, 'decided_stage'], scale)} {e(decided.at[r.area_id, 'decided_date'])}"
                   if r.area_id in decided.index else "–")
            rows.append([f"<b>{e(str(r.area_name))}</b> <span style='color:#57606A'>{e(str(r.area_id))}</span>",
                         e(str(r.kinds)), _chip(r.stage, scale), e(str(r.standing)), now])
        extra = self.stages_frame[self.stages_frame["area_id"].isin(set(decided.index) - set(self.agenda_frame["area_id"]))]
        for r in extra.itertuples(index=False):
            now = f"{_chip(decided.at[r.area_id, 'decided_stage'], scale)} {e(decided.at[r.area_id, 'decided_date'])}"
            rows.append([f"<b>{e(str(r.area_name))}</b> <span style='color:#57606A'>{e(str(r.area_id))}</span>",
                         "이번 분기 결정 기록됨", _chip(r.stage, scale), "–", now])
        cap = (f"결정이 필요한 지역 {len(self.agenda_frame):,}곳 ({quarter_label(self.quarter)}: 새로 위기징후, 단계 상승, "
               "제안이 현 결정과 다른 지역, 결정 기록이 없는 주의 이상 지역)")
        if len(extra):
            cap += f" · 그 밖에 이번 분기 결정을 기록한 지역 {len(extra):,}곳"
        if not rows:
            self.agenda_html.value = (f'<p class="sme-agenda-none" style="margin:6px 0">{e(cap)}: 이번 분기에 결정이 필요한 '
                                      "지역이 없습니다. 다른 지역은 아래 목록에서 고를 수 있습니다.</p>")
            return
        self.agenda_html.value = _table(["밀집지역", "요청 사유", "제안 단계", "현 결정", "이번 분기 기록"], rows, e(cap),
                                        "sme-agenda")

    def _fill_areas(self, keep: str | None) -> None:
        st = self.stages_frame
        names = dict(zip(st["area_id"].astype(str), st["area_name"].astype(str)))
        stage = dict(zip(st["area_id"].astype(str), st["stage"].astype(str)))
        agenda = [str(a) for a in self.agenda_frame["area_id"]]
        others = sorted(set(names) - set(agenda))
        opts = [(f"[결정 요청] {names[a]} ({a}) — 제안 {stage[a]}", a) for a in agenda]
        opts += [(f"{names[a]} ({a}) — 제안 {stage[a]}", a) for a in others]
        old = keep or self.area.value
        self._busy = True
        try:
            self.area.options = opts
            self.area.value = old if old in names else (opts[0][1] if opts else None)
        finally:
            self._busy = False

    def _on_area(self, _change) -> None:
        if self._busy or self.area.value is None:
            self.area_info.value, self.history_html.value = "", ""
            return
        a = str(self.area.value)
        scale = self.scale
        row = self.stages_frame[self.stages_frame["area_id"].astype(str) == a].iloc[0]
        standing = (f"{_chip(row.decided_stage, scale)} ({quarter_label(row.decided_quarter)} 결정, "
                    f"{e(str(row.decided_date))})" if row.decided_stage else "결정 없음")
        self.area_info.value = (f'<div class="sme-area-info" style="margin:2px 0 4px 76px">제안 단계 '
                                f'{_chip(row.stage, scale)} · 현 결정 {standing}<br><span style="color:#57606A;'
                                f'font-size:12px">{e(str(row.reasons))}</span></div>')
        if row.decided_stage in scale:
            self.stage.value = row.decided_stage if row.decided_quarter == self.quarter else (
                row.stage if row.stage in scale else row.decided_stage)
        elif row.stage in scale:
            self.stage.value = row.stage
        self._render_history(a)

    def _render_history(self, area_id: str) -> None:
        self.history_frame = self.book.history(area_id) if self.book is not None else pd.DataFrame()
        name = self.stages_frame.set_index("area_id")["area_name"].get(area_id, area_id)
        if self.history_frame.empty:
            self.history_html.value = (f'<p class="sme-history" style="margin:6px 0"><b>변경 이력</b> — {e(str(name))}: '
                                       "기록된 결정이 없습니다.</p>")
            return
        scale = self.scale
        rows = []
        for r in self.history_frame.itertuples(index=False):
            state = "<b>현재 결정</b>" if r.in_force else "<span style='color:#57606A'>이전 기록</span>"
            rows.append([e(quarter_label(r.quarter)), _chip(r.decided_stage, scale), e(r.decided_date), e(r.note) or "–",
                         e(r.recorded_at.replace("T", " ")) if r.recorded_at else "(기록 시각 없음)", state,
                         f"{r.row}행"])
        self.history_html.value = _table(["분기", "결정 단계", "결정일", "메모", "기록 시각", "상태", "파일 위치"], rows,
                                         f"변경 이력 — {e(str(name))} (최근 기록 먼저)", "sme-history")

    # ------------------------------------------------------------------ recording
    def record(self, area_id: str, stage: str, decided_date: str | date | None, note: str = "") -> bool:
        """Record the decision (or a correction) for `area_id` in the chosen quarter. True when written; False
        with the Korean reason in the form (and `status_text`) when not — the file is then unchanged."""
        if not self._reload_book():
            return False
        if decided_date is None or decided_date == "":
            self._status("error", "결정을 기록하지 않았습니다: 결정일을 고르세요 (YYYY-MM-DD).")
            return False
        before = self.book.in_force if self.book is not None else None
        try:
            self.book = record_decision(self.path, self.quarter, area_id, stage, decided_date, note,
                                        self.panel.reference, self.config.params_for, now=self.clock())
        except UserError as exc:
            self._status("error", str(exc))
            return False
        except OSError as exc:  # the old file is whole: the new one replaces it only once fully written
            self._status("error", f"결정 파일 {self.path} 에 쓰지 못했습니다 ({exc.strerror or exc}). 이전 기록은 그대로입니다. "
                                  "Excel 에서 그 파일을 열어 두었다면 닫고 다시 누르세요.")
            return False
        self.panel.decisions = self.book.in_force
        was = before[(before["quarter"] == self.quarter) & (before["area_id"] == area_id)] if before is not None else []
        verb = "고쳤습니다 (이전 결정은 변경 이력에 남습니다)" if len(was) else "기록했습니다"
        name = self.stages_frame.set_index("area_id")["area_name"].get(area_id, area_id)
        self._refresh(keep_area=area_id)
        self._status("ok", f"{name} {quarter_label(self.quarter)} 결정을 {stage}(으)로 {verb}: {self.book.path.name}")
        return True

    def _on_record(self) -> None:
        self.record(self.area.value, self.stage.value, self.date.value, self.note.value)
