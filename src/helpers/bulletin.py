"""The monthly bulletin (월간 위기징후 속보): one A4 page per province that the centre sends between councils
(issue 13): the alerts new this month, the alerts that continue from last month, the quarter's nowcast
(전망, 추정) and how to read them. HTML (self-contained) and PDF (`report.write_pdf`).

The numbers come in as tables computed once for every province (`month_alerts` of the month and of the
month before, `nowcast` of the month): `write_bulletins` does that and writes each province's page and
the month's index. `bulletin_html` only lays a province's rows out, so it is tested on any tables.

A page must stay one page for a province with hundreds of areas: each section shows at most
`bulletin.rows` lines (경계 first, then the largest readings) and says how many more there are, naming
where the full lists are (alerts.csv, the nowcast CSV beside the page). No firm is ever named: the alert
table carries sizes only.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers import codes
from helpers.alerts import ALERT_COLUMNS, SIGNAL_LABELS, month_alerts, month_label
from helpers.export import write_csv_bom
from helpers.files import write_text_atomic
from helpers.fmt import fmt_pct, fmt_pp
from helpers.nowcast import LABEL, NOWCAST_COLUMNS, nowcast
from helpers.panel import Panel
from helpers.periods import add_months, quarter_label, quarter_months, shift_quarter
from helpers.report import page_html, stage_chip_html, synthetic_banner_html, write_pdf

e = html.escape
KEY = ["area_id", "signal"]
LEVEL_STYLE = {"경계": ("#B42318", "#FFFFFF", "▲"), "관심": ("#F5C04A", "#3D2E00", "●")}
DEFAULT_ROWS = 6


def split_alerts(now: pd.DataFrame, before: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(new, continuing): the alerts of this month whose (area, signal) was not active the month before,
    and those that were. Both keep `now`'s columns and order."""
    was = set(zip(before["area_id"], before["signal"])) if len(before) else set()
    on = pd.Series([k in was for k in zip(now["area_id"], now["signal"])], index=now.index, dtype=bool)
    return now[~on], now[on]


@dataclass
class ProvinceBulletin:
    """What one province's page shows, and where it went."""

    sido_code: str
    new: int = 0
    continuing: int = 0
    flagged: int = 0  # areas whose nowcast stage is the second step of the scale or worse
    html_path: Path | None = None
    pdf_path: Path | None = None
    pdf_error: str | None = None
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Page parts.


def _level_chip(level: str) -> str:
    bg, fg, sym = LEVEL_STYLE.get(level, ("#6E7781", "#FFFFFF", ""))
    return (f'<span class="bl-level" data-level="{e(level, quote=True)}" style="background:{bg};color:{fg}">'
            f"{e(sym)} {e(level)}</span>")


def _short_reason(reason: str, month: str) -> str:
    """The alert's reason without the month it ends with (the page is about that month)."""
    return reason.replace(f" — {month_label(month)}", "")


def _ranked(alerts: pd.DataFrame) -> pd.DataFrame:
    """경계 before 관심, then the readings furthest beyond their threshold, then by area."""
    if not len(alerts):
        return alerts
    over = (alerts["value"] / alerts["threshold"].where(alerts["threshold"] != 0)).fillna(0).abs()
    return (alerts.assign(_l=(alerts["level"] != "경계").astype(int), _o=-over)
            .sort_values(["_l", "_o", "area_id"], kind="mergesort").drop(columns=["_l", "_o"]))


def _more(n: int, shown: int, what: str, where: str) -> str:
    return (f'<p class="bl-more">외 {n - shown:,}{what} — 전체 목록은 {e(where)}</p>' if n > shown else "")


