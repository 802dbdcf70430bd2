"""A province with 300 dense areas (경기 at national scale) through the real notebook and the batch: the
brief stays readable — a decision list first, bounded charts, grouped tables — and short enough to read."""

import pytest

from helpers import demo
from helpers.batch import run_quarter
from helpers.params import project_root
from tests.browser import PHONE, open_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def large_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("gyeonggi")
    ref = demo.national_reference(provinces=["41"])  # 310 synthetic 경기 areas on real legal-dong codes
    assert len(ref) >= 250
    areas = root / "dense_areas.csv"
    ref.to_csv(areas, index=False)
    raw = root / "nps"
    # Two quarters a year apart plus the quarter before the latest: enough for stages and their changes.
    demo.generate_demo(raw, workplaces=4000, months=("2025-04", "2026-09"), seed=3, areas_csv=areas,
                       mix=demo.NATIONAL_MIX)
    out = root / "out"
    manifest = run_quarter(provinces="41", raw_dir=str(raw), areas=str(areas), out=str(out), workers=1,
                           progress=False)
    return manifest, out / manifest["quarter"] / "41", len(ref)


def test_a_300_area_province_gets_a_brief_that_leads_with_the_decisions(large_batch):
    manifest, q, n_areas = large_batch
    assert manifest["provinces"][0]["status"] == "ok", manifest["provinces"][0]["error"]
    page = (q / "brief.html").read_text(encoding="utf-8")
    assert page.index("협의회 결정 요청") < page.index("현황 요약") < page.index("밀집지역 지도")
    assert f"밀집지역 <strong>{n_areas:,}곳</strong>" in page
    assert "30곳만 표시 (전체" in page  # the heatmap says what it left out (in its alt text too)
    appendix = (q / "appendix.html").read_text(encoding="utf-8")
    assert appendix.count('<th scope="row">') == n_areas  # every area is in the appendix


def test_the_300_area_brief_is_short_enough_and_fits_a_phone(large_batch):
    _, q, _ = large_batch
    shots = project_root() / "outputs" / "screenshots"
    desk = open_page(q / "brief.html", viewport={"width": 1200, "height": 900},
                     screenshot=shots / "brief_41_300_areas.png")
    assert desk.external_requests == [] and not desk.page_errors
    assert desk.height < 12_000, desk.height
    phone = open_page(q / "brief.html", viewport=PHONE, screenshot=shots / "brief_41_300_areas_phone.png")
    assert phone.width <= PHONE["width"]  # nothing scrolls sideways on a phone
