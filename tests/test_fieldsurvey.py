"""The field survey loop (실태조사, issue 12): the analysts' form, importing filled forms (xlsx, CSV in
UTF-8 / BOM / cp949) with every bad row reported and kept aside, BSI per area, and the brief's section —
which never shows a firm's name, response id, answers or free text."""

import codecs
import csv
import io
import math

import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers import brief
from helpers.bsi import area_bsi, bsi, field_survey_html, latest_survey, survey_key
from helpers.cli import main
from helpers.demo.responses import synthetic_responses
from helpers.fieldsurvey import (
    ANSWER_COLUMNS,
    FORM_HEADERS,
    RESPONSE_COLUMNS,
    import_files,
    load_responses,
    store_responses,
    write_survey_form,
)
from helpers.panel import panel_from_months
from helpers.periods import quarter_months
from helpers.stages import assign_stages
from helpers.survey import survey_candidates, write_survey_candidates
from tests.factories import month_frame, reference, workplace

Q = "2026Q3"
REF = reference([
    {"area_id": "48-001", "area_name": "옥포국가산업단지", "bjd_codes": ["48310101"]},
    {"area_id": "48-002", "area_name": "창원국가산업단지", "bjd_codes": ["48121101"]},
    {"area_id": "48-003", "area_name": "성산테스트단지(예시)", "bjd_codes": ["48123101"]},
    {"area_id": "48-004", "area_name": "김해테스트단지(예시)", "bjd_codes": ["48250101"]},
])
# Flagged areas with 6, 5 and 5 firms halving their staff (심각); 창원 steady (양호).
PLAN = {"48-001": ("4831010100", 6, "옥포부품"), "48-003": ("4812310100", 5, "성산정밀"),
        "48-004": ("4825010100", 5, "김해금속")}


def _rows(year_ago: bool) -> list[dict]:
    out = [workplace(f"창원{i}", "4812110100", 10, bizno=f"90000{i}") for i in range(5)]
    for k, (code, n, stem) in enumerate(PLAN.values()):
        out += [workplace(f"{stem}{i}(주)", code, 20 if year_ago else 10, bizno=f"{k + 1}0000{i}") for i in range(n)]
    return out


MONTHS = {m: month_frame(m, _rows(True)) for m in quarter_months("2025Q3")}
MONTHS |= {m: month_frame(m, _rows(False)) for m in quarter_months(Q)}
NAMES = [f"{stem}{i}(주)" for _, n, stem in PLAN.values() for i in range(n)]


@pytest.fixture(scope="module")
def panel():
    return panel_from_months(MONTHS.items(), REF)


@pytest.fixture(scope="module")
def candidates(panel):
    return survey_candidates(panel, assign_stages(panel.indicators, Q), Q, "48", monthly=MONTHS)


@pytest.fixture
def out(tmp_path, candidates):
    """An outputs folder holding the quarter's candidates and form for 경남, as the batch leaves them."""
    root = tmp_path / "outputs"
    write_survey_candidates(candidates, root / Q / "48")
    write_survey_form(candidates, root / Q / "48", Q, "48")
    return root


def _fill(form, answers: dict[str, dict], path):
    """The form with rows filled in: {firm_id: {column key: value}} (answer keys default to '2')."""
    wb = load_workbook(form)
    ws = wb["응답"]
    header = [c.value for c in ws[3]]
    col = {k: header.index(h) + 1 for k, h in FORM_HEADERS.items() if h in header}
    for row in ws.iter_rows(min_row=4):
        firm = row[col["firm_id"] - 1].value
        if firm in answers:
            for k, v in ({c: "2" for c in ANSWER_COLUMNS} | answers[firm]).items():
                ws.cell(row=row[0].row, column=col[k], value=v)
    wb.save(path)
    return path


def _row_of(path, firm_id) -> int:
    ws = load_workbook(path)["응답"]
    return next(r[0].row for r in ws.iter_rows(min_row=4) if firm_id in [c.value for c in r])