def new_alerts_html(new: pd.DataFrame, month: str, rows: int) -> str:
    """이달의 새 경보: one line per new alert (area, signal, level, the reason with its numbers)."""
    head = f"<h2>이달의 새 경보 <small>{len(new):,}건 · {new['area_id'].nunique():,}곳</small></h2>"
    if not len(new):
        return head + "<p>이달 새로 켜진 경보가 없습니다.</p>"
    shown = _ranked(new).head(rows)
    trs = "".join(f"<tr><td>{e(r.area_name)}</td><td class='bl-sig'>{e(SIGNAL_LABELS.get(r.signal, r.signal))}</td>"
                  f"<td>{_level_chip(r.level)}</td><td class='bl-why'>{e(_short_reason(r.reason, month))}</td></tr>"
                  for r in shown.itertuples(index=False))
    return (head + '<table class="bl-table"><thead><tr><th>지역</th><th>신호</th><th>단계</th><th>내용</th></tr></thead>'
            f"<tbody>{trs}</tbody></table>" + _more(len(new), len(shown), "건", "alerts.csv (python -m helpers alerts)"))


def continuing_html(cont: pd.DataFrame, rows: int) -> str:
    """계속되는 경보: one line per area (its signals still on, each with its level)."""
    n_areas = cont["area_id"].nunique() if len(cont) else 0
    head = f"<h2>계속되는 경보 <small>{len(cont):,}건 · {n_areas:,}곳 (지난달부터)</small></h2>"
    if not len(cont):
        return head + "<p>지난달부터 이어지는 경보가 없습니다.</p>"
    ranked = _ranked(cont)
    areas = list(dict.fromkeys(ranked["area_id"]))
    lines = []
    for a in areas[:rows]:
        g = ranked[ranked["area_id"] == a]
        sig = ", ".join(f"{SIGNAL_LABELS.get(s, s)} {_level_chip(lv)}" for s, lv in zip(g["signal"], g["level"]))
        lines.append(f"<tr><td>{e(g['area_name'].iloc[0])}</td><td>{sig}</td></tr>")
    return (head + '<table class="bl-table"><thead><tr><th>지역</th><th>이어지는 신호</th></tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table>" + _more(len(areas), min(rows, len(areas)), "곳", "alerts.csv"))


def forecast_rows(nc: pd.DataFrame, scale: Sequence[str]) -> pd.DataFrame:
    """The nowcast rows the bulletin lists: stage at the second step of the scale or worse, or a stage
    (on the scale) different from last quarter's; most severe first, then the largest fall of employees."""
    rank = {s: i for i, s in enumerate(scale)}
    r = nc["stage"].map(rank)
    prev = nc["prev_stage"].map(rank)
    keep = (r >= 1) | (r.notna() & prev.notna() & (r != prev))
    return (nc[keep].assign(_r=-r[keep], _e=nc.loc[keep, "employees_yoy_pct"])
            .sort_values(["_r", "_e", "area_id"], kind="mergesort").drop(columns=["_r", "_e"]))


def _band(r, name: str, known: int) -> str:
    point = fmt_pct(getattr(r, f"{name}_yoy_pct"))
    lo, hi = getattr(r, f"{name}_yoy_lo_pct"), getattr(r, f"{name}_yoy_hi_pct")
    if known == 3 or pd.isna(lo) or pd.isna(hi):
        return e(point)
    return f"{e(point)} <small>({e(fmt_pct(lo))} ~ {e(fmt_pct(hi))})</small>"


def forecast_html(nc: pd.DataFrame, month: str, scale: Sequence[str], rows: int, band_pct: float) -> str:
    """이번 분기 전망: the areas at 주의 or worse, or changing from last quarter, with their bands."""
    if not len(nc):
        return "<h2>이번 분기 전망</h2><p>전망할 밀집지역이 없습니다.</p>"
    quarter, known = nc["quarter"].iloc[0], int(nc["months_known"].iloc[0])
    months = quarter_months(quarter)
    prev_q = quarter_label(shift_quarter(quarter, -1))
    listed = forecast_rows(nc, scale)
    if known < 3:
        title = f"이번 분기 {LABEL} — {quarter_label(quarter)}"
        lead = (f"{known}개월({months[0]}{'~' + months[known - 1] if known > 1 else ''}) 자료로 분기 전체를 추정한 "
                f"<strong>{LABEL}</strong>입니다. 범위는 같은 방법의 지난 분기 예측 오차로 잡은 {band_pct:g}% 예측구간, "
                "괄호 속 단계는 그 범위에서 가능한 단계입니다.")
    else:
        title = f"이번 분기 제안 단계 — {quarter_label(quarter)} (3개월 자료, 추정 아님)"
        lead = f"{quarter_label(quarter)}의 세 달 자료가 모두 있어 분기 규칙을 그대로 적용했습니다 (협의회 전 제안 단계)."
    rank = {s: i for i, s in enumerate(scale)}
    maybe = nc[(nc["stage"].map(rank) < 1) & (nc["stage_high"].map(rank) >= 1)]
    lead += (f" 주의 이상이거나 지난 분기({e(prev_q)})와 단계가 다른 {len(listed):,}곳을 싣습니다.")
    if len(maybe):
        lead += f" 범위상 주의 이상일 수 있는 곳: {e(', '.join(maybe['area_name'].head(3)))}" + (
            f" 외 {len(maybe) - 3}곳" if len(maybe) > 3 else "") + "."
    no_call = int((nc["stage"].map(rank).isna()).sum())
    if no_call:
        lead += f" 판단유보 {no_call:,}곳(자료 부족·이상)."
    out = [f"<h2>{e(title)}</h2>", f'<p class="bl-lead">{lead}</p>']
    if not len(listed):
        return "".join(out) + "<p>주의 이상이거나 단계가 바뀔 것으로 보이는 지역이 없습니다.</p>"
    trs = "".join(
        f"<tr><td>{e(r.area_name)}</td><td>{stage_chip_html(r.stage, scale)}"
        + (f" <small>({e(r.stage_low)}~{e(r.stage_high)} 가능)</small>" if r.stage_low != r.stage_high else "")
        + f"</td><td>{stage_chip_html(r.prev_stage, scale)}</td><td class='num'>{_band(r, 'employees', known)}</td>"
        f"<td class='num'>{_band(r, 'payroll', known)}</td><td class='num'>{e(fmt_pct(r.workplaces_yoy_pct))}</td>"
        f"<td class='num'>{e(fmt_pp(r.employees_gap_pp))}</td></tr>"
        for r in listed.head(rows).itertuples(index=False))
    head = (f"<tr><th>지역</th><th>{LABEL + ' 단계' if known < 3 else '제안 단계'}</th><th>지난 분기</th>"
            "<th>종사자수 전년동기비 (범위)</th><th>총급여 전년동기비 (범위)</th><th>사업장수</th><th>시도 대비 격차</th></tr>")
    return ("".join(out) + f'<table class="bl-table bl-forecast"><thead>{head}</thead><tbody>{trs}</tbody></table>'
            + _more(len(listed), min(rows, len(listed)), "곳", "같은 폴더의 nowcast.csv"))


def _rule_text(cond: dict) -> str:
    from helpers.fields import rule_label

    if cond["kind"] == "count_at_or_below":
        names = "·".join(rule_label(i) for i in cond["indicators"])
        n = int(cond.get("min_count", 1))
        return f"{names} 중 {n}개 이상이 전년동기 대비 {cond['threshold_pct']:g}% 이하"
    cmp = "미만" if cond.get("strict") else "이하"
    return f"종사자수 {cond['growth_pct']:g}% {cmp}이면서 시도 대비 격차 {cond['gap_pp']:g}%p 이하"


def howto_html(params: dict) -> str:
    """읽는 법: what 관심/경계 mean, that alerts are not stages, the thresholds (from params)."""
    from helpers.alerts import alert_params

    a = alert_params(params)
    lv, mem, big = a["levels"], a["members"], a["large_employer"]
    rules = " / ".join(f"{r['stage']}: " + " 또는 ".join(_rule_text(c) for c in r.get("any", []))
                       for r in params["stages"].get("rules", []))
    items = [
        "<strong>경보는 위기단계가 아닙니다.</strong> 월별 자료에서 켜진 신호로, 전화·현장 확인 같은 후속 점검이 필요하다는 "
        "뜻입니다. 위기단계(양호·주의·심각)는 분기 자료로 지역중소기업 지원협의회가 정합니다.",
        f"{_level_chip('관심')} 신호가 켜짐. {_level_chip('경계')} 같은 신호가 {lv['persist_months']}개월 이어지거나, 한 지역에서 "
        f"신호 {lv['coincide_signals']}개 이상이 겹치거나, 기준을 크게(신호별 배수) 넘을 때. 대형 사업장 탈퇴는 언제나 경계.",
        f"주요 기준(설정 params/ 의 alerts·stages): 종사자 감소 — 계절 조정 {mem['window_months']}개월 변화 "
        f"{mem['momentum_pp']:g}%p 이하 또는 전년 같은 달 대비 {mem['yoy_pct']:g}% 이하; 대형 사업장 — 가입자 "
        f"{big['min_members']:g}명 이상 또는 지역 종사자의 {big['min_share_pct']:g}% 이상인 사업장의 탈퇴나 한 달 "
        f"{big['shrink_pct']:g}% 이상 감소. 분기 단계 규칙 — {e(rules)}.",
        f"{LABEL}은 분기가 끝나기 전의 추정이라 분기 자료가 모이면 달라질 수 있습니다. 총급여는 보험료를 그달 보험료율로 나눈 "
        "추정치이며, 기준소득월액 상한 때문에 실제보다 낮게 잡힌 하한입니다. 사업장 이름은 싣지 않습니다.",
    ]
    return '<h2>읽는 법</h2><ul class="bl-howto">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


BULLETIN_CSS = """
.sme-bulletin .sme-main { max-width: 1100px; padding-top: 16px; }
.sme-bulletin h1 { font-size: 1.4rem; margin: 0.2em 0 0.2em; }
.sme-bulletin h2 { font-size: 1.05rem; margin: 0.9em 0 0.35em; border-bottom-width: 1px; }
.sme-bulletin h2 small { font-weight: 400; color: #57606a; font-size: 0.85em; margin-left: 0.4em; }
.sme-bulletin p { margin: 0.3em 0; }
.bl-sub { color: #444; font-size: 0.9rem; margin: 0; }
.bl-cards { display: flex; gap: 8px; margin: 8px 0 4px; }
.bl-card { flex: 1 1 0; border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 10px; background: #fafbfc; }
.bl-card b { font-size: 1.35em; margin: 0 0.1em 0 0.2em; }
.bl-table { width: 100%; border-collapse: collapse; font-size: 0.85rem; margin: 0.2em 0; }
.bl-table th, .bl-table td { border: 1px solid #d0d7de; padding: 2px 6px; vertical-align: top; text-align: left; }
.bl-table th { background: #f3f5f7; white-space: nowrap; font-weight: 700; }
.bl-table td.num { text-align: right; white-space: nowrap; }
.bl-table td.num small { font-size: 0.85em; }
.bl-table td:first-child { min-width: 12em; }
.bl-table small { color: #57606a; }
.bl-why { font-size: 0.95em; }
.bl-sig { white-space: nowrap; }
.bl-level { display: inline-block; padding: 0 6px; border-radius: 8px; font-weight: 700; white-space: nowrap;
  font-size: 0.9em; line-height: 1.4; }
.bl-more, .bl-lead { font-size: 0.85rem; color: #444; }
.bl-howto { margin: 0.2em 0 0; padding-left: 1.2em; }
.sme-bulletin .bl-howto li { font-size: 0.8rem; line-height: 1.45; margin: 0.1em 0; }
.bl-foot { font-size: 0.75rem; color: #57606a; margin-top: 0.6em; }
@media print {
  html { font-size: 8.2pt; }
  .sme-bulletin .sme-main { padding: 0; }
  .sme-bulletin .sme-synthetic-banner { margin: 0.2em 0 0.4em !important; padding: 3px 8px !important; }
  .bl-foot { display: none; }
}
"""


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def issuer(params: dict, sido_code: str) -> tuple[str, str]:
    """(issuing centre, contact) from `brief.issuer` / `brief.contact`, as on the quarterly brief."""
    b = params.get("brief", {}) or {}
    fill = {"province": codes.SIDO_NAMES[sido_code], "short": codes.SIDO_SHORT[sido_code]}
    return (str(b.get("issuer") or "{province} 지역중소기업 위기지원센터").format(**fill),
            str(b.get("contact") or "").format(**fill))


def _print_css(title: str, centre: str, issued: str, synthetic: bool) -> str:
    top = ('@top-center { content: "합성(가상) 자료 — 실제 현황이 아닙니다"; color: #8a5a00; font-weight: 700; '
           "font-size: 8pt; }") if synthetic else ""
    foot = _css_string(f"{title} · {centre} · 발행 {issued}")
    return (f"@page {{ size: A4; margin: 10mm 10mm 11mm; {top} @bottom-left {{ content: {foot}; font-size: 7pt; color: #555; }} "
            '@bottom-right { content: counter(page) " / " counter(pages); font-size: 7pt; color: #555; } }')


def bulletin_html(sido_code: str, month: str, new: pd.DataFrame, continuing: pd.DataFrame, nc: pd.DataFrame, *,
                  params: dict, synthetic: bool, previous_month_missing: bool = False, issued: str | None = None,
                  links: bool = True, rows: int | None = None) -> str:
    """One province's bulletin page for `month` from its rows of the month's alerts (new, continuing) and
    of the nowcast. Self-contained; one A4 page in print for any number of areas. `rows`: lines per
    section (default `bulletin.rows`)."""
    issued = issued or dt.date.today().isoformat()
    province = codes.SIDO_NAMES[sido_code]
    centre, contact = issuer(params, sido_code)
    rows = rows or section_rows(params)
    scale = params["stages"]["scale"]
    band_pct = float((params.get("nowcast") or {}).get("band_pct", 80))
    title = f"{province} 밀집지역 월간 위기징후 속보 — {month_label(month)}"
    flagged = int((nc["stage"].map({s: i for i, s in enumerate(scale)}) >= 1).sum()) if len(nc) else 0
    known = int(nc["months_known"].iloc[0]) if len(nc) else 0
    what = LABEL if known < 3 else "제안"
    parts = [f"<style>{BULLETIN_CSS}{_print_css(title, centre, issued, synthetic)}</style>",
             f"<h1>{e(title)}</h1>",
             f'<p class="bl-sub">자료: 국민연금 가입 사업장 내역(~{e(month)}) · 발행: {e(centre)} · '
             f"발행일 {e(issued)}" + (f" · 문의: {e(contact)}" if contact else "") + "</p>"]
    if synthetic:
        parts.append(synthetic_banner_html())
    parts.append(
        '<div class="bl-cards">'
        f'<div class="bl-card">새 경보 <b>{len(new):,}</b>건 ({new["area_id"].nunique() if len(new) else 0:,}곳)</div>'
        f'<div class="bl-card">계속되는 경보 <b>{len(continuing):,}</b>건 '
        f'({continuing["area_id"].nunique() if len(continuing) else 0:,}곳)</div>'
        f'<div class="bl-card">분기 {e(what)} 단계 주의 이상 <b>{flagged:,}</b>곳 (밀집지역 {len(nc):,}곳 중)</div></div>')
    if previous_month_missing:
        parts.append(f'<p class="bl-more">{e(month_label(add_months(month, -1)))} 자료가 없어 이달의 경보를 모두 새 경보로 '
                     "보였습니다.</p>")
    parts += [new_alerts_html(new, month, rows), continuing_html(continuing, rows),
              forecast_html(nc, month, scale, rows, band_pct), howto_html(params)]
    if links:
        parts.append('<p class="bl-foot"><a href="../index.html">이달의 전체 시도 속보</a> · '
                     '<a href="alerts.csv">이달 경보 전체(alerts.csv)</a> · <a href="nowcast.csv">분기 전망 전체(nowcast.csv)</a></p>')
    return page_html(title, "\n".join(parts), kind="bulletin")


def section_rows(params: dict) -> int:
    return int((params.get("bulletin") or {}).get("rows", DEFAULT_ROWS))


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF as Chromium writes it (page objects are not compressed)."""
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def write_bulletins(panel: Panel, month: str, sido_codes: Sequence[str], out_dir: str | Path, *,
                    issued: str | None = None, pdf: bool = True) -> list[ProvinceBulletin]:
    """The month's bulletins of `sido_codes` under `out_dir` (`<sido>/bulletin.html`, `.pdf`, the province's
    `alerts.csv` and `nowcast.csv`) and `index.html`. The alerts of the month and of the month before and
    the nowcast are computed once, for every province."""
    out_dir = Path(out_dir)
    now = month_alerts(panel, month)
    prev = add_months(month, -1)
    missing_prev = prev not in panel.months
    before = now.iloc[0:0] if missing_prev else month_alerts(panel, prev)
    nc = nowcast(panel, month)
    new, cont = split_alerts(now, before)
    results = []
    for sido in sido_codes:
        params = panel.params_for(sido)
        mine = [t[t["sido_code"].astype(str) == sido] for t in (new, cont, nc)]
        d = out_dir / sido
        res = ProvinceBulletin(sido, len(mine[0]), len(mine[1]))
        scale = params["stages"]["scale"]
        res.flagged = int((mine[2]["stage"].map({s: i for i, s in enumerate(scale)}) >= 1).sum())
        table = pd.concat([mine[0].assign(status="새 경보"), mine[1].assign(status="계속")], ignore_index=True)
        write_csv_bom(table[ALERT_COLUMNS + ["status"]] if len(table) else pd.DataFrame(columns=ALERT_COLUMNS + ["status"]),
                      d / "alerts.csv")
        write_csv_bom(mine[2][NOWCAST_COLUMNS], d / "nowcast.csv")
        _write_page(res, d, lambda rows, mine=mine, params=params, sido=sido: bulletin_html(
            sido, month, *mine, params=params, synthetic=panel.synthetic, previous_month_missing=missing_prev,
            issued=issued, rows=rows), section_rows(params), pdf)
        results.append(res)
    write_text_atomic(out_dir / "index.html", index_html(month, results, panel.synthetic, issued))
    return results


def _write_page(res: ProvinceBulletin, d: Path, render, rows: int, pdf: bool) -> None:
    """Write the page (and its PDF); when the PDF runs over one page (long names), lay it out again with
    fewer lines per section, down to 3, and say so."""
    while True:
        res.html_path = write_text_atomic(d / "bulletin.html", render(rows))
        if not pdf:
            return
        res.pdf_error = write_pdf(res.html_path, d / "bulletin.pdf")
        if res.pdf_error is not None:
            return
        res.pdf_path = d / "bulletin.pdf"
        pages = pdf_pages(res.pdf_path.read_bytes())
        if pages == 1 or rows <= 3:
            if pages != 1:
                res.notes.append(f"PDF 가 {pages}쪽입니다 (한 쪽을 넘음)")
            return
        rows -= 1
        res.notes.append(f"한 쪽에 맞추려고 절마다 {rows}줄까지만 보였습니다")


def index_html(month: str, results: Sequence[ProvinceBulletin], synthetic: bool, issued: str | None = None) -> str:
    """The month's landing page: every province's bulletin with its counts."""
    issued = issued or dt.date.today().isoformat()
    trs = []
    for r in results:
        pdf = f'<a href="{e(r.sido_code)}/bulletin.pdf">PDF</a>' if r.pdf_path else "–"
        trs.append(f"<tr><td>{e(codes.SIDO_NAMES[r.sido_code])}</td><td class='num'>{r.new:,}</td>"
                   f"<td class='num'>{r.continuing:,}</td><td class='num'>{r.flagged:,}</td>"
                   f'<td><a href="{e(r.sido_code)}/bulletin.html">HTML</a> · {pdf}</td></tr>')
    body = [f"<style>{BULLETIN_CSS}</style>", f"<h1>월간 위기징후 속보 — {e(month_label(month))}</h1>",
            f'<p class="bl-sub">시도별 한 쪽 속보 · 발행일 {e(issued)} · 분기 전망은 {LABEL}입니다.</p>']
    if synthetic:
        body.append(synthetic_banner_html())
    body.append('<table class="bl-table"><thead><tr><th>시도</th><th>새 경보(건)</th><th>계속되는 경보(건)</th>'
                f"<th>분기 단계 주의 이상(곳)</th><th>속보</th></tr></thead><tbody>{''.join(trs)}</tbody></table>")
    return page_html(f"월간 위기징후 속보 {month}", "\n".join(body), kind="bulletin")
