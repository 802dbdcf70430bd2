"""The quarterly batch on a small synthetic set: two provinces through Papermill, exports, determinism,
a broken province that does not stop the others, and the brief in a real (headless) browser."""

import json
import os
import shutil

import pytest

from helpers.batch import run_quarter
from helpers.cli import main
from helpers.params import project_root
from tests.browser import open_page

pytestmark = pytest.mark.slow
PROVINCES = "26,48"


@pytest.fixture(scope="module")
def small_raw(demo_raw):
    return demo_raw


@pytest.fixture(scope="module")
def batch(small_raw, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    manifest = run_quarter(provinces=PROVINCES, raw_dir=str(small_raw), out=str(out), workers=2, progress=False)
    return manifest, out / manifest["quarter"]


def test_two_provinces_produce_briefs_tables_index_and_manifest(batch):
    manifest, q = batch
    assert manifest["quarter"] == "2026Q3" and manifest["synthetic"] is True and manifest["force"] is False
    assert [p["status"] for p in manifest["provinces"]] == ["ok", "ok"]
    for s in ("26", "48"):
        for f in ("brief.html", "analysis.html", "regional_monitoring.ipynb", "indicators.csv", "indicators.xlsx",
                  "survey_candidates.csv", "survey_candidates.xlsx", "appendix.html", "tables.xlsx", "brief.pdf"):
            assert (q / s / f).is_file(), f"{s}/{f}"
    assert (q / "index.html").is_file() and not manifest["index_error"]
    on_disk = json.loads((q / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["inputs"]["raw_files"] and all(len(f["sha256"]) == 64 for f in on_disk["inputs"]["raw_files"])
    assert set(on_disk["versions"]) >= {"pandas", "papermill", "nbconvert", "seaborn"}
    assert len(on_disk["inputs"]["decisions"]["sha256"]) == 64  # decisions shape stages.csv too
    files = on_disk["provinces"][1]["files"]
    assert files["indicators.csv"] == "48/indicators.csv" and files["indicators.xlsx"] == "48/indicators.xlsx"
    stages = (q / "stages.csv").read_text(encoding="utf-8-sig").splitlines()
    assert {line.split(",")[1] for line in stages[1:]} == {"26", "48"}
    assert not (q / ".staging").exists()


def test_the_brief_has_no_code_and_says_the_data_are_synthetic(batch):
    _, q = batch
    brief = (q / "48" / "brief.html").read_text(encoding="utf-8")
    analysis = (q / "48" / "analysis.html").read_text(encoding="utf-8")
    assert "합성(가상) 자료" in brief and "합성(가상) 자료" in (q / "index.html").read_text(encoding="utf-8")
    assert "brief_context" not in brief and "brief_context" in analysis
    assert "survey" not in brief.lower() and "실태조사 후보" not in brief
    # The survey list names workplaces; no workplace name from it may reach the council brief.
    import pandas as pd

    names = pd.read_csv(q / "48" / "survey_candidates.csv", encoding="utf-8-sig", dtype=str)
    assert len(names) and not any(n in brief for n in names.iloc[:, list(names.columns).index("사업장명")])
    for heading in ("협의회 결정 요청", "현황 요약", "지역 경기동향", "밀집지역 지도", "주의·심각 지역", "방법 및 자료"):
        assert heading in brief
    # decisions come first: the council's question precedes every chart and table
    assert brief.index("협의회 결정 요청") < brief.index("현황 요약") < brief.index("지역 경기동향")


def test_pages_link_to_each_other_and_carry_a_title_per_province(batch):
    _, q = batch
    brief = (q / "48" / "brief.html").read_text(encoding="utf-8")
    analysis = (q / "48" / "analysis.html").read_text(encoding="utf-8")
    appendix = (q / "48" / "appendix.html").read_text(encoding="utf-8")
    assert "<title>경남 협의회 보고 — 2026년 3분기</title>" in brief
    assert "<title>경남 분석 보고서 — 2026년 3분기</title>" in analysis
    assert "<title>경남 부록: 전체 밀집지역 — 2026년 3분기</title>" in appendix
    for page in (brief, appendix):
        for href in ("../index.html", "brief.html", "appendix.html", "analysis.html", "tables.xlsx"):
            assert f'href="{href}"' in page, href
            target = (q / "48" / href).resolve()
            assert target.is_file(), href
    index = (q / "index.html").read_text(encoding="utf-8")
    for f in ("48/brief.pdf", "48/appendix.html", "48/tables.xlsx", "stages.xlsx"):
        assert f'href="{f}"' in index, f
    assert "합성(가상) 자료" in appendix and "@top-center" in appendix


def test_the_brief_pdf_is_a4_with_page_numbers_and_stages_xlsx_has_korean_headers(batch):
    from openpyxl import load_workbook

    _, q = batch
    pdf = (q / "48" / "brief.pdf").read_bytes()
    import re

    pages = re.findall(rb"/MediaBox ?\[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert pdf[:5] == b"%PDF-" and len(pages) >= 2
    assert all(abs(float(w) - 595) < 1 and abs(float(h) - 842) < 1 for w, h in pages)  # A4 in points
    ws = load_workbook(q / "stages.xlsx")["위기단계"]
    header = [c.value for c in ws[3]]
    assert header[:4] == ["분기", "시도코드", "지역코드", "밀집지역"] and "제안 단계" in header
    csv_rows = (q / "stages.csv").read_text(encoding="utf-8-sig").splitlines()
    assert ws.max_row - 3 == len(csv_rows) - 1


def test_rerunning_the_same_quarter_reproduces_stages_csv_byte_for_byte(batch, small_raw, tmp_path):
    manifest, q = batch
    again = run_quarter(provinces=PROVINCES, raw_dir=str(small_raw), out=str(tmp_path), workers=2, progress=False)
    assert (tmp_path / again["quarter"] / "stages.csv").read_bytes() == (q / "stages.csv").read_bytes()


def test_the_stages_command_writes_the_same_table_as_the_batch(batch, small_raw, tmp_path):
    _, q = batch
    out = tmp_path / "stages.csv"
    assert main(["stages", "--raw-dir", str(small_raw), "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    batch_lines = (q / "stages.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == batch_lines[0]
    assert [x for x in lines[1:] if x.split(",")[1] in ("26", "48")] == batch_lines[1:]


def root_failing_for(tmp_path, sido: str):
    """A workspace copy whose province notebook fails for `sido` (a cell raising, as any analysis error)."""
    import nbformat

    root = tmp_path / "root"
    for d in ("params", "notebooks", "data/reference"):
        shutil.copytree(project_root() / d, root / d, dirs_exist_ok=True)
    path = root / "notebooks" / "regional_monitoring.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(
        f'if sido_code == "{sido}":\n    raise RuntimeError("시험용 실패: 없는규칙")', metadata={"tags": ["brief"]}))
    nbformat.write(nb, path)
    return root


def test_a_broken_province_keeps_its_notebook_and_does_not_stop_the_others(small_raw, tmp_path, monkeypatch):
    monkeypatch.setenv("SME_MONITOR_ROOT", str(root_failing_for(tmp_path, "26")))
    cwd = os.getcwd()
    code = main(["run", "--provinces", PROVINCES, "--raw-dir", str(small_raw), "--out", str(tmp_path / "out"),
                 "--workers", "2"])
    assert code == 1
    assert os.getcwd() == cwd  # parallel notebook runs must not move the process elsewhere
    q = tmp_path / "out" / "2026Q3"
    manifest = json.loads((q / "manifest.json").read_text(encoding="utf-8"))
    status = {p["sido_code"]: p for p in manifest["provinces"]}
    assert status["26"]["status"] == "failed" and "없는규칙" in status["26"]["error"]
    assert status["48"]["status"] == "ok" and (q / "48" / "brief.html").is_file()
    executed = json.loads((q / "26" / "regional_monitoring.ipynb").read_text(encoding="utf-8"))
    assert any("papermill-error-cell-tag" in c["metadata"].get("tags", []) for c in executed["cells"])
    assert not (q / "26" / "brief.html").exists()
    index = (q / "index.html").read_text(encoding="utf-8")
    assert "실패" in index and "부산" in index


def test_brief_opens_in_headless_chromium_without_any_network_request(batch):
    _, q = batch
    shots = project_root() / "outputs" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for page, shot in ((q / "48" / "brief.html", "batch_brief_48.png"), (q / "index.html", "batch_index.png")):
        visit = open_page(page, screenshot=shots / shot)
        assert visit.external_requests == [], visit.external_requests
        assert not visit.page_errors
    brief = open_page(q / "48" / "brief.html")
    assert {"협의회 결정 요청", "현황 요약", "지역 경기동향", "주의·심각 지역", "방법 및 자료"} <= set(brief.headings)
    assert "합성(가상) 자료" in brief.text


def test_the_province_notebook_runs_top_to_bottom_on_its_own_without_the_batch(small_raw, tmp_path):
    import papermill as pm

    nb = project_root() / "notebooks" / "regional_monitoring.ipynb"
    out = tmp_path / "rm.ipynb"
    # Only the data folder is given; province, quarter and panel are the notebook's own defaults.
    pm.execute_notebook(str(nb), str(out), kernel_name="python3", progress_bar=False,
                        parameters={"raw_dir": str(small_raw)})
    executed = json.loads(out.read_text(encoding="utf-8"))
    outputs = [o for c in executed["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert html.count('src="data:image/svg+xml;base64,') >= 5  # trends, map, heatmap, quadrant: sharp SVG
    assert "협의회 결정 요청" in html and "sme-nav" not in html  # no links outside a batch


def test_a_run_is_a_transaction_partial_reruns_keep_the_quarter_whole_and_failures_keep_good_outputs(
        small_raw, tmp_path, monkeypatch, capsys):
    import fcntl

    out = tmp_path / "out"
    q = out / "2026Q3"
    args = ["--raw-dir", str(small_raw), "--out", str(out), "--workers", "2"]
    assert main(["run", "--provinces", PROVINCES, *args]) == 0
    first = json.loads((q / "manifest.json").read_text(encoding="utf-8"))
    first_ids = {p["sido_code"]: p["run_id"] for p in first["provinces"]}
    stages_26 = [line for line in (q / "stages.csv").read_text(encoding="utf-8-sig").splitlines()
                 if line.startswith("2026Q3,26,")]
    assert stages_26 and first_ids["26"] == first_ids["48"] == first["run_id"]

    # --provinces 48 --force (inputs unchanged, so only --force redoes it): 48 is redone, 26 stays whole in
    # every quarter file
    assert main(["run", "--provinces", "48", "--force", *args]) == 0
    second = json.loads((q / "manifest.json").read_text(encoding="utf-8"))
    ids = {p["sido_code"]: p["run_id"] for p in second["provinces"]}
    assert set(ids) == {"26", "48"} and ids["26"] == first_ids["26"] and ids["48"] == second["run_id"] != first["run_id"]
    text = (q / "stages.csv").read_text(encoding="utf-8-sig")
    assert all(line in text for line in stages_26) and "2026Q3,48," in text
    assert 'href="26/brief.html"' in (q / "index.html").read_text(encoding="utf-8")

    # a failed rerun of 48 keeps its last good outputs and says so
    monkeypatch.setenv("SME_MONITOR_ROOT", str(root_failing_for(tmp_path, "48")))
    brief_before = (q / "48" / "brief.html").read_bytes()
    assert main(["run", "--provinces", "48", *args]) == 1
    third = json.loads((q / "manifest.json").read_text(encoding="utf-8"))
    p48 = {p["sido_code"]: p for p in third["provinces"]}["48"]
    assert p48["status"] == "failed" and p48["stale"] and p48["run_id"] == second["run_id"]
    assert (q / "48" / "brief.html").read_bytes() == brief_before
    assert (q / ".failed" / "48" / "regional_monitoring.ipynb").is_file()
    assert "2026Q3,48," in (q / "stages.csv").read_text(encoding="utf-8-sig")
    assert "이번 실행 실패 — 이전 결과" in (q / "index.html").read_text(encoding="utf-8")
    assert "이전 실행" in capsys.readouterr().out
    assert not list(q.glob(".staging*"))

    # a second run into the same quarter while one holds the lock waits for nothing: it refuses, in Korean
    with open(q / ".run.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["run", "--provinces", "48", *args]) == 2
    assert "다른 실행이" in capsys.readouterr().err


def test_a_configuration_mistake_stops_the_run_before_any_work_with_every_mistake(small_raw, tmp_path, monkeypatch,
                                                                                   capsys):
    root = root_failing_for(tmp_path, "none")
    (root / "params" / "regions").mkdir(exist_ok=True)
    (root / "params" / "regions" / "26.yaml").write_text(
        "stages:\n  rules:\n    - stage: 주의\n      any: [{kind: 없는규칙}]\nbrief:\n  trend_quarters: eight\n",
        encoding="utf-8")
    monkeypatch.setenv("SME_MONITOR_ROOT", str(root))
    out = tmp_path / "out"
    assert main(["run", "--provinces", PROVINCES, "--raw-dir", str(small_raw), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "26.yaml" in err and "없는규칙" in err and "brief.trend_quarters" in err and "고칠 곳이 2개" in err
    assert not out.exists()


def test_without_a_browser_the_batch_says_so_and_writes_everything_else(small_raw, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SME_CHROMIUM", str(tmp_path / "no-chromium"))
    code = main(["run", "--provinces", "26", "--raw-dir", str(small_raw), "--out", str(tmp_path), "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "경고: PDF 를 만들지 못했습니다: Chromium 이 없습니다" in out
    q = tmp_path / "2026Q3" / "26"
    assert (q / "brief.html").is_file() and (q / "appendix.html").is_file() and not (q / "brief.pdf").exists()
    manifest = json.loads((tmp_path / "2026Q3" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["provinces"][0]["status"] == "ok" and "Chromium" in manifest["provinces"][0]["warnings"][0]