def _as_csv(xlsx, encoding: str, bom: bool = False) -> bytes:
    """The '응답' sheet saved as CSV, as Excel does (title lines first; a character the encoding lacks, such
    as the title's '—' in cp949, becomes '?')."""
    ws = load_workbook(xlsx)["응답"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in ws.iter_rows(values_only=True):
        w.writerow(["" if v is None else v for v in r])
    return (codecs.BOM_UTF8 if bom else b"") + buf.getvalue().encode(encoding, errors="replace")


# ---------------------------------------------------------------------------------------------- BSI


def test_bsi_is_100_plus_the_share_answering_better_minus_the_share_answering_worse():
    assert bsi(pd.Series(["1", "1", "2", "3"])) == 125.0
    assert bsi(pd.Series([3, 3, 3])) == 0.0 and bsi(pd.Series([1, 1, 1])) == 200.0
    assert bsi(pd.Series([1, 2, 3])) == 100.0
    assert math.isnan(bsi(pd.Series([], dtype=str)))


def _responses(area_id: str, answers: list[int], difficulty: list[str] = ()) -> pd.DataFrame:
    rows = []
    for i, a in enumerate(answers, 1):
        r = {c: str(a) for c in ANSWER_COLUMNS} | {"quarter": Q, "sido_code": "48", "area_id": area_id,
                                                   "firm_id": f"{area_id}-{i:02d}", "synthetic": "0"}
        for k in ("domestic", "exports", "materials", "wages", "staffing", "financing", "interest", "other"):
            r[f"difficulty_{k}"] = "1" if k in difficulty[: i] else "0"
        rows.append(r)
    return pd.DataFrame(rows).reindex(columns=RESPONSE_COLUMNS, fill_value="")


def test_an_area_with_fewer_than_three_responses_gets_its_count_but_no_index_nor_difficulties():
    agg = area_bsi(pd.concat([_responses("48-001", [1, 3, 3, 2], ["domestic", "wages", "domestic"]),
                              _responses("48-003", [3, 3], ["domestic"])])).set_index("area_id")
    assert agg.loc["48-001", "n"] == 4 and agg.loc["48-001", "bsi_sales_now"] == 75.0
    assert agg.loc["48-001", "difficulties"][0][0] == "내수 부진"
    assert agg.loc["48-003", "n"] == 2 and math.isnan(agg.loc["48-003", "bsi_sales_now"])
    assert agg.loc["48-003", "difficulties"] == []


# ---------------------------------------------------------------------------------------------- the form


def test_the_form_groups_candidates_by_area_with_ids_drop_downs_and_a_korean_guide(out, candidates):
    wb = load_workbook(out / Q / "48" / "survey_form.xlsx")
    assert wb.sheetnames == ["안내", "응답"]
    guide = "\n".join(str(c.value) for c in wb["안내"]["A"] if c.value)
    assert "분석가 전용" in guide and "2026년 3분기" in guide and "경상남도" in guide and "합성" not in guide
    assert "1 증가·호전" in guide and "survey-import" in guide
    ws = wb["응답"]
    assert "분석가 전용" in ws["A1"].value and "2026년 3분기" in ws["A1"].value
    header = [c.value for c in ws[3]]
    ids = [r[header.index("응답 ID")] for r in ws.iter_rows(min_row=4, values_only=True)]
    areas = [r[header.index("밀집지역코드")] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert ids == sorted(candidates["firm_id"]) and areas == sorted(areas)  # grouped by area
    assert ids[0] == "48-001-01" and len(set(ids)) == len(NAMES)
    for h in ("매출 현재", "매출 전망", "고용 현재", "자금사정 전망", "수주·생산 현재", "애로: 내수 부진", "기타 의견(자유 기술)"):
        assert h in header
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1 for dv in ws.data_validations.dataValidation}
    from openpyxl.utils import get_column_letter

    assert lists[get_column_letter(header.index("매출 현재") + 1)] == '"1,2,3"'
    assert lists[get_column_letter(header.index("애로: 인건비") + 1)] == '"O"'


def test_a_synthetic_form_says_so(tmp_path, candidates):
    path = write_survey_form(candidates, tmp_path, Q, "48", synthetic=True)
    wb = load_workbook(path)
    assert "합성(가상) 자료" in wb["응답"]["A1"].value and "합성(가상) 자료" in wb["안내"]["A1"].value


# ---------------------------------------------------------------------------------------------- import


def test_a_filled_workbook_is_stored_as_bom_csv_and_the_counts_reconcile(out, tmp_path, capsys):
    filled = _fill(out / Q / "48" / "survey_form.xlsx", {
        "48-001-01": {"sales_now": "1", "comment": "납품처가 바뀜", "difficulty_domestic": "O"},
        "48-001-02": {"sales_now": 3}, "48-003-01": {}}, tmp_path / "filled.xlsx")
    assert main(["survey-import", str(filled), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "읽은 응답 3행 = 새로 저장 3 + 이미 저장됨 0 + 거부 0" in said and "빈 행 13개" in said
    path = out / Q / "survey" / "responses.csv"
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    stored = load_responses(out, Q).set_index("firm_id")
    assert list(stored.index) == ["48-001-01", "48-001-02", "48-003-01"]
    first = stored.loc["48-001-01"]
    assert (first.sales_now, first.sales_outlook, first.difficulty_domestic, first.comment) == ("1", "2", "1", "납품처가 바뀜")
    assert (first.area_id, first.sido_code, first.synthetic) == ("48-001", "48", "0")
    assert stored.loc["48-001-02", "sales_now"] == "3"
    assert not (out / Q / "survey" / "rejected.csv").exists()


@pytest.mark.parametrize("encoding,bom", [("cp949", False), ("utf-8", True), ("utf-8", False)])
def test_csv_files_in_cp949_utf8_with_bom_and_utf8_are_read(out, tmp_path, encoding, bom):
    filled = _fill(out / Q / "48" / "survey_form.xlsx", {"48-004-01": {"comment": "자금 사정이 어려움"},
                                                        "48-004-02": {"orders_now": "3"}}, tmp_path / "f.xlsx")
    path = tmp_path / "응답.csv"
    path.write_bytes(_as_csv(filled, encoding, bom))
    rep = import_files([path], out)
    assert (rep.read, rep.stored, rep.rejected, rep.ok) == (2, 2, 0, True)
    stored = load_responses(out, Q).set_index("firm_id")
    assert stored.loc["48-004-01", "comment"] == "자금 사정이 어려움" and stored.loc["48-004-02", "orders_now"] == "3"


def test_every_bad_row_is_reported_in_korean_with_file_and_row_and_the_good_rows_are_kept(out, tmp_path, capsys):
    form = out / Q / "48" / "survey_form.xlsx"
    filled = _fill(form, {"48-001-01": {}, "48-001-02": {"sales_now": "4"}, "48-001-03": {"funding_outlook": ""},
                          "48-001-04": {"difficulty_wages": "X"}}, tmp_path / "a.xlsx")
    wb = load_workbook(filled)  # an unknown firm: a made-up id on the row of 48-001-05
    ws = wb["응답"]
    r5 = _row_of(filled, "48-001-05")
    ws.cell(row=r5, column=[c.value for c in ws[3]].index("응답 ID") + 1, value="48-001-99")
    for k in ANSWER_COLUMNS:
        ws.cell(row=r5, column=[c.value for c in ws[3]].index(FORM_HEADERS[k]) + 1, value="1")
    wb.save(filled)
    # A second file: 48-001-01 again with other answers (a conflicting duplicate), 48-003-01 fine, and a CSV
    # row whose bytes read neither as UTF-8 nor as cp949.
    second = _fill(form, {"48-001-01": {"sales_now": "1"}, "48-003-01": {}, "48-003-02": {"comment": "BAD"}},
                   tmp_path / "b.xlsx")
    data = _as_csv(second, "cp949").replace(b"BAD", b"\xff\xfe\xff")
    (tmp_path / "b.csv").write_bytes(data)
    code = main(["survey-import", str(filled), str(tmp_path / "b.csv"), "--out", str(out)])
    said = capsys.readouterr()
    assert code == 2
    lines = said.out
    assert f"a.xlsx {_row_of(filled, '48-001-02')}행: 매출 현재 '4' 는 1·2·3 중 하나여야 합니다" in lines
    assert f"a.xlsx {_row_of(filled, '48-001-03')}행: 자금사정 전망 응답이 비어 있습니다" in lines
    assert f"a.xlsx {_row_of(filled, '48-001-04')}행: 애로: 인건비 'X'" in lines
    assert f"a.xlsx {r5}행: 응답 ID '48-001-99' 는 2026Q3 실태조사 후보에 없습니다" in lines
    row_b = _row_of(second, "48-001-01")
    assert f"b.csv {row_b}행: 응답 ID '48-001-01' 에 서로 다른 응답이 여러 행에 있습니다" in lines
    assert f"a.xlsx {_row_of(filled, '48-001-01')}행: 응답 ID '48-001-01' 에 서로 다른 응답" in lines
    assert f"b.csv {_row_of(second, '48-003-02')}행: 읽을 수 없는 글자가 있습니다" in lines
    assert "읽은 응답 8행 = 새로 저장 1 + 이미 저장됨 0 + 거부 7" in lines
    assert "문제가 없는 1행은 저장되어 있습니다" in said.err and "rejected.csv" in said.err
    assert list(load_responses(out, Q)["firm_id"]) == ["48-003-01"]
    rejected = pd.read_csv(out / Q / "survey" / "rejected.csv", encoding="utf-8-sig", dtype=str)
    assert len(rejected) == 7 and rejected["거부 사유"].str.len().gt(0).all()
    assert set(rejected["파일"]) == {"a.xlsx", "b.csv"}


def test_an_identical_duplicate_is_stored_once_and_the_copy_rejected(out, tmp_path):
    filled = _fill(out / Q / "48" / "survey_form.xlsx", {"48-001-01": {}}, tmp_path / "a.xlsx")
    rep = import_files([filled, filled], out)
    assert (rep.read, rep.stored, rep.rejected) == (2, 1, 1)
    assert "중복: 응답 ID '48-001-01' 의 같은 응답이" in rep.problems[0]


def test_reimporting_the_same_file_stores_nothing_twice_and_is_not_an_error(out, tmp_path, capsys):
    filled = _fill(out / Q / "48" / "survey_form.xlsx", {"48-001-01": {"comment": "-인력 부족 심각"},
                                                        "48-003-02": {}}, tmp_path / "a.xlsx")
    assert main(["survey-import", str(filled), "--out", str(out)]) == 0
    before = (out / Q / "survey" / "responses.csv").read_bytes()
    capsys.readouterr()
    assert main(["survey-import", str(filled), "--out", str(out)]) == 0
    assert "새로 저장 0 + 이미 저장됨 2 + 거부 0" in capsys.readouterr().out
    assert (out / Q / "survey" / "responses.csv").read_bytes() == before
    assert load_responses(out, Q).set_index("firm_id").loc["48-001-01", "comment"] == "'-인력 부족 심각"


def test_a_different_answer_for_a_stored_firm_is_rejected_and_the_stored_one_kept(out, tmp_path):
    import_files([_fill(out / Q / "48" / "survey_form.xlsx", {"48-001-01": {}}, tmp_path / "a.xlsx")], out)
    rep = import_files([_fill(out / Q / "48" / "survey_form.xlsx", {"48-001-01": {"sales_now": "3"}},
                              tmp_path / "b.xlsx")], out)
    assert (rep.stored, rep.rejected) == (0, 1) and "다른 응답이 이미 저장되어 있습니다" in rep.problems[0]
    assert load_responses(out, Q)["sales_now"].tolist() == ["2"]


def test_an_unusable_file_is_named_and_exits_2(out, tmp_path, capsys):
    bad = tmp_path / "메모.csv"
    bad.write_text("가,나\n1,2\n", encoding="utf-8")
    assert main(["survey-import", str(bad), str(tmp_path / "없는파일.xlsx"), "--out", str(out)]) == 2
    said = capsys.readouterr()
    assert "메모.csv: '응답 ID' 열이 있는 머리글 행을 찾을 수 없습니다" in said.out and "없는파일.xlsx" in said.out
    assert "읽은 응답 0행" in said.out


# ---------------------------------------------------------------------------------------------- the brief


def _ctx(panel):
    return brief.brief_context(panel, "48", Q)


def test_the_brief_section_shows_bsi_the_count_below_three_and_areas_not_surveyed(panel, out, tmp_path):
    filled = _fill(out / Q / "48" / "survey_form.xlsx", {
        "48-001-01": {"sales_now": "1", "difficulty_domestic": "O", "comment": "비밀의견 가나다"},
        "48-001-02": {"sales_now": "1", "difficulty_domestic": "O"}, "48-001-03": {"sales_now": "3"},
        "48-001-04": {"difficulty_wages": "O"}, "48-003-01": {}, "48-003-02": {}}, tmp_path / "a.xlsx")
    assert import_files([filled], out).ok
    html = field_survey_html(_ctx(panel), out)
    assert "2026년 3분기 실태조사" in html and "이번 분기 조사" in html and "100 초과 = 호전 응답이 많음" in html
    rows = {name: html[html.index(name):].split("</tr>")[0] for name in ("옥포국가산업단지", "성산테스트단지(예시)",
                                                                         "김해테스트단지(예시)")}
    assert "4곳" in rows["옥포국가산업단지"] and ">125<" in rows["옥포국가산업단지"]  # 매출 현재: 2 better, 1 worse of 4
    assert "내수 부진 2곳" in rows["옥포국가산업단지"]
    # Areas without an index are named in one sentence each, not given a row of dashes.
    assert "<strong>응답 3곳 미만이라 지수를 내지 않은 지역 (1곳)</strong>: 성산테스트단지(예시)(2곳)</p>" in html
    assert "<strong>실태조사 안 함 (1곳)</strong>: 김해테스트단지(예시)</p>" in html
    assert html.count("<tr>") == 2  # the header and 옥포
    assert "창원국가산업단지" not in html  # 양호: not in the section
    for secret in [*NAMES, "48-001-01", "48-003-02", "비밀의견"]:
        assert secret not in html


def test_without_any_survey_the_section_is_one_sentence(panel, tmp_path):
    html = field_survey_html(_ctx(panel), tmp_path)
    assert html.count("<p>") == 1 and "실태조사 응답이 없어" in html and "<table" not in html


def test_the_latest_survey_at_most_two_quarters_back_is_used(tmp_path):
    old = _responses("48-001", [1, 1, 1]).assign(quarter="2025Q4")
    store_responses(tmp_path, "2025Q4", old)
    assert latest_survey(tmp_path, "48", Q)[0] is None  # three quarters back: too old
    store_responses(tmp_path, "2026Q1", old.assign(quarter="2026Q1"))
    assert latest_survey(tmp_path, "48", Q)[0] == "2026Q1"
    key = survey_key(tmp_path, "48", Q)
    store_responses(tmp_path, "2026Q2", old.assign(quarter="2026Q2"))
    q, df = latest_survey(tmp_path, "48", Q)
    assert q == "2026Q2" and len(df) == 3 and survey_key(tmp_path, "48", Q) != key
    assert latest_survey(tmp_path, "26", Q)[0] is None  # another province's responses are not this one's


# ---------------------------------------------------------------------------------------------- the demo


def test_synthetic_responses_are_deterministic_and_worse_areas_answer_worse():
    cands = pd.DataFrame([{"sido_code": "48", "area_id": a, "firm_id": f"{a}-{i:03d}", "change_pct": -20.0}
                          for a in ("48-001", "48-002") for i in range(300)])
    stages = pd.DataFrame({"area_id": ["48-001", "48-002"], "stage_rank": [2, 0]})
    one = synthetic_responses(cands, stages, "2026Q2", seed=7)
    assert one.equals(synthetic_responses(cands, stages, "2026Q2", seed=7))
    assert 0.5 < len(one) / len(cands) < 0.7 and set(one["synthetic"]) == {1}
    agg = area_bsi(one).set_index("area_id")
    for col in ("bsi_sales_now", "bsi_employment_now", "bsi_funding_outlook"):
        assert agg.loc["48-001", col] < agg.loc["48-002", col] - 15
    assert set(one["firm_id"]) <= set(cands["firm_id"])


# ---------------------------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_the_demo_loop_reaches_the_brief_as_area_aggregates_only_and_an_import_refreshes_it(demo_raw, tmp_path):
    """Batch on the demo (경남): last quarter's synthetic survey shows in the brief; the analysts fill this
    quarter's form and import it; the next run reruns the province (the responses are part of its input key)
    and its brief shows this quarter's survey. No firm name, response id or free text in either brief."""
    from helpers.batch import run_quarter
    from helpers.panel import Panel
    from helpers.stages import quarter_stages

    out = tmp_path / "out"
    first = run_quarter(provinces="48", raw_dir=str(demo_raw), out=str(out), workers=1, progress=False)
    q = out / first["quarter"]
    prev = load_responses(out, "2026Q2")
    assert len(prev) >= 6 and set(prev["synthetic"]) == {"1"} and set(prev["sido_code"]) == {"48"}
    page = (q / "48" / "brief.html").read_text(encoding="utf-8")
    section = page[page.index("현장 체감 (실태조사)"):page.index("방법 및 자료")]
    assert "2026년 2분기 실태조사" in section and "지난 분기 조사" in section and "합성(가상) 응답" in section
    assert "bsi-" in section  # at least one area with an index

    panel = Panel.load(q / "_panel")
    prev_cands = survey_candidates(panel, quarter_stages(panel, "2026Q2", ["48"]), "2026Q2", "48")
    assert set(prev["firm_id"]) < set(prev_cands["firm_id"])  # about 60 % of last quarter's candidates answered
    prev_names = list(prev_cands["name"])
    cands = pd.read_csv(q / "48" / "survey_candidates.csv", encoding="utf-8-sig", dtype=str)
    ids = list(cands["응답 ID"])
    filled = _fill(q / "48" / "survey_form.xlsx", {i: {"sales_now": "3", "comment": f"현장메모{k}번"}
                                                   for k, i in enumerate(ids[:4])}, tmp_path / "filled.xlsx")
    assert main(["survey-import", str(filled), "--out", str(out)]) == 0

    second = run_quarter(provinces="48", raw_dir=str(demo_raw), out=str(out), workers=1, progress=False)
    assert second["provinces"][0]["reused"] is False and second["provinces"][0]["status"] == "ok"
    page2 = (q / "48" / "brief.html").read_text(encoding="utf-8")
    assert "2026년 3분기 실태조사" in page2 and "이번 분기 조사" in page2
    secrets = ([*prev_names, *prev["firm_id"], *(c for c in prev["comment"] if c)]
               + [*cands["사업장명"], *ids, *(f"현장메모{k}번" for k in range(4))])
    for text in (page, page2):
        leaked = [s for s in secrets if s in text]
        assert leaked == []
