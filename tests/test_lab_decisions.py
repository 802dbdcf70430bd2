"""The decision form in a real JupyterLab (headless Chromium): decisions.ipynb run from the menu, a decision
recorded and corrected by clicking, the file on disk checked, and a screenshot kept for a person to look at.

Chromium missing is a failure with an instruction (never a skip): `tests.browser.chromium_path()`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.decisions import COMMENT_HEADER, FILE_COLUMNS, read_decisions
from tests.test_explorer import small_demo_root
from tests.test_lab import ROOT, _notebook_with_parameters, lab_notebook, wait_for_widget

SCREENSHOT = ROOT / "outputs" / "screenshots" / "lab_decisions.png"
FAILURE = SCREENSHOT.with_name("lab_decisions_failure.png")


def _workspace(demo: Path, root: Path) -> Path:
    """A workspace whose batch ran 2026Q3 (its saved panel in outputs/2026Q3/_panel) and whose decisions file,
    saved by Korean Excel (cp949, CRLF), holds last quarter's decision on 48-003 with a correction."""
    shutil.copytree(demo / "params", root / "params")
    shutil.copytree(demo / "data" / "reference", root / "data" / "reference")
    shutil.copytree(demo / "panel", root / "outputs" / "2026Q3" / "_panel")
    lines = [*COMMENT_HEADER, ",".join(FILE_COLUMNS),
             "2026Q2,48-003,주의,2026-07-28,1차 협의회,2026-07-28T15:00:00",
             "2026Q2,48-003,심각,2026-08-04,\"실태조사 후 심각, 조선 협력업체\",2026-08-04T10:20:00"]
    (root / "params" / "decisions.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp949"))
    return root


@pytest.mark.slow
def test_the_decision_form_records_and_corrects_a_decision_in_jupyterlab(tmp_path, demo_raw):
    root = _workspace(small_demo_root(demo_raw), tmp_path / "root")
    work = tmp_path / "notebooks"
    work.mkdir()
    _notebook_with_parameters(work, {"sido_code": "48", "outputs_dir": str(root / "outputs")}, "decisions.ipynb")
    with lab_notebook(tmp_path, work, "decisions.ipynb", root, {"width": 1280, "height": 1600}) as lab:
        page = lab.page
        wait_for_widget(lab, ".sme-decisions .widget-dropdown select", FAILURE)
        form = page.locator(".sme-decisions")
        text = form.inner_text()
        assert "경상남도 협의회 결정 기록 — 2026년 3분기" in text and "합성(가상) 자료" in text
        assert "결정이 필요한 지역" in text
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0

        def dropdown(label: str):
            return form.locator(".widget-dropdown", has_text=label).locator("select")

        area_labels = dropdown("밀집지역").locator("option").all_inner_texts()
        target = next(t for t in area_labels if "(48-003)" in t)
        dropdown("밀집지역").select_option(label=target)
        page.wait_for_function("() => document.querySelector('.sme-decisions .sme-history')"
                               " && document.querySelector('.sme-decisions .sme-history').innerText.includes('1차 협의회')",
                               timeout=30_000)
        for stage, note, says in (("주의", "3분기 협의회: 고용 회복세로 주의", "기록했습니다"),
                                  ("심각", "재검토: 협력업체 추가 휴업으로 심각 유지", "고쳤습니다")):
            dropdown("결정 단계").select_option(label=stage)
            form.locator(".widget-textarea textarea").fill(note)
            page.wait_for_timeout(300)  # the note reaches the kernel before the click
            form.locator("button", has_text="결정 기록").click()
            page.wait_for_function(f"() => document.querySelector('.sme-decisions .sme-status-ok')"
                                   f" && document.querySelector('.sme-decisions .sme-status-ok').innerText.includes('{says}')",
                                   timeout=30_000)
            page.wait_for_timeout(1100)  # two recordings never share a second (the form would add one anyway)
        history = form.locator(".sme-history").inner_text()
        # one decision in force per quarter, the other row of each quarter is its trail
        assert history.count("현재 결정") == 2 and history.count("이전 기록") == 2
        assert "재검토: 협력업체 추가 휴업으로 심각 유지" in history and "실태조사 후 심각, 조선 협력업체" in history
        assert "이번 분기 기록" in form.locator(".sme-agenda").inner_text()
        form.scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        form.screenshot(path=str(SCREENSHOT))

    book = read_decisions(root / "params" / "decisions.csv", today="2026-12-31")
    now = book.in_force.set_index(["quarter", "area_id"])
    assert now.loc[("2026Q3", "48-003"), "decided_stage"] == "심각"
    assert now.loc[("2026Q2", "48-003"), "decided_stage"] == "심각"
    assert book.history("48-003", "2026Q3")["decided_stage"].tolist() == ["심각", "주의"]
    assert SCREENSHOT.is_file() and SCREENSHOT.stat().st_size > 30_000
