"""Reports: council briefs show only their cells, make no request outside the file, escape names,
and read well in a real browser (desktop, phone, print)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.report import (
    SYNTHETIC_NOTICE,
    SelfContainedError,
    export_html,
    external_references,
    select_cells,
    stage_table_html,
    synthetic_banner_html,
)

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "outputs" / "screenshots"
XSS = "<script>alert(1)</script>"


def _code(src: str, *tags: str):
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["tags"] = list(tags)
    return cell


def _md(src: str, *tags: str):
    cell = nbformat.v4.new_markdown_cell(src)
    cell.metadata["tags"] = list(tags)
    return cell


# --- stage tables, banner ----------------------------------------------------------------------


def test_stage_table_shows_a_script_name_as_text():
    df = pd.DataFrame({"area_name": [XSS], "stage": ["심각"], "reasons": ["<b>굵게</b>; 둘째 이유"]})
    out = stage_table_html(df, {"area_name": "지역", "stage": "단계", "reasons": "사유"})
    assert XSS not in out and "<b>굵게</b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;b&gt;굵게&lt;/b&gt;<br>둘째 이유" in out


def test_stage_table_formats_numbers_and_shows_the_stage_by_word_symbol_and_colour():
    df = pd.DataFrame({"area_name": ["창원"], "employees": [12345.6], "employees_yoy_pct": [-12.34],
                       "employees_gap_pp": [-4.0], "payroll_krw": [123_456_000_000], "stage": ["주의"],
                       "prev_stage": [""]})
    out = stage_table_html(df, {"area_name": "지역", "employees": "종사자", "employees_yoy_pct": "증감",
                                "employees_gap_pp": "격차", "payroll_krw": "총급여", "stage": "단계",
                                "prev_stage": "전분기"})
    for text in ("12,346", "−12.3%", "−4.0%p", "1,234.6억원", "▲ 주의", "#E69F00"):
        assert text in out
    assert out.index("<th") < out.index("지역") < out.index("전분기")
    assert ">–</td>" in out  # no previous stage


def test_stage_table_says_so_when_no_area_qualifies():
    out = stage_table_html(pd.DataFrame(columns=["area_name", "stage"]), {"area_name": "지역", "stage": "단계"})
    assert "해당하는 지역이 없습니다" in out


def test_synthetic_banner_is_visible_korean_text():
    out = synthetic_banner_html()
    assert SYNTHETIC_NOTICE in out and 'class="sme-synthetic-banner"' in out and "display:none" not in out


# --- self-containment --------------------------------------------------------------------------


def test_external_references_finds_scripts_styles_images_and_css_urls():
    page = """<html><head><script src="https://cdn.jsdelivr.net/x.js"></script>
    <link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Noto">
    <style>@import url("https://x.org/a.css"); body{background:url(/bg.png)}</style></head>
    <body><img src="http://example.org/a.png"><img src="data:image/png;base64,AAAA">
    <a href="https://example.org/">a link is not a request</a><div style="background:url('y.png')"></div></body></html>"""
    refs = external_references(page)
    assert refs == ["https://cdn.jsdelivr.net/x.js", "https://fonts.googleapis.com/css?family=Noto",
                    "https://x.org/a.css", "/bg.png", "http://example.org/a.png", "y.png"]


def test_select_cells_keeps_brief_cells_and_drops_analysis_only_ones():
    nb = nbformat.v4.new_notebook()
    nb.cells = [_code("a = 1", "parameters"), _md("# 제목", "brief"), _code("print('x')", "brief", "analysis-only"),
                _md("분석가용 메모")]
    nb.cells[0].outputs = []
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x")]
    brief = select_cells(nb, "brief")
    assert [c.source for c in brief.cells] == ["# 제목"]
    assert len(select_cells(nb, "analysis").cells) == 4
    assert len(nb.cells) == 4  # the input notebook is not changed
    with pytest.raises(ValueError):
        select_cells(nb, "council")


def test_an_error_in_a_brief_cell_becomes_a_short_korean_notice_not_a_traceback():
    nb = nbformat.v4.new_notebook()
    cell = _code("1/0", "brief")
    cell.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                           traceback=["Traceback SECRET_TRACEBACK"])]
    nb.cells = [cell]
    out = select_cells(nb, "brief").cells[0].outputs[0]
    assert "오류가 발생해" in out["data"]["text/html"] and "ZeroDivisionError" in out["data"]["text/html"]
    assert "SECRET_TRACEBACK" not in str(out)
    assert select_cells(nb, "analysis").cells[0].outputs[0]["output_type"] == "error"


# --- notebook export ---------------------------------------------------------------------------

BRIEF_NOTEBOOK = [
    _code("synthetic = True\nsido_code = '48'  # SECRET_SOURCE_MARKER", "parameters"),
    _code("import matplotlib.pyplot as plt\nfrom IPython.display import HTML, display\n"
          "from helpers import charts, report\n"
          "from tests.chart_frames import areas_frame, indicators_frame, stages_frame\n"
          "charts.use_korean_theme()\nind, st, ar = indicators_frame(), stages_frame(), areas_frame()"),
    _code("display(HTML(report.synthetic_banner_html()))", "brief"),
    _md("# 경상남도 중소기업 밀집지역 위기징후 브리프\n\n2026년 2분기 (자료: 2025-04 ~ 2026-06)\n\n## 핵심 요약", "brief"),
    _code("counts = st['stage'].value_counts().reindex(['양호','주의','심각','판단유보']).fillna(0)\n"
          "display(HTML(report.stage_table_html(counts.rename_axis('stage').reset_index(name='areas'),"
          " {'stage': '단계', 'areas': '지역 수'})))", "brief"),
    _md("## 지역 경기동향", "brief"),
    _code("fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), layout='constrained')\n"
          "charts.trend_chart(ind, '48', ax=axes[0]); charts.industry_trend_chart(ind, '48', ax=axes[1])\nplt.show()",
          "brief"),
    _md("## 밀집지역 지도", "brief"),
    _code("charts.province_map(st, ar, '48')\nplt.show()", "brief"),
    _md("## 주의·심각 지역", "brief"),
    _code("flagged = st[st['stage_rank'] >= 1]\n"
          "display(HTML(report.stage_table_html(flagged, {'area_name': '지역', 'stage': '단계', "
          "'employees': '종사자 수', 'employees_yoy_pct': '종사자 증감', 'payroll_yoy_pct': '총급여 증감', "
          "'reasons': '판단 근거', 'programmes': '연계 지원사업'})))", "brief"),
    _code("print('SECRET_ANALYSIS_ONLY')", "brief", "analysis-only"),
    _code("print('ANALYST_ONLY_OUTPUT')\nst.head()"),
    _code("import warnings; warnings.warn('STDERR_WARNING')\nax = plt.gca(); plt.close('all'); ax", "brief"),
    _md("## 방법 및 자료\n\n국민연금 가입 사업장 내역으로 계산했습니다. 총급여는 상한 때문에 하한 추정치입니다. "
        "수식 $x^2$ 은 수식 엔진 없이 글자로 남습니다.", "brief"),
]


def _without_data_uris(page: str) -> str:
    return re.sub(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+", "data:", page)


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory) -> Path:
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.from_dict(c) for c in BRIEF_NOTEBOOK]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    path = tmp_path_factory.mktemp("nb") / "regional_monitoring.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def brief(executed_notebook) -> Path:
    return export_html(executed_notebook, executed_notebook.parent / "48" / "brief.html", "brief")


@pytest.mark.slow
def test_brief_has_no_code_no_prompts_and_only_brief_cells(brief):
    page = brief.read_text(encoding="utf-8")
    assert '<html lang="ko">' in page
    assert "<title>경상남도 중소기업 밀집지역 위기징후 브리프</title>" in page
    for absent in ("SECRET_SOURCE_MARKER", "import matplotlib", "charts.province_map", "SECRET_ANALYSIS_ONLY",
                   "ANALYST_ONLY_OUTPUT", "STDERR_WARNING", "&lt;Axes", "In&nbsp;[", "Out["):
        assert absent not in page, absent
    for present in (SYNTHETIC_NOTICE, "핵심 요약", "지역 경기동향", "밀집지역 지도", "주의·심각 지역", "방법 및 자료"):
        assert present in page, present


@pytest.mark.slow
def test_brief_embeds_figures_and_escapes_area_names(brief):
    page = brief.read_text(encoding="utf-8")
    assert page.count('src="data:image/svg+xml;base64,') == 2  # trends, map: nbconvert embeds inline SVGs
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "▲ 주의" in page and "■ 심각" in page


@pytest.mark.slow
def test_brief_makes_no_external_request(brief):
    page = brief.read_text(encoding="utf-8")
    low = _without_data_uris(page).lower()  # base64 images may contain any letters, even "cdn"
    assert "<script src=" not in low and "require.js" not in low and "cdn" not in low and "mathjax" not in low
    assert "http://" not in low and "https://" not in low
    assert "<link" not in low and "@font-face" not in low
    assert external_references(page) == []
    assert "@page { size: A4" in page and "@media (max-width: 640px)" in page


@pytest.mark.slow
def test_analysis_shows_code_folded_and_every_output(executed_notebook):
    out = export_html(executed_notebook, executed_notebook.parent / "48" / "analysis.html", "analysis")
    page = out.read_text(encoding="utf-8")
    assert page.count('<details class="sme-code" open') == 10
    assert "SECRET_SOURCE_MARKER" in page and "ANALYST_ONLY_OUTPUT" in page and "SECRET_ANALYSIS_ONLY" in page
    assert external_references(page) == [] and "cdn" not in _without_data_uris(page).lower()
    assert XSS not in page


@pytest.mark.slow
def test_export_refuses_a_page_that_would_load_from_outside(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_md("# 제목\n\n![로고](https://example.org/logo.png)", "brief")]
    src = tmp_path / "x.ipynb"
    nbformat.write(nb, src)
    with pytest.raises(SelfContainedError, match="example.org"):
        export_html(src, tmp_path / "brief.html", "brief")
    assert not (tmp_path / "brief.html").exists()


# --- in a real browser -------------------------------------------------------------------------


@pytest.mark.slow
def test_brief_in_headless_chromium_requests_nothing_but_itself(brief):
    from tests.browser import PHONE, open_page

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit = open_page(brief, screenshot=SCREENSHOTS / "brief_desktop.png")
    assert visit.requests == [brief.resolve().as_uri()], visit.requests
    assert visit.external_requests == [] and visit.page_errors == []
    assert visit.headings[:2] == ["경상남도 중소기업 밀집지역 위기징후 브리프", "핵심 요약"]
    for heading in ("지역 경기동향", "밀집지역 지도", "주의·심각 지역", "방법 및 자료"):
        assert heading in visit.headings
    assert SYNTHETIC_NOTICE in visit.text and XSS in visit.text  # the name is shown, as text
    assert visit.screenshot.stat().st_size > 20_000

    phone = open_page(brief, screenshot=SCREENSHOTS / "brief_phone.png", viewport=PHONE)
    assert phone.external_requests == []
    printed = open_page(brief, screenshot=SCREENSHOTS / "brief_print.png", media="print",
                        viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    assert printed.external_requests == []


@pytest.mark.slow
def test_browser_helper_fails_loudly_without_chromium(monkeypatch):
    from tests import browser

    monkeypatch.setenv("CHROMIUM_PATH", "/nonexistent/chromium")
    monkeypatch.setattr(browser.shutil, "which", lambda _name: None)
    monkeypatch.setattr(browser.Path, "is_file", lambda self: False)
    with pytest.raises(browser.ChromiumMissing, match="apt-get install -y chromium"):
        browser.chromium_path()


def test_a_missing_browser_makes_no_pdf_and_says_so_in_korean(tmp_path, monkeypatch):
    from helpers.report import write_pdf

    page = tmp_path / "brief.html"
    page.write_text("<!DOCTYPE html><html lang=ko><body>보고</body></html>", encoding="utf-8")
    monkeypatch.setenv("SME_CHROMIUM", str(tmp_path / "없는-브라우저"))
    reason = write_pdf(page, tmp_path / "brief.pdf")
    assert reason and "Chromium 이 없습니다" in reason and "apt-get install chromium" in reason
    assert not (tmp_path / "brief.pdf").exists() and not list(tmp_path.glob(".*tmp"))


def test_a_browser_that_fails_leaves_no_half_written_pdf(tmp_path, monkeypatch):
    from helpers.report import write_pdf

    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'crashed' >&2\nexit 5\n")
    fake.chmod(0o755)
    page = tmp_path / "brief.html"
    page.write_text("<!DOCTYPE html><html lang=ko><body>보고</body></html>", encoding="utf-8")
    monkeypatch.setenv("SME_CHROMIUM", str(fake))
    reason = write_pdf(page, tmp_path / "brief.pdf")
    assert "종료 코드 5" in reason and "crashed" in reason
    assert not (tmp_path / "brief.pdf").exists()
