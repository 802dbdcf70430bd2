"""The explorer's widget logic without a browser: change a widget in code, check what the outputs hold
and which outputs were redrawn; the export; explore.ipynb run headless by Papermill."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from helpers import brief
from helpers.explorer import Explorer
from helpers.panel import panel_from_months
from tests.factories import month_frame, reference, workplace

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRICKY = "시험<b>단지</b> & 예시"
REF = reference([
    {"area_id": "48-001", "area_name": "옥포국가산업단지", "bjd_codes": ["48310101"]},
    {"area_id": "48-002", "area_name": TRICKY, "bjd_codes": ["48121101"]},
    {"area_id": "48-003", "area_name": "김해골든루트일반산업단지", "bjd_codes": ["48250101"]},
    {"area_id": "26-001", "area_name": "녹산국가산업단지", "bjd_codes": ["26440101"]},
    {"area_id": "26-002", "area_name": "신평장림일반산업단지", "bjd_codes": ["26380101"]},
])
MONTHS = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)][:21]  # 2025-01 … 2026-09


def _rows(month: str) -> list[dict]:
    late = month >= "2026-01"
    rows = []
    for i in range(6):
        rows.append(workplace(f"옥포{i}", "4831010100", 14 if late else 20, bizno=f"10000{i}"))  # −30%: 심각
        rows.append(workplace(f"창원{i}", "4812110100", 10, bizno=f"20000{i}"))  # flat: 양호
        rows.append(workplace(f"김해{i}", "4825010100", 6 if (late and i == 0) else 10, bizno=f"30000{i}"))  # −6.7%: 주의
        rows.append(workplace(f"녹산{i}", "2644010100", 10, bizno=f"40000{i}"))  # flat: 양호
        rows.append(workplace(f"신평{i}", "2638010100", 6 if (late and i == 0) else 10, bizno=f"50000{i}"))  # 주의
    rows += [workplace("경남 밖", "4817010100", 400, bizno="600000"),
             workplace("부산 밖", "2611010100", 400, bizno="700000")]
    return rows


@pytest.fixture(scope="module")
def panel():
    p = panel_from_months(((m, month_frame(m, _rows(m))) for m in MONTHS), REF, synthetic=True)
    return p


@pytest.fixture
def ex(panel):
    x = Explorer(panel, "48")
    yield x
    plt.close("all")


def redrawn(before: dict, after: dict) -> set[str]:
    return {k for k in after if after[k] != before[k]}


def test_opens_on_the_flagged_areas_of_the_latest_complete_quarter_with_every_output_drawn_once(ex):
    assert ex.quarter == "2026Q3" and ex.quarters[0] == "2025Q1"
    assert ex.selected_area_ids == ["48-001", "48-003"]  # 심각 first, then 주의
    assert ex.render_counts == {"header": 1, "trend": 1, "map": 1, "table": 1, "reasons": 0}
    assert bytes(ex.trend_image.value[:8]) == b"\x89PNG\r\n\x1a\n"
    assert bytes(ex.map_image.value[:8]) == b"\x89PNG\r\n\x1a\n"
    assert ex.map_highlight == ["48-001", "48-003"]
    assert plt.get_fignums() == []  # every figure closed after drawing


def test_the_table_shows_every_area_with_stage_chips_and_highlights_the_chosen(ex):
    t = ex.table_frame
    assert t["area_id"].tolist() == ["48-001", "48-003", "48-002"]  # worst stage first
    assert t["stage"].tolist() == ["심각", "주의", "양호"]
    assert t["selected"].tolist() == [True, True, False]
    h = ex.table_html.value
    assert h.count('data-chosen="1"') == 2
    assert 'data-stage="심각"' in h and "■ 심각" in h  # colour chip with symbol and name
    assert TRICKY not in h and "시험&lt;b&gt;단지&lt;/b&gt; &amp; 예시" in h  # names are escaped


def test_changing_the_indicator_redraws_only_the_trend(ex, panel):
    before = dict(ex.render_counts)
    ex.indicator.value = "employees"
    assert redrawn(before, ex.render_counts) == {"trend"}
    tf = ex.trend_frame
    okpo = tf[(tf["unit_id"] == "48-001")].set_index("quarter")["value"]
    assert okpo["2025Q4"] == pytest.approx(120) and okpo["2026Q3"] == pytest.approx(84)
    assert "province" not in set(tf["level"])  # levels: no province line on a count


def test_a_rate_indicator_adds_the_whole_province_for_comparison(ex, panel):
    ex.indicator.value = "employees_yoy_pct"
    tf = ex.trend_frame
    assert set(tf["unit_id"]) == {"48-001", "48-003", "48"}
    okpo = tf[tf["unit_id"] == "48-001"].set_index("quarter")["value"]
    assert okpo["2026Q3"] == pytest.approx(-30.0) and pd.isna(okpo["2025Q1"])


def test_searching_filters_the_list_keeps_the_selection_and_redraws_nothing(ex):
    before = dict(ex.render_counts)
    ex.search.value = "김해"
    assert [v for _, v in ex.area_select.options] == ["48-003"]
    assert ex.area_select.value == ("48-003",)
    assert ex.selected_area_ids == ["48-001", "48-003"]
    assert ex.render_counts == before


def test_picking_in_a_filtered_list_keeps_areas_hidden_by_the_search(ex):
    ex.search.value = "시험"
    before = dict(ex.render_counts)
    ex.area_select.value = ("48-002",)
    assert ex.selected_area_ids == ["48-001", "48-003", "48-002"]
    assert redrawn(before, ex.render_counts) == {"trend", "map", "table"}  # reasons are closed: not drawn
    assert ex.map_highlight == ex.selected_area_ids
    assert ex.table_frame.set_index("area_id")["selected"].all()
    ex.search.value = ""
    assert set(ex.area_select.value) == {"48-001", "48-002", "48-003"}


def test_moving_the_start_of_the_range_redraws_only_the_trend(ex):
    before = dict(ex.render_counts)
    ex.quarter_range.index = (3, ex.quarter_range.index[1])
    assert redrawn(before, ex.render_counts) == {"trend"}
    assert sorted(ex.trend_frame["quarter"].unique()) == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]


def test_moving_the_end_of_the_range_changes_the_quarter_of_map_table_and_header(ex, panel):
    before = dict(ex.render_counts)
    ex.quarter_range.index = (0, 5)
    assert ex.quarter == "2026Q2"
    assert redrawn(before, ex.render_counts) == {"header", "trend", "map", "table"}
    expected = brief.brief_context(panel, "48", "2026Q2").stages
    got = ex.table_frame.set_index("area_id")["stage"]
    assert got.to_dict() == expected.set_index("area_id")["stage"].to_dict()
    assert "2026년 2분기" in ex.header_html.value


def test_changing_the_province_redraws_everything_once_with_its_own_areas(ex):
    ex.search.value = "옥포"
    before = dict(ex.render_counts)
    ex.province.value = "26"
    assert redrawn(before, ex.render_counts) == {"header", "trend", "map", "table"}
    assert all(ex.render_counts[k] == before[k] + 1 for k in ("header", "trend", "map", "table"))
    assert ex.search.value == ""
    assert [v for _, v in ex.area_select.options] == ["26-001", "26-002"]
    assert ex.selected_area_ids == ["26-002"]
    assert set(ex.table_frame["sido_code"]) == {"26"}
    assert "부산광역시" in ex.header_html.value


def test_reasons_are_one_click_away_with_the_council_decision(ex):
    assert ex.reasons_html.layout.display == "none"
    before = dict(ex.render_counts)
    ex.reasons_toggle.value = True
    assert redrawn(before, ex.render_counts) == {"reasons"}
    assert ex.reasons_html.layout.display == ""
    html = ex.reasons_html.value
    assert "옥포국가산업단지" in html and "김해골든루트일반산업단지" in html
    assert "종사자수 전년동기 대비 −30.0% (기준 −10%)" in html
    assert "협의회 결정: 기록 없음" in html
    assert ex.reasons_frame["area_id"].tolist() == ["48-001", "48-003"]
    # Open: a change of selection now redraws them too.
    before = dict(ex.render_counts)
    ex.set_areas(["48-002"])
    assert redrawn(before, ex.render_counts) == {"trend", "map", "table", "reasons"}
    assert "기준 미충족" in ex.reasons_html.value


def test_reasons_drawn_once_when_opened_after_changes(ex):
    ex.set_areas(["48-002"])
    ex.set_areas(["48-001"])
    assert ex.render_counts["reasons"] == 0
    ex.reasons_toggle.value = True
    ex.reasons_toggle.value = False
    ex.reasons_toggle.value = True
    assert ex.render_counts["reasons"] == 1


def test_clearing_the_selection_draws_a_hint_and_no_highlight(ex):
    ex.clear_button.click()
    assert ex.selected_area_ids == [] and ex.map_highlight == []
    assert not ex.table_frame["selected"].any()
    assert ex.trend_frame.query("level == 'area'").empty


def test_synthetic_data_are_announced(ex):
    assert "합성(가상) 자료" in ex.header_html.value


def test_export_without_a_raw_folder_shows_a_korean_message(ex, tmp_path):
    ex.output_root = tmp_path
    assert ex.export_survey() is None
    assert "내보내지 못했습니다" in ex.export_status.value and ex.last_export is None


# ---------------------------------------------------------------------------------------------
# A small demo data set (3,000 workplaces, 2025-04..2026-09) in a throw-away project root, shared
# by the export, Papermill and JupyterLab tests. Built once per test session.

_DEMO: dict[str, Path] = {}


@contextmanager
def project_root_env(root: Path):
    """SME_MONITOR_ROOT=root inside the block (cache, outputs and params resolve there)."""
    old = os.environ.get("SME_MONITOR_ROOT")
    os.environ["SME_MONITOR_ROOT"] = str(root)
    try:
        yield root
    finally:
        if old is None:
            os.environ.pop("SME_MONITOR_ROOT", None)
        else:
            os.environ["SME_MONITOR_ROOT"] = old


def small_demo_root(demo_raw: Path) -> Path:
    """A temporary project root with params, the reference, the run's synthetic raw files, their cache and
    a saved panel in `panel/` (the folder a notebook's `panel_dir` takes)."""
    if "root" in _DEMO:
        return _DEMO["root"]
    from helpers.workspace import open_panel

    root = Path(tempfile.mkdtemp(prefix="sme-explore-"))
    atexit.register(shutil.rmtree, root, True)
    shutil.copytree(ROOT / "params", root / "params")
    shutil.copytree(ROOT / "data" / "reference", root / "data" / "reference")
    with project_root_env(root):
        shutil.copytree(demo_raw, root / "raw")
        open_panel(root / "raw").save(root / "panel")
    _DEMO["root"] = root
    return root


@pytest.fixture(scope="session")
def demo_root(demo_raw):
    return small_demo_root(demo_raw)


def test_export_writes_the_survey_candidates_of_the_province_and_quarter(demo_root, monkeypatch):
    from helpers.panel import Panel

    monkeypatch.setenv("SME_MONITOR_ROOT", str(demo_root))
    x = Explorer(Panel.load(demo_root / "panel"), "48")
    x.export_button.click()
    assert x.last_export is not None
    csv_path, xlsx_path = x.last_export
    assert csv_path == demo_root / "outputs" / x.quarter / "48" / "survey_candidates.csv"
    assert xlsx_path.with_suffix(".csv") == csv_path and xlsx_path.is_file()
    df = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str)
    flagged = set(x.context.flagged["area_name"])
    assert len(df) and set(df["밀집지역"]) <= flagged
    assert set(df["자료 구분"]) == {"합성(가상) 자료"}
    assert str(csv_path) in x.export_status.value and "분석가 전용" in x.export_status.value
    plt.close("all")


@pytest.mark.slow
def test_explore_notebook_runs_headless_with_papermill(demo_root, tmp_path, monkeypatch):
    import nbformat
    import papermill as pm

    monkeypatch.setenv("SME_MONITOR_ROOT", str(demo_root))
    out = tmp_path / "explore.out.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "explore.ipynb"), str(out), kernel_name="python3",
                        parameters={"panel_dir": str(demo_root / "panel"), "sido_code": "48"},
                        cwd=str(ROOT / "notebooks"), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1  # the explorer's VBox
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    models = {m["model_name"] for m in state.values()} if state else set()
    assert not state or {"DropdownModel", "SelectMultipleModel", "ImageModel"} <= models
