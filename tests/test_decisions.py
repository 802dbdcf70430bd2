"""Council decisions: the file as Excel and people save it (UTF-8, BOM, cp949, .xlsx, Excel's dates), every bad
row reported at once (exit 2 from `run` and `stages`), the form recording and correcting decisions with the trail
kept, the atomic write, and the batch never writing the file."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from helpers import decisions
from helpers.cli import main
from helpers.decision_form import DecisionForm
from helpers.decisions import COMMENT_HEADER, FILE_COLUMNS, load_decisions, read_decisions, record_decision
from helpers.errors import UserError
from helpers.panel import panel_from_months
from helpers.params import load_params, project_root
from tests.factories import month_frame
from tests.test_explorer import MONTHS, REF, _rows

DEFAULT = load_params()
SCALE = lambda s: DEFAULT  # noqa: E731 — every province on the default scale 양호/주의/심각
HEADER = "quarter,area_id,decided_stage,decided_date,note"
TODAY = "2026-11-27"


def write(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


# ---------------------------------------------------------------- reading what Excel and people save
@pytest.mark.parametrize("encoding, newline", [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("cp949", "\r\n")])
def test_a_decisions_file_in_utf8_with_or_without_bom_or_cp949_reads_the_same(tmp_path, encoding, newline):
    p = write(tmp_path / "decisions.csv", ["# 협의회 결정", HEADER, "2026Q3,48-001,심각,2026-10-28,\"조선 협력업체, 실태조사 후 확정\"",
                                           "2026Q2,48-003,주의,2026-07-29,현장 방문"], encoding, newline)
    d = load_decisions(p, REF, SCALE, today=TODAY)
    assert d.to_dict("records") == [
        {"quarter": "2026Q3", "area_id": "48-001", "decided_stage": "심각", "decided_date": "2026-10-28",
         "note": "조선 협력업체, 실태조사 후 확정"},
        {"quarter": "2026Q2", "area_id": "48-003", "decided_stage": "주의", "decided_date": "2026-07-29", "note": "현장 방문"}]


@pytest.mark.parametrize("text", ["2026-10-28", "2026-10-28 00:00:00", "2026.10.28", "2026. 10. 28.", "2026/10/28",
                                  "20261028", "2026년 10월 28일", "2026-10-28T00:00:00"])
def test_unambiguous_date_forms_from_excel_are_accepted(text):
    assert decisions.parse_date(text) == "2026-10-28"


@pytest.mark.parametrize("text", ["10/28/2026", "28.10.2026", "2026-02-30", "어제", "46323"])
def test_ambiguous_or_impossible_dates_are_refused(text):
    assert decisions.parse_date(text) is None


def test_an_xlsx_is_read_when_the_csv_is_absent_with_date_cells_and_sheet_row_numbers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["# 협의회 결정 (Excel)"])
    ws.append(FILE_COLUMNS)
    ws.append(["2026Q3", "48-001", "심각", datetime(2026, 10, 28), "현장 확인", None])
    ws.append(["2026Q3", "48-001", "주의", "2026.10.30", "재검토", datetime(2026, 10, 30, 9, 15)])
    wb.save(tmp_path / "decisions.xlsx")
    configured = tmp_path / "decisions.csv"  # what params say; absent, so the workbook is the file
    book = read_decisions(configured, REF, SCALE, today=TODAY)
    assert book.path.name == "decisions.xlsx"
    assert book.in_force.to_dict("records") == [{"quarter": "2026Q3", "area_id": "48-001", "decided_stage": "주의",
                                                 "decided_date": "2026-10-30", "note": "재검토"}]
    assert book.history("48-001")["row"].tolist() == [4, 3]  # newest first; the sheet's row numbers
    ws.append(["2026Q3", "99-999", "심각", "10/28/2026", "", None])
    wb.save(tmp_path / "decisions.xlsx")
    with pytest.raises(UserError) as e:
        read_decisions(configured, REF, SCALE, today=TODAY)
    assert "decisions.xlsx 5행: 밀집지역 '99-999'" in str(e.value) and "decisions.xlsx 5행: 결정일 '10/28/2026'" in str(e.value)
    write(configured, [HEADER])
    with pytest.raises(UserError, match="두 개 있습니다"):
        read_decisions(configured, REF, SCALE, today=TODAY)


BAD_ROWS = ["# 주석",
            HEADER,
            "2026Q3,48-001,경고,2026-10-28,척도에 없는 단계",
            "2026Q3,99-999,주의,2026-10-28,없는 지역",
            "2026Q3,48-003,주의,28.10.2026,모호한 날짜",
            "2026Q2,48-002,양호,2026-07-28,첫 기록",
            "2026Q2,48-002,주의,2026-07-29,손으로 쓴 중복"]


def test_every_bad_row_is_reported_at_once_with_its_row_number(tmp_path):
    p = write(tmp_path / "decisions.csv", BAD_ROWS, "cp949", "\r\n")
    with pytest.raises(UserError) as e:
        load_decisions(p, REF, SCALE, today=TODAY)
    msg = str(e.value)
    assert "고칠 곳이 4개" in msg
    for line in ("decisions.csv 3행: 결정 단계 '경고' 는 척도", "decisions.csv 4행: 밀집지역 '99-999' 가 기준표에 없습니다",
                 "decisions.csv 5행: 결정일 '28.10.2026'", "decisions.csv 7행: 2026Q2 48-002 에 대한 결정이 두 번"):
        assert line in msg, line
    assert "6행과 이 행" in msg


def test_corrections_with_distinct_recording_times_are_a_trail_and_the_latest_is_in_force(tmp_path):
    p = write(tmp_path / "decisions.csv", [
        ",".join(FILE_COLUMNS),
        "2026Q2,48-002,주의,2026-07-29,나중 기록,2026-07-30T10:00:00",
        "2026Q2,48-002,양호,2026-07-28,손으로 쓴 첫 기록,",       # no time: the earliest
        "2026Q2,48-002,심각,2026-07-31,엑셀이 바꾼 시각,2026-08-01 09:00",
        "2026Q3,48-001,심각,2026-10-28,시각 칸 없이 5칸"])       # the optional last cell left out
    book = read_decisions(p, REF, SCALE, today=TODAY)
    assert book.in_force.set_index("area_id")["decided_stage"].to_dict() == {"48-002": "심각", "48-001": "심각"}
    h = book.history("48-002", "2026Q2")
    assert h["decided_stage"].tolist() == ["심각", "주의", "양호"] and h["in_force"].tolist() == [True, False, False]
    assert h["recorded_at"].tolist() == ["2026-08-01T09:00:00", "2026-07-30T10:00:00", ""]
    write(p, [",".join(FILE_COLUMNS), "2026Q2,48-002,주의,2026-07-29,a,2026-07-30T10:00:00",
              "2026Q2,48-002,심각,2026-07-29,b,2026-07-30 10:00:00"])
    with pytest.raises(UserError, match="3행: 2026Q2 48-002 에 대한 결정이 두 번.*같습니다"):
        read_decisions(p, REF, SCALE, today=TODAY)


def test_an_unreadable_encoding_is_a_korean_error_naming_the_line(tmp_path):
    p = tmp_path / "decisions.csv"
    p.write_bytes(HEADER.encode() + b"\r\n2026Q3,48-001,\xc1\xd6\xc0\xc7,2026-10-28,\xff\xfe\r\n")
    with pytest.raises(UserError, match="2행에 UTF-8 로도 cp949 로도"):
        load_decisions(p, REF, SCALE, today=TODAY)


def test_the_shipped_file_carries_the_comment_header_and_every_column():
    lines = (project_root() / "params" / "decisions.csv").read_text(encoding="utf-8").splitlines()
    assert lines[:len(COMMENT_HEADER)] == COMMENT_HEADER
    assert lines[len(COMMENT_HEADER)] == ",".join(FILE_COLUMNS)
    assert "decisions.xlsx" in "".join(COMMENT_HEADER)


# ---------------------------------------------------------------- the command line: exit 2, every row listed
@pytest.fixture
def tiny_workspace(tmp_path, nps_write, nps_row, monkeypatch):
    """A workspace root (params, reference) with one month of raw data, quick to ingest."""
    root = tmp_path / "root"
    for d in ("params", "notebooks", "data/reference"):
        shutil.copytree(project_root() / d, root / d)
    rows = [nps_row(month=m, bjd_code_orig="4831010100", members=20, name=f"옥포{i}", bizno6=f"10000{i}")
            for m in ("2026-07", "2026-08", "2026-09") for i in range(3)]
    nps_write(root / "raw" / "nps_202609.csv", rows)
    monkeypatch.setenv("SME_MONITOR_ROOT", str(root))
    return root


@pytest.mark.parametrize("command", ["stages", "run"])
def test_a_cp949_decisions_file_with_mistakes_stops_stages_and_run_with_exit_2_and_every_row(
        tiny_workspace, capsys, command):
    root = tiny_workspace
    ref = pd.read_csv(root / "data" / "reference" / "dense_areas.csv", dtype=str)
    area = ref[ref["sido_code"] == "48"]["area_id"].iloc[0]
    body = [line.replace("48-001", area).replace("48-003", area).replace("48-002", area) for line in BAD_ROWS]
    dec = write(root / "params" / "decisions.csv", body, "cp949", "\r\n")
    before = dec.read_bytes()
    out = root / "out"
    args = ["--raw-dir", str(root / "raw"), "--out", str(out / "stages.csv" if command == "stages" else out)]
    code = main([command, *args] + (["--provinces", "48"] if command == "run" else []))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "고칠 곳이 5개" in err  # the two rows on one area of the same quarter: 5행 is now a duplicate too
    for n in (3, 4, 5, 7):
        assert f"decisions.csv {n}행" in err
    assert "Traceback" not in err and dec.read_bytes() == before


# ---------------------------------------------------------------- the form
@pytest.fixture(scope="module")
def small_panel():
    return panel_from_months(((m, month_frame(m, _rows(m))) for m in MONTHS), REF, synthetic=True)


class Clock:
    def __init__(self, t: datetime):
        self.t = t

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture
def form(small_panel, tmp_path):
    clock = Clock(datetime(2026, 10, 28, 14, 0, 0))
    f = DecisionForm(small_panel, "48", "2026Q3", decisions_path=tmp_path / "decisions.csv", clock=clock)
    f.clock_ = clock
    return f


def test_the_form_lists_the_areas_needing_a_decision_and_offers_every_other_area(form):
    assert form.agenda_frame["area_id"].tolist() == ["48-001", "48-003"]  # 심각, then 주의; no decision on record
    assert [v for _, v in form.area.options] == ["48-001", "48-003", "48-002"]
    assert form.area.options[0][0].startswith("[결정 요청] 옥포국가산업단지 (48-001) — 제안 심각")
    assert list(form.stage.options) == ["양호", "주의", "심각"] and form.stage.value == "심각"  # the proposal
    assert "결정이 필요한 지역 2곳" in form.agenda_html.value and "합성(가상) 자료" in form.header_html.value


def test_record_then_correct_keeps_the_trail_and_the_latest_is_in_force(form, tmp_path):
    p = tmp_path / "decisions.csv"
    assert form.record("48-001", "심각", date(2026, 10, 27), "실태조사 후 심각 확정")
    assert form.status_kind == "ok" and "기록했습니다" in form.status_text
    form.clock_.t = datetime(2026, 11, 3, 9, 30, 0)
    assert form.record("48-001", "주의", "2026-11-02", "2차 협의회에서 주의로 조정")
    assert "고쳤습니다" in form.status_text
    book = read_decisions(p, REF, SCALE, today=TODAY)
    assert book.in_force.to_dict("records") == [{"quarter": "2026Q3", "area_id": "48-001", "decided_stage": "주의",
                                                 "decided_date": "2026-11-02", "note": "2차 협의회에서 주의로 조정"}]
    h = form.history_frame
    assert h["decided_stage"].tolist() == ["주의", "심각"] and h["in_force"].tolist() == [True, False]
    assert h["recorded_at"].tolist() == ["2026-11-03T09:30:00", "2026-10-28T14:00:00"]
    assert "변경 이력" in form.history_html.value and "이전 기록" in form.history_html.value
    text = p.read_text(encoding="utf-8-sig")
    assert text.splitlines()[:len(COMMENT_HEADER)] == COMMENT_HEADER
    assert form.panel.decisions.set_index("area_id").at["48-001", "decided_stage"] == "주의"  # briefs see the latest
    assert form.agenda_frame.set_index("area_id").at["48-001", "kinds"] == "협의회 결정과 다름"


def test_a_correction_in_the_same_second_still_comes_after(form, tmp_path):
    assert form.record("48-003", "주의", "2026-10-28", "")
    assert form.record("48-003", "심각", "2026-10-28", "바로 고침")
    h = read_decisions(tmp_path / "decisions.csv", REF, SCALE, today=TODAY).history("48-003")
    assert h["recorded_at"].tolist() == ["2026-10-28T14:00:01", "2026-10-28T14:00:00"]
    assert h.loc[0, "decided_stage"] == "심각"


@pytest.mark.parametrize("stage, when, fragment", [
    ("경고", "2026-10-27", "척도"),
    ("주의", "2026-12-01", "오늘(2026-10-28) 이후"),
    ("주의", "28.10.2026", "결정일 '28.10.2026'"),
    ("주의", None, "결정일을 고르세요"),
])
def test_invalid_input_is_a_korean_message_in_the_form_and_nothing_is_written(form, tmp_path, stage, when, fragment):
    p = tmp_path / "decisions.csv"
    assert form.record("48-002", "양호", "2026-10-20", "먼저 하나")
    before = p.read_bytes()
    assert not form.record("48-002", stage, when, "틀린 입력")
    assert form.status_kind == "error" and fragment in form.status_text
    assert fragment.split("'")[0] in form.status_html.value or "척도" in form.status_html.value
    assert p.read_bytes() == before


def test_a_crash_while_writing_never_loses_earlier_decisions(form, tmp_path, monkeypatch):
    p = tmp_path / "decisions.csv"
    assert form.record("48-001", "심각", "2026-10-27", "첫 결정")
    before = p.read_bytes()

    def broken_rename(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_rename)
    assert not form.record("48-001", "주의", "2026-10-28", "고치려다 실패")
    assert "쓰지 못했습니다" in form.status_text and "이전 기록은 그대로" in form.status_text
    assert p.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["decisions.csv"]  # no temporary file left behind
    monkeypatch.undo()
    with pytest.raises(UserError):  # and directly: the file error reaches the caller, the file is unchanged
        record_decision(p, "2026Q3", "99-999", "심각", "2026-10-28", "", REF, SCALE, today=TODAY)
    assert p.read_bytes() == before


def test_an_old_file_without_recorded_at_gets_the_column_and_keeps_its_rows_and_comments(small_panel, tmp_path):
    p = write(tmp_path / "decisions.csv", ["# 우리 센터 메모", HEADER, "2026Q2,48-003,주의,2026-07-29,\"수기, 기록\""],
              "cp949", "\r\n")
    f = DecisionForm(small_panel, "48", "2026Q3", decisions_path=p, clock=Clock(datetime(2026, 10, 28, 14, 0)))
    assert f.record("48-003", "심각", "2026-10-28", "=SUM(A1) 로 시작하는 메모")
    lines = p.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[:3] == ["# 우리 센터 메모", ",".join(FILE_COLUMNS), '2026Q2,48-003,주의,2026-07-29,"수기, 기록",']
    assert lines[3] == "2026Q3,48-003,심각,2026-10-28,'=SUM(A1) 로 시작하는 메모,2026-10-28T14:00:00"
    d = load_decisions(p, REF, SCALE, today=TODAY)
    assert d["note"].tolist() == ["수기, 기록", "=SUM(A1) 로 시작하는 메모"]


def test_the_form_writes_an_xlsx_decisions_file_in_place(small_panel, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(FILE_COLUMNS)
    wb.active.append(["2026Q2", "48-003", "주의", datetime(2026, 7, 29), "엑셀", None])
    wb.save(tmp_path / "decisions.xlsx")
    f = DecisionForm(small_panel, "48", "2026Q3", decisions_path=tmp_path / "decisions.csv",
                     clock=Clock(datetime(2026, 10, 28, 14, 0)))
    assert f.record("48-003", "심각", "2026-10-28", "엑셀 파일에 기록")
    assert not (tmp_path / "decisions.csv").exists()
    d = load_decisions(tmp_path / "decisions.csv", REF, SCALE, today=TODAY)
    assert d.set_index("quarter")["decided_stage"].to_dict() == {"2026Q2": "주의", "2026Q3": "심각"}


def test_a_broken_file_is_shown_in_the_form_and_recording_is_refused(small_panel, tmp_path):
    p = write(tmp_path / "decisions.csv", BAD_ROWS)
    before = p.read_bytes()
    f = DecisionForm(small_panel, "48", "2026Q3", decisions_path=p, clock=Clock(datetime(2026, 10, 28, 14, 0)))
    assert f.status_kind == "error" and "먼저 고쳐야" in f.status_text and "3행" in f.status_text
    assert not f.record("48-001", "심각", "2026-10-28", "")
    assert p.read_bytes() == before


def test_an_area_outside_the_agenda_can_be_decided_and_then_shows_as_recorded(form):
    assert "48-002" not in set(form.agenda_frame["area_id"])
    form.choose_area("48-002")
    assert "제안 단계" in form.area_info.value and "기록된 결정이 없습니다" in form.history_html.value
    assert form.record("48-002", "양호", "2026-10-28", "현장 민원 확인, 제안대로 양호")
    assert "이번 분기 결정 기록됨" in form.agenda_html.value


# ---------------------------------------------------------------- the batch reads, never writes
def test_rerunning_a_past_quarter_never_changes_the_decisions_file(demo_raw, tmp_path, monkeypatch):
    from tests.test_batch import root_failing_for

    root = root_failing_for(tmp_path, "none")
    monkeypatch.setenv("SME_MONITOR_ROOT", str(root))
    dec = write(root / "params" / "decisions.csv", [
        *COMMENT_HEADER, ",".join(FILE_COLUMNS),
        "2026Q2,48-003,주의,2026-07-28,협의회 1차,2026-07-28T15:00:00",
        "2026Q2,48-003,심각,2026-08-04,\"재검토, 심각으로\",2026-08-04T10:00:00"], "cp949", "\r\n")
    before, mtime = dec.read_bytes(), dec.stat().st_mtime_ns
    out = tmp_path / "out"
    for _ in range(2):  # a run and a rerun of the same past quarter
        assert main(["run", "--quarter", "2026Q2", "--provinces", "48", "--raw-dir", str(demo_raw), "--out", str(out),
                     "--workers", "1", "--force"]) == 0
        assert dec.read_bytes() == before and dec.stat().st_mtime_ns == mtime
    stages = (out / "2026Q2" / "stages.csv").read_text(encoding="utf-8-sig")
    assert "2026Q2,심각,2026-08-04,\"재검토, 심각으로\"" in stages
    assert sorted(p.name for p in dec.parent.glob("decisions*")) == ["decisions.csv"]


def test_the_form_reads_the_panel_the_batch_saved_and_says_when_a_quarter_was_never_run(tiny_workspace, small_panel,
                                                                                         tmp_path, capsys):
    from helpers.workspace import quarter_panel

    out = tmp_path / "out"
    small_panel.save(out / "2026Q2" / "_panel")
    small_panel.save(out / "2026Q3" / "_panel")
    panel, quarter = quarter_panel(None, out)
    assert quarter == "2026Q3" and panel.synthetic and set(panel.reference["area_id"]) == set(REF["area_id"])
    with pytest.raises(UserError) as e:
        quarter_panel("2025Q4", out, tiny_workspace / "raw")
    assert "2025Q4 는 일괄 실행된 적이 없고" in str(e.value) and "원자료에도 없습니다" in str(e.value)
    assert "원자료에서 지표를 계산합니다" in capsys.readouterr().err
