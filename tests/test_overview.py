"""The quarter's index page: every province's stages, links and failures, from one renderer."""

from helpers.overview import index_page_html, national_overview, overview_table_html
from helpers.report import SYNTHETIC_NOTICE, external_references
from tests.test_brief import panel

XSS = "<script>alert(1)</script>"


def _provinces():
    return [{"sido_code": "48", "name": "경상남도", "status": "ok", "error": "",
             "files": {"brief.html": "48/brief.html", "analysis.html": "48/analysis.html"}},
            {"sido_code": "31", "name": "울산광역시", "status": "failed", "error": f"KeyError: {XSS}",
             "files": {"analysis.html": "31/analysis.html", "regional_monitoring.ipynb": "31/regional_monitoring.ipynb"}}]


def test_the_table_links_each_province_counts_its_stages_and_names_failures_escaped():
    ov = national_overview(panel(), "2026Q3", _provinces())
    html = overview_table_html(ov)
    assert 'href="48/brief.html"' in html and 'href="31/analysis.html"' in html
    assert "실패" in html and XSS not in html and "&lt;script&gt;" in html
    assert "심각 1" in html  # 48-001 shrank by 30 %
    assert set(ov.stages["sido_code"]) == {"48"}  # a failed province's stages are not shown as if computed


def test_the_fallback_page_is_the_same_sections_self_contained_and_marked_synthetic():
    ov = national_overview(panel(synthetic=True), "2026Q3", _provinces())
    page = index_page_html(ov)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ko">' in page
    assert overview_table_html(ov) in page and SYNTHETIC_NOTICE in page
    assert "시도 2곳 중 완료 1곳, 실패 1곳" in page and "협의회 심의 전의 제안" in page
    assert external_references(page) == []


def test_the_fallback_page_opens_in_headless_chromium_requesting_nothing_but_itself(tmp_path):
    from tests.browser import open_page

    path = tmp_path / "index.html"
    path.write_text(index_page_html(national_overview(panel(), "2026Q3", _provinces())), encoding="utf-8")
    visit = open_page(path)
    assert visit.requests == [path.resolve().as_uri()] and visit.external_requests == []
    assert "시도별 위기단계" in visit.headings and "실패" in visit.text
