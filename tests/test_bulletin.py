"""The monthly bulletin: new and continuing alerts told apart, the nowcast shown as a projection, no firm
named, synthetic data said, nothing fetched from outside, and one A4 page even for 300 areas."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.alerts import ALERT_COLUMNS, EXTRA_COLUMNS, month_alerts
from helpers.bulletin import bulletin_html, pdf_pages, split_alerts, write_bulletins
from helpers.nowcast import NOWCAST_COLUMNS
from helpers.params import load_params
from helpers.report import external_references, write_pdf
from tests.browser import open_page
from tests.test_alerts import build, planted

PARAMS = load_params()


def alert(area: str, signal: str, level: str = "관심", month: str = "2026-02", sido: str = "41") -> dict:
    return {"month": month, "sido_code": sido, "area_id": area, "area_name": f"{area} 일반산업단지(예시)",
            "signal": signal, "level": level, "value": -7.5, "threshold": -5.0, "measure": "종사자 전년 같은 달 대비",
            "unit": "%", "reason": "종사자 전년 같은 달 대비 −7.5% (1,234명 → 1,141명, 기준 −5.0%) — 2026년 2월"}


LONG = ("상실가입자 65명으로 평소(5명: 최근 12개월 중앙값과 전년 같은 달 중 큰 값)의 13.0배 (기준 평소의 2배이자 "
        "20명 이상) (경계: 신호 2개 동시) — 2026년 2월")  # the longest reason the alerts write


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=ALERT_COLUMNS + EXTRA_COLUMNS)


def test_an_alert_is_new_unless_the_same_signal_of_the_same_area_was_on_last_month():
    before = frame([alert("41-001", "members", month="2026-01"), alert("41-002", "closures", month="2026-01")])
    now = frame([alert("41-001", "members", "경계"), alert("41-001", "separations"), alert("41-003", "members")])
    new, cont = split_alerts(now, before)
    assert list(zip(new["area_id"], new["signal"])) == [("41-001", "separations"), ("41-003", "members")]
    assert list(zip(cont["area_id"], cont["signal"])) == [("41-001", "members")]
    new, cont = split_alerts(now, frame([]))  # no month before: everything is new
    assert len(new) == 3 and cont.empty


def big_province(n: int = 300) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """경기 with `n` areas, most of them alarming and at 주의 or worse (a worst case for the page's length)."""
    ids = [f"41-{i:03d}" for i in range(1, n + 1)]  # names like '41-001 일반산업단지(예시)'
    new = frame([alert(a, "members", "경계" if i % 3 == 0 else "관심") for i, a in enumerate(ids[:250])]
                + [dict(alert(a, "separations", "경계"), reason=LONG) for a in ids[:40]])
    cont = frame([alert(a, s) for a in ids[100:300] for s in ("separations", "payroll_per_member")])
    nc = pd.DataFrame({c: [None] * n for c in NOWCAST_COLUMNS})
    nc = nc.assign(month="2026-02", quarter="2026Q1", months_known=2, sido_code="41", area_id=ids,
                   area_name=[f"{a} 일반산업단지(예시)" for a in ids],
                   stage=["심각" if i % 4 == 0 else "주의" if i % 4 == 1 else "양호" for i in range(n)],
                   prev_stage="양호", backtests=4, band_basis="지역 과거 4개 분기 예측 오차")
    for name in ("workplaces", "employees", "payroll"):
        nc[f"{name}_yoy_pct"] = -6.0
        nc[f"{name}_yoy_lo_pct"], nc[f"{name}_yoy_hi_pct"] = -9.5, -2.5
    nc["employees_gap_pp"] = -4.0
    nc["stage_low"], nc["stage_high"] = "양호", "심각"
    return new, cont, nc


def test_three_hundred_areas_fit_one_a4_page_and_say_how_many_more(tmp_path):
    new, cont, nc = big_province()
    page = bulletin_html("41", "2026-02", new, cont, nc, params=PARAMS, synthetic=True, issued="2026-03-20")
    assert external_references(page) == []
    assert "외 284건" in page  # 290 new alerts, 6 shown
    assert "외 194곳" in page  # 200 areas with continuing alerts, 6 shown
    assert "외 144곳" in page  # 150 areas at 주의 or worse, 6 shown
    assert "전망(추정)" in page and "(양호~심각 가능)" in page
    path = tmp_path / "bulletin.html"
    path.write_text(page, encoding="utf-8")
    assert write_pdf(path, tmp_path / "bulletin.pdf") is None
    assert pdf_pages((tmp_path / "bulletin.pdf").read_bytes()) == 1
    visit = open_page(path, media="print", viewport={"width": 794, "height": 1123})
    assert visit.external_requests == [] and visit.page_errors == []
    assert visit.width <= 794  # nothing wider than A4: Chromium would shrink the whole page to print it
    assert "합성 자료" in visit.text and "읽는 법" in visit.headings


@pytest.fixture(scope="module")
def planted_panel():
    """The alerts tests' planted area (옥포, 경남): a decline from 2025-10, a 300-member firm '(주)대형앵커'
    withdrawing in 2026-02, a wage cut from 2026-04."""
    panel = build(planted())
    panel.synthetic = True
    return panel


def test_written_bulletin_splits_alerts_names_no_firm_and_prints_on_one_page(planted_panel, tmp_path):
    out = tmp_path / "bulletins" / "2026-02"
    (res,) = write_bulletins(planted_panel, "2026-02", ["48"], out, issued="2026-03-05")
    now = month_alerts(planted_panel, "2026-02")
    before = month_alerts(planted_panel, "2026-01")
    assert "large_employer" in set(now["signal"]) and "members" in set(before["signal"]) & set(now["signal"])
    fresh = set(now["signal"]) - set(before["signal"])  # one area: new = the signals not on last month
    assert res.new == len(fresh) and res.continuing == len(now) - len(fresh)
    table = pd.read_csv(out / "48" / "alerts.csv", encoding="utf-8-sig")
    status = dict(zip(table["signal"], table["status"]))
    assert status["large_employer"] == "새 경보" and status["members"] == "계속"  # the withdrawal is new, the decline goes on
    assert {s for s, v in status.items() if v == "새 경보"} == fresh
    page = (out / "48" / "bulletin.html").read_text(encoding="utf-8")
    for text in [page, (out / "48" / "alerts.csv").read_text(encoding="utf-8-sig"),
                 (out / "48" / "nowcast.csv").read_text(encoding="utf-8-sig"), (out / "index.html").read_text(encoding="utf-8")]:
        assert "대형앵커" not in text and "사업장0" not in text
    assert "가입자 300명 사업장 1곳 탈퇴" in page
    assert "합성(가상) 자료" in page and "발행일 2026-03-05" in page and "경상남도 지역중소기업 위기지원센터" in page
    assert "이번 분기 전망(추정) — 2026년 1분기" in page  # 2026-02 is the second month of 2026Q1
    assert res.pdf_error is None and pdf_pages(res.pdf_path.read_bytes()) == 1 and res.notes == []
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="48/bulletin.html"' in index and 'href="48/bulletin.pdf"' in index
    visit = open_page(out / "48" / "bulletin.html", viewport={"width": 1200, "height": 900})
    assert visit.external_requests == [] and visit.width <= 1200


def test_real_data_carry_no_synthetic_notice_and_a_missing_previous_month_is_said():
    new, cont, nc = big_province(5)
    page = bulletin_html("41", "2026-02", new, cont.iloc[0:0], nc, params=PARAMS, synthetic=False,
                         previous_month_missing=True)
    assert "합성" not in page and "2026년 1월 자료가 없어" in page


def test_a_page_that_runs_over_is_laid_out_again_with_fewer_lines(tmp_path):
    from helpers.bulletin import ProvinceBulletin, _write_page

    new, cont, nc = big_province()
    long = "아주 긴 이름의 밀집지역 " * 6  # names that wrap on every line
    new, cont, nc = (t.assign(area_name=long + t["area_id"]) for t in (new, cont, nc))
    res = ProvinceBulletin("41")
    _write_page(res, tmp_path, lambda rows: bulletin_html("41", "2026-02", new, cont, nc, params=PARAMS, synthetic=True,
                                                           rows=rows), 6, True)
    assert res.pdf_error is None and pdf_pages(res.pdf_path.read_bytes()) == 1
    assert open_page(res.html_path, media="print", viewport={"width": 794, "height": 1123}).width <= 794
    assert res.notes and "줄까지만" in res.notes[-1]
    shown = int(res.notes[-1].split("절마다 ")[1].split("줄")[0])
    assert f"외 {290 - shown}건" in res.html_path.read_text(encoding="utf-8")


def test_the_command_writes_every_page_names_no_firm_and_exits_2_on_bad_arguments(demo_raw, tmp_path, capsys,
                                                                                 monkeypatch):
    from helpers import nps
    from helpers.cli import main
    from helpers.params import load_config

    raw = ["--raw-dir", str(demo_raw)]
    for args, words in ((["--month", "26-01"], "YYYY-MM"), (["--provinces", "41,99"], "알 수 없는 시도코드: 99"),
                        (["--month", "2024-03"], "자료가 없습니다")):
        assert main(["bulletin", *args, *raw, "--out", str(tmp_path)]) == 2
        assert words in capsys.readouterr().err
    assert main(["bulletin", "--month", "2026-02", "--provinces", "48,52", *raw, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    month = tmp_path / "bulletins" / "2026-02"
    assert "[합성(가상) 자료]" in out and str(month / "index.html") in out
    for sido in ("48", "52"):
        assert pdf_pages((month / sido / "bulletin.pdf").read_bytes()) == 1
    page = (month / "52" / "bulletin.html").read_text(encoding="utf-8")
    assert "대형 사업장 이탈" in page and "전망(추정)" in page  # 52-004's big employer leaves in 2026-02
    cache = nps.cache_dir_for(demo_raw, load_config().path("cache_dir"))
    names = set(nps.load_months(cache, ["2026-01", "2026-02"], columns=["name"])["name"].astype(str))
    written = "".join(p.read_text(encoding="utf-8-sig") for p in month.rglob("*.html")) + "".join(
        p.read_text(encoding="utf-8-sig") for p in month.rglob("*.csv"))
    assert "(주)지평선푸드" in names and not [n for n in names if len(n) >= 4 and n in written]
    monkeypatch.setenv("SME_CHROMIUM", str(tmp_path / "no-browser"))  # no PDF: the pages are there, exit 1
    assert main(["bulletin", "--month", "2026-02", "--provinces", "48", *raw, "--out", str(tmp_path / "b")]) == 1
    assert "PDF 를 만들지 못한 시도가 1곳" in capsys.readouterr().err
    assert (tmp_path / "b" / "bulletins" / "2026-02" / "48" / "bulletin.html").is_file()
