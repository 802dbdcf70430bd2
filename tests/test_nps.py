"""The NPS monthly file as it really comes, and what ingest makes of it.

Files are written by hand (csv module, cp949, CRLF) with the `nps_row` / `nps_write` fixtures.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import nps
from helpers.codes import code_as_of
from helpers.errors import UserError
from helpers.schema import CACHE_COLUMNS, NPS_COLUMNS


def _ingest(raw: Path, cache: Path) -> nps.IngestSummary:
    s = nps.ingest(raw, cache)
    for r in s.files:
        assert r.reconciles, r
    return s


def _by_file(summary: nps.IngestSummary) -> dict[str, nps.FileReport]:
    return {r.file: r for r in summary.files}


# --- encodings and bytes ---------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "bom", "label"), [("cp949", False, "cp949"), ("utf-8", False, "UTF-8"),
                                                        ("utf-8", True, "UTF-8 (BOM)")])
def test_cp949_utf8_and_utf8_with_bom_are_detected(tmp_path, nps_row, nps_write, encoding, bom, label):
    path = nps_write(tmp_path / "any name.csv", [nps_row(name='(유)케이비에프에스"전주밥상, 다잡수소!"')],
                     encoding=encoding, bom=bom)
    df, rep = nps.read_month_file(path)
    assert rep.encoding == label
    assert df["name"].tolist() == ['(유)케이비에프에스"전주밥상, 다잡수소!"']
    assert df["road_address"].tolist() == ["경기도 광주시 도척면 도척윗로"]
    assert rep.undecodable_bytes == 0


def test_undecodable_bytes_are_counted_and_the_row_is_kept(tmp_path, nps_row, nps_write):
    path = nps_write(tmp_path / "m.csv", [nps_row(name="가나다(주)"), nps_row(name="라마바", bizno6="222222")])
    data = path.read_bytes()
    # one bad byte in a name, two in a lot address (a column the cache does not keep)
    data = data.replace("가나다".encode("cp949"), "가".encode("cp949") + b"\xff" + "나다".encode("cp949"), 1)
    data = data.replace("도척면,".encode("cp949"), "도척면".encode("cp949") + b"\x80\xff,", 1)
    path.write_bytes(data)
    df, rep = nps.read_month_file(path)
    assert rep.undecodable_bytes == 3
    assert rep.accepted == 2 and rep.rejected == 0
    assert df["name"].tolist() == ["가\ufffd나다(주)", "라마바"]


def test_undecodable_bytes_in_a_utf8_file_are_counted(tmp_path, nps_row, nps_write):
    path = nps_write(tmp_path / "u.csv", [nps_row(name="가나다")], encoding="utf-8")
    path.write_bytes(path.read_bytes().replace("나".encode(), "나".encode()[:2], 1))
    df, rep = nps.read_month_file(path)
    assert rep.encoding == "UTF-8"
    assert rep.undecodable_bytes == 2
    assert df["name"].tolist() == ["가\ufffd다"]


# --- header ----------------------------------------------------------------------------------


def test_a_renamed_header_column_is_an_error_naming_the_file_and_the_column(tmp_path, nps_row, nps_write):
    header = [("가입자 수" if c == "가입자수" else c) for c in NPS_COLUMNS]
    row = nps_row()
    path = nps_write(tmp_path / "2025년1월.csv", [[row[c] for c in NPS_COLUMNS]], header=header)
    with pytest.raises(UserError) as e:
        nps.read_month_file(path)
    msg = str(e.value)
    assert "2025년1월.csv" in msg and "가입자수" in msg and "비슷한 열: 가입자 수" in msg


def test_a_missing_header_column_is_an_error(tmp_path, nps_row, nps_write):
    header = [c for c in NPS_COLUMNS if c != "고객법정동주소코드"]
    row = nps_row()
    path = nps_write(tmp_path / "m.csv", [[row[c] for c in header]], header=header)
    with pytest.raises(UserError, match="m.csv.*고객법정동주소코드"):
        nps.read_month_file(path)
    with pytest.raises(UserError, match="m.csv"):
        nps.ingest(tmp_path, tmp_path / "cache")


def test_columns_in_another_order_are_read_by_name(tmp_path, nps_row, nps_write):
    header = list(reversed(NPS_COLUMNS))
    row = nps_row(members=12)
    path = nps_write(tmp_path / "m.csv", [[row[c] for c in header]], header=header)
    df, _ = nps.read_month_file(path)
    assert df["members"].tolist() == [12]


# --- rows -------------------------------------------------------------------------------------


def test_bad_rows_are_quarantined_with_their_line_and_a_korean_reason(tmp_path, nps_row, nps_write):
    rows = [
        nps_row(name="정상"),                                   # line 2
        nps_row(name="월 오류", month="2025-13"),               # line 3
        nps_row(name="음수", members=-3),                       # line 4
        nps_row(name="숫자 아님", contribution_krw="12만"),      # line 5
        nps_row(name="코드 오류", bjd_code_orig="41610"),        # line 6
        nps_row(name="상태 오류", status=3),                     # line 7
        nps_row(name="형태 오류", legal_form=9),                 # line 8
        nps_row(name="날짜 오류", applied_date="2024-02-30"),    # line 9
        nps_row(name="빈 값", gained=""),                        # line 10
        nps_row(name="정상2"),                                  # line 11
    ]
    df, rep = nps.read_month_file(nps_write(tmp_path / "m.csv", rows))
    assert df["name"].tolist() == ["정상", "정상2"]
    q = rep.quarantine.set_index("line")
    assert list(q.index) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert set(q["file"]) == {"m.csv"}
    assert "자료생성년월" in q.loc[3, "reason"] and "2025-13" in q.loc[3, "reason"]
    assert "가입자수" in q.loc[4, "reason"] and "음수" in q.loc[4, "reason"]
    assert "당월고지금액" in q.loc[5, "reason"] and "12만" in q.loc[5, "reason"]
    assert "고객법정동주소코드" in q.loc[6, "reason"] and "10자리" in q.loc[6, "reason"]
    assert "사업장가입상태코드" in q.loc[7, "reason"]
    assert "사업장형태구분코드" in q.loc[8, "reason"]
    assert "적용일자" in q.loc[9, "reason"] and "2024-02-30" in q.loc[9, "reason"]
    assert "신규취득자수" in q.loc[10, "reason"]
    assert q.loc[4, "raw"].startswith("2025-01,음수,126811,")
    assert (rep.read, rep.accepted, rep.rejected, rep.duplicates) == (10, 2, 8, 0)


def test_counts_must_be_ascii_digits(tmp_path, nps_row, nps_write):
    df, rep = nps.read_month_file(nps_write(tmp_path / "m.csv", [nps_row(members="１２"), nps_row(name="b")]))
    assert df["name"].tolist() == ["b"]
    assert "가입자수이(가) 0 이상의 정수가 아님: '１２'" in rep.quarantine["reason"].iloc[0]


def test_exact_duplicate_rows_are_dropped_and_counted(tmp_path, nps_row, nps_write):
    a, b = nps_row(name="가"), nps_row(name="나")
    near = nps_row(name="가", members=5)  # differs in one field: not a duplicate
    df, rep = nps.read_month_file(nps_write(tmp_path / "m.csv", [a, b, a, near, a, b]))
    assert rep.duplicates == 3
    assert df["name"].tolist() == ["가", "나", "가"]
    assert df["members"].tolist() == [4, 4, 5]


def test_read_equals_accepted_plus_rejected_plus_duplicates(tmp_path, nps_row, nps_write):
    bad = nps_row(name="오류", members="x")
    rows = [nps_row(name=f"사업장{i}") for i in range(5)] + [bad, bad, nps_row(name="사업장1")]
    _, rep = nps.read_month_file(nps_write(tmp_path / "m.csv", rows))
    assert (rep.read, rep.accepted, rep.rejected, rep.duplicates) == (8, 5, 1, 2)
    assert rep.reconciles


def test_a_line_break_inside_a_quoted_name_keeps_rows_and_physical_line_numbers(tmp_path, nps_row, nps_write):
    rows = [nps_row(name="두 줄\r\n이름"), nps_row(name="오류", month="25-01"), nps_row(name="셋째")]
    df, rep = nps.read_month_file(nps_write(tmp_path / "m.csv", rows))
    assert df["name"].tolist() == ["두 줄\r\n이름", "셋째"]
    assert rep.quarantine["line"].tolist() == [4]  # the first row spans lines 2-3


def test_a_row_with_the_wrong_number_of_fields_is_quarantined(tmp_path, nps_row, nps_write):
    row = nps_row()
    short = [row[c] for c in NPS_COLUMNS][:-2]
    df, rep = nps.read_month_file(nps_write(tmp_path / "m.csv", [row, short, nps_row(name="다음")]))
    assert len(df) == 2
    assert rep.quarantine["line"].tolist() == [3]
    assert "필드 개수가 20개임 (머리글은 22개)" in rep.quarantine["reason"].iloc[0]


def test_withdrawn_workplaces_stay_in_the_cache_with_their_status(tmp_path, nps_row, nps_write):
    rows = [nps_row(name="등록"), nps_row(name="탈퇴", status=2, withdrawn_date="2024-12-31")]
    df, _ = nps.read_month_file(nps_write(tmp_path / "m.csv", rows))
    assert df["status"].tolist() == [1, 2]
    assert df["withdrawn_date"].isna().tolist() == [True, False]
    assert df.loc[1, "withdrawn_date"] == pd.Timestamp("2024-12-31")


def test_the_road_name_is_the_last_word_of_the_road_address(tmp_path, nps_row, nps_write):
    rows = [nps_row(road_address="부산광역시 강서구 녹산산단321로"), nps_row(name="b", road_address="")]
    df, _ = nps.read_month_file(nps_write(tmp_path / "m.csv", rows))
    assert df["road_name"].tolist()[0] == "녹산산단321로"
    assert pd.isna(df["road_name"].tolist()[1])


def test_cached_columns_have_the_schema_types(tmp_path, nps_row, nps_write):
    df, _ = nps.read_month_file(nps_write(tmp_path / "m.csv", [nps_row()]))
    assert list(df.columns) == list(CACHE_COLUMNS)
    for col, (dtype, _) in CACHE_COLUMNS.items():
        assert str(df[col].dtype) == dtype, col


def test_a_file_parsed_in_many_blocks_reads_like_one_block(tmp_path, nps_row, nps_write, monkeypatch):
    rows = [nps_row(name=f"사업장 {i % 37}, \"{i}\"", members=i % 11, bjd_code_orig=f"42110{i % 5:03d}00",
                    road_address=f"강원도 춘천시 {'가나다'[i % 3]}로") for i in range(300)]
    rows[7] = nps_row(name="오류", month="2025-1")
    rows += rows[10:20]  # duplicates
    path = nps_write(tmp_path / "m.csv", rows)
    data = path.read_bytes()
    data = data.replace("사업장 3,".encode("cp949"), "사업장 3".encode("cp949") + b"\xff,")
    path.write_bytes(data)
    one_df, one = nps.read_month_file(path)
    monkeypatch.setattr(nps.parse, "_BLOCK_SIZE", 1024)  # where the fast parser reads it
    many_df, many = nps.read_month_file(path)
    pd.testing.assert_frame_equal(one_df, many_df)
    assert (many.read, many.accepted, many.rejected, many.duplicates) == (310, 299, 1, 10)
    # names of rows 3, 40, ..., 299: the same count as decoding the whole file at once
    assert many.undecodable_bytes == one.undecodable_bytes == data.decode("cp949", "replace").count("\ufffd") == 9
    assert many.quarantine["line"].tolist() == [9]
    assert set(many_df["bjd_code"].str[:2]) == {"51"}


# --- months ------------------------------------------------------------------------------------


def test_the_month_comes_from_the_data_not_the_file_name(tmp_path, nps_row, nps_write):
    nps_write(tmp_path / "raw" / "국민연금_202401.csv", [nps_row(month="2025-03")])
    s = _ingest(tmp_path / "raw", tmp_path / "cache")
    assert s.months == ["2025-03"]


def test_one_file_holding_two_months_is_split(tmp_path, nps_row, nps_write):
    rows = [nps_row(month="2025-01", name="a"), nps_row(month="2025-02", name="b"),
            nps_row(month="2025-02", name="c")]
    nps_write(tmp_path / "raw" / "two.csv", rows)
    s = _ingest(tmp_path / "raw", tmp_path / "cache")
    assert s.months == ["2025-01", "2025-02"] == nps.available_months(tmp_path / "cache")
    assert _by_file(s)["two.csv"].month_rows == {"2025-01": 1, "2025-02": 2}
    assert nps.load_months(tmp_path / "cache", ["2025-02"])["name"].tolist() == ["b", "c"]
    assert len(nps.load_months(tmp_path / "cache")) == 3


def test_the_same_month_in_two_files_is_not_double_counted(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    nps_write(raw / "b_full.csv", [nps_row(name=n) for n in "가나다"])
    nps_write(raw / "a_partial.csv", [nps_row(name=n) for n in "가나"])
    s = _ingest(raw, tmp_path / "cache")
    assert nps.load_months(tmp_path / "cache")["name"].tolist() == ["가", "나", "다"]
    files = _by_file(s)
    assert files["b_full.csv"].use == "사용"
    assert files["a_partial.csv"].use == "제외"
    assert files["a_partial.csv"].excluded_months == ["2025-01"]
    assert "b_full.csv" in files["a_partial.csv"].note
    assert s.month_sources == {"2025-01": "b_full.csv"}


def test_an_identical_copy_of_a_month_file_is_reported_and_ignored(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    nps_write(raw / "202501.csv", [nps_row(name=n) for n in "가나"])
    shutil.copy(raw / "202501.csv", raw / "202501 (1).csv")
    s = _ingest(raw, tmp_path / "cache")
    assert len(nps.load_months(tmp_path / "cache")) == 2
    files = _by_file(s)
    used, copy = sorted(files.values(), key=lambda r: r.use != "사용")
    assert used.use == "사용" and copy.use == "제외" and "사본" in copy.note
    assert "사본" in s.render()


def test_rejected_rows_of_a_copy_are_listed_under_its_own_name(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    nps_write(raw / "a.csv", [nps_row(), nps_row(members=-1)])
    shutil.copy(raw / "a.csv", raw / "b.csv")
    _ingest(raw, tmp_path / "cache")
    q = pd.read_csv(tmp_path / "cache" / "quarantine.csv", encoding="utf-8-sig")
    assert q["file"].tolist() == ["a.csv", "b.csv"]


def test_a_missing_month_within_the_span_is_reported(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    for m in ("2025-10", "2025-12"):
        nps_write(raw / f"{m}.csv", [nps_row(month=m)])
    s = _ingest(raw, tmp_path / "cache")
    assert s.missing_months == ["2025-11"]
    assert "2025-11 월 자료가 없습니다" in s.render()


# --- code crosswalk ------------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "before", "after"), [
    ("5111010100", "2023-05", "2023-06"),  # 강원 42 → 51
    ("5211110100", "2023-12", "2024-01"),  # 전북 45 → 52
    ("2772025021", "2023-06", "2023-07"),  # 군위 47720 → 27720
])
def test_codes_are_mapped_to_current_on_both_sides_of_each_change(tmp_path, nps_row, nps_write,
                                                                  current, before, after):
    old_code, new_code = code_as_of(current, before), code_as_of(current, after)
    assert old_code != new_code == current
    rows = [nps_row(month=before, bjd_code_orig=old_code), nps_row(month=after, bjd_code_orig=new_code)]
    df, _ = nps.read_month_file(nps_write(tmp_path / "m.csv", rows))
    assert df["bjd_code_orig"].tolist() == [old_code, new_code]
    assert df["bjd_code"].tolist() == [current, current]
    assert df["sido_code"].tolist() == [current[:2]] * 2
    assert df["sigungu_code"].tolist() == [current[:5]] * 2


def test_unchanged_codes_pass_through(tmp_path, nps_row, nps_write):
    df, _ = nps.read_month_file(nps_write(tmp_path / "m.csv", [nps_row(bjd_code_orig="4161033025")]))
    assert df[["bjd_code", "sido_code", "sigungu_code"]].iloc[0].tolist() == ["4161033025", "41", "41610"]


# --- incremental cache ---------------------------------------------------------------------------


def test_unchanged_files_are_not_read_again_and_a_changed_file_is(tmp_path, nps_row, nps_write):
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    nps_write(raw / "jan.csv", [nps_row(month="2025-01")])
    nps_write(raw / "feb.csv", [nps_row(month="2025-02")])
    first = _ingest(raw, cache)
    assert {r.status for r in first.files} == {"새로 읽음"}
    second = _ingest(raw, cache)
    assert {r.status for r in second.files} == {"변경 없음"}
    assert second.rebuilt_months == []
    assert second.to_frame()["read"].tolist() == first.to_frame()["read"].tolist()

    nps_write(raw / "feb.csv", [nps_row(month="2025-02"), nps_row(month="2025-02", name="신규")])
    third = _ingest(raw, cache)
    assert _by_file(third)["feb.csv"].status == "새로 읽음"
    assert _by_file(third)["jan.csv"].status == "변경 없음"
    assert third.rebuilt_months == ["2025-02"]
    assert len(nps.load_months(cache, ["2025-02"])) == 2

    os.utime(raw / "jan.csv", ns=(1, 1))  # touched, same bytes: hashed, not re-read
    assert _by_file(_ingest(raw, cache))["jan.csv"].status == "변경 없음"


def test_a_removed_file_takes_its_month_out_of_the_cache(tmp_path, nps_row, nps_write):
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    nps_write(raw / "jan.csv", [nps_row(month="2025-01")])
    nps_write(raw / "feb.csv", [nps_row(month="2025-02")])
    _ingest(raw, cache)
    (raw / "feb.csv").unlink()
    s = _ingest(raw, cache)
    assert s.months == nps.available_months(cache) == ["2025-01"]
    assert s.removed_files == ["feb.csv"]


def test_a_month_falls_back_to_the_other_file_when_the_used_one_shrinks(tmp_path, nps_row, nps_write):
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    nps_write(raw / "a.csv", [nps_row(name=n) for n in "가나"])
    nps_write(raw / "b.csv", [nps_row(name=n) for n in "다라마"])
    assert _ingest(raw, cache).month_sources == {"2025-01": "b.csv"}
    nps_write(raw / "b.csv", [nps_row(name="다")])
    s = _ingest(raw, cache)
    assert s.month_sources == {"2025-01": "a.csv"}
    assert _by_file(s)["a.csv"].status == "다시 읽음"
    assert nps.load_months(cache)["name"].tolist() == ["가", "나"]


def test_raw_files_are_never_modified(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    nps_write(raw / "m.csv", [nps_row(), nps_row(), nps_row(members="x")])
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in raw.iterdir()}
    _ingest(raw, tmp_path / "cache")
    _ingest(raw, tmp_path / "cache")
    after = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in raw.iterdir()}
    assert before == after


def test_the_cache_holds_typed_zstd_parquet_and_a_quarantine_csv_with_bom(tmp_path, nps_row, nps_write):
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    nps_write(raw / "m.csv", [nps_row(), nps_row(name="오류", month="2025/01")])
    _ingest(raw, cache)
    meta = pq.ParquetFile(cache / "months" / "2025-01.parquet").metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_schema(cache / "months" / "2025-01.parquet").names == list(CACHE_COLUMNS)
    data = (cache / "quarantine.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    q = pd.read_csv(cache / "quarantine.csv", encoding="utf-8-sig")
    assert list(q.columns) == ["file", "line", "reason", "raw"]
    assert q["line"].tolist() == [3] and "2025/01" in q["reason"].iloc[0]
    df = nps.load_months(cache, columns=["month", "members"])
    assert list(df.columns) == ["month", "members"] and str(df["members"].dtype) == "int32"
    full = nps.load_months(cache)
    assert {c: str(full[c].dtype) for c in full} == {c: dt for c, (dt, _) in CACHE_COLUMNS.items()}


def test_each_raw_folder_has_its_own_cache(tmp_path):
    a = nps.cache_dir_for(tmp_path / "raw" / "nps", tmp_path / "cache")
    b = nps.cache_dir_for(tmp_path / "demo" / "nps", tmp_path / "cache")
    assert a != b and a.parent == b.parent == tmp_path / "cache"


def test_a_cache_built_from_another_folder_is_rebuilt(tmp_path, nps_row, nps_write):
    cache = tmp_path / "cache"
    nps_write(tmp_path / "one" / "m.csv", [nps_row(name="하나")])
    nps_write(tmp_path / "two" / "m.csv", [nps_row(name="둘")])
    _ingest(tmp_path / "one", cache)
    s = _ingest(tmp_path / "two", cache)
    assert s.files[0].status == "새로 읽음"
    assert nps.load_months(cache)["name"].tolist() == ["둘"]


# --- folders and command line ----------------------------------------------------------------


@pytest.fixture
def nps_project(tmp_path, monkeypatch):
    """A throwaway project root (params copied) so default folders resolve inside tmp_path."""
    root = tmp_path / "proj"
    (root / "params").mkdir(parents=True)
    for name in ("default.yaml", "code_changes.csv", "provinces.csv"):
        shutil.copy(Path(__file__).resolve().parents[1] / "params" / name, root / "params")
    monkeypatch.setenv("SME_MONITOR_ROOT", str(root))
    return root


def test_real_files_are_preferred_to_the_demo_data(nps_project, nps_row, nps_write):
    nps_write(nps_project / "data" / "demo" / "nps" / "demo.csv", [nps_row()])
    assert nps.default_raw_dir() == (nps_project / "data" / "demo" / "nps", True)
    nps_write(nps_project / "data" / "raw" / "nps" / "real.csv", [nps_row()])
    assert nps.default_raw_dir() == (nps_project / "data" / "raw" / "nps", False)
    (nps_project / "data" / "raw" / "nps" / "SYNTHETIC.txt").write_text("합성", encoding="utf-8")
    assert nps.default_raw_dir()[1] is True


def test_ingest_without_files_exits_2_with_a_korean_hint(nps_project, capsys):
    from helpers.cli import main

    (nps_project / "empty").mkdir()
    assert main(["ingest", "--raw-dir", str(nps_project / "empty")]) == 2
    err = capsys.readouterr().err
    assert "CSV 파일이 없습니다" in err and "python -m helpers demo-data" in err


def test_ingest_command_prints_the_korean_summary(nps_project, nps_row, nps_write, capsys):
    from helpers.cli import main

    nps_write(nps_project / "in" / "m.csv", [nps_row(), nps_row()])
    assert main(["ingest", "--raw-dir", str(nps_project / "in")]) == 0
    out = capsys.readouterr().out
    assert "읽은 행 2 = 정상 1 + 격리 0 + 중복 1" in out
    assert nps.available_months(nps.cache_dir_for(nps_project / "in")) == ["2025-01"]


# --- property: what is written in the real format is read back -----------------------------

_HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
_TEXT = st.text(st.one_of(_HANGUL, st.sampled_from(list('abcXYZ0189 ,"()&-.!주식회사'))), max_size=30)
_COUNT = st.integers(min_value=0, max_value=99_999)
_ROW = st.fixed_dictionaries({
    "name": _TEXT,
    "bizno6": st.from_regex(r"\A[0-9]{6}\Z"),
    "status": st.sampled_from([1, 2]),
    "road_address": _TEXT,
    "bjd_code_orig": st.sampled_from(["4161033025", "4211010100", "4511110100", "4772025021", "1114014000"]),
    "legal_form": st.sampled_from([1, 2]),
    "industry_name": _TEXT,
    "members": _COUNT,
    "contribution_krw": st.integers(min_value=0, max_value=1_500_000),  # within the plausibility limit for any size
    "gained": _COUNT,
    "lost": _COUNT,
    "applied_date": st.dates(min_value=pd.Timestamp("1960-01-01").date(), max_value=pd.Timestamp("2026-12-31").date()),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW, min_size=1, max_size=15))
def test_rows_written_in_the_portal_format_are_read_back_unchanged(nps_row, nps_write, rows):
    with tempfile.TemporaryDirectory() as d:
        path = nps_write(Path(d) / "m.csv", [nps_row(**{**r, "applied_date": r["applied_date"].isoformat()})
                                             for r in rows])
        df, rep = nps.read_month_file(path)
    first: dict[tuple, dict] = {}
    for r in rows:  # exact duplicate rows are dropped, the first one kept
        first.setdefault(tuple(sorted((k, str(v)) for k, v in r.items())), r)
    unique = list(first.values())
    assert rep.accepted + rep.duplicates == len(rows) and rep.rejected == 0
    assert len(df) == len(unique)
    for col in ("name", "bizno6", "road_address", "bjd_code_orig", "industry_name"):
        assert [str(v) for v in df[col]] == [r[col] for r in unique], col
    for col in ("status", "legal_form", "members", "contribution_krw", "gained", "lost"):
        assert df[col].tolist() == [r[col] for r in unique], col
    assert [d.date() for d in df["applied_date"]] == [r["applied_date"] for r in unique]
    expected_road = [r["road_address"].split()[-1] if r["road_address"].split() else None for r in unique]
    assert [None if pd.isna(v) else v for v in df["road_name"]] == expected_road


def test_files_written_for_people_get_the_umask_s_mode_not_a_private_one(tmp_path):
    import os
    import stat

    from helpers.files import write_atomic

    mask = os.umask(0o022)
    os.umask(mask)
    p = write_atomic(tmp_path / "brief.html", b"<html></html>")
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask  # 0644 under the usual umask, never mkstemp's 0600


def test_implausible_members_and_contributions_are_quarantined_with_a_reason(tmp_path, nps_row, nps_write):
    path = nps_write(tmp_path / "m.csv", [
        nps_row(name="정상", members=4, contribution_krw=938400),
        nps_row(name="오타", members=999999999, contribution_krw=938400),
        nps_row(name="억대", members=4, contribution_krw=999999999999999999),
        nps_row(name="탈퇴", status=2, members=0, contribution_krw=5_000_000, withdrawn_date="2024-12-31"),
    ])
    df, rep = nps.read_month_file(path)
    assert df["name"].tolist() == ["정상", "탈퇴"]  # a withdrawn row's stale bill is not checked
    reasons = rep.quarantine["reason"].tolist()
    assert rep.read == rep.accepted + rep.rejected + rep.duplicates and rep.rejected == 2
    assert "가입자수가 믿기 어려움: 999999999명" in reasons[0]
    assert "당월고지금액이 가입자 1인당 상한(1,500,000원)을 넘어" in reasons[1]


def test_sub_folders_empty_and_other_files_are_reported_and_skipped_not_fatal(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    nps_write(raw / "2026-08.csv", [nps_row(month="2026-08")])
    nps_write(raw / "backup" / "2026-08-more.csv", [nps_row(month="2026-08"), nps_row(month="2026-08", name="더")])
    (raw / "empty.csv").write_bytes(b"")
    (raw / "readme.txt").write_text("메모", encoding="utf-8")
    s = nps.ingest(raw, tmp_path / "cache")
    assert [r.file for r in s.files] == ["2026-08.csv"]  # the backup with more rows does not replace it
    text = s.render()
    assert "backup/2026-08-more.csv [읽지 않음] 하위 폴더" in text and "--recursive" in text
    assert "empty.csv [읽지 않음] 빈 파일(0바이트)" in text and "readme.txt [읽지 않음] CSV 파일이 아님" in text
    assert set(s.to_frame()["use"]) == {"사용", "읽지 않음"}
    both = nps.ingest(raw, tmp_path / "cache2", recursive=True)
    assert both.month_sources["2026-08"] == "backup/2026-08-more.csv"


def test_a_damaged_cached_month_is_rebuilt_from_its_raw_file_with_a_notice(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    nps_write(raw / "a.csv", [nps_row(month="2026-08"), nps_row(month="2026-09")])
    cache = tmp_path / "cache"
    nps.ingest(raw, cache)
    month = cache / "months" / "2026-08.parquet"
    month.write_bytes(month.read_bytes()[:-40] + b"\0" * 40)  # a bit rot or a killed copy
    (cache / "months" / ".2026-09.parquet.tmp").write_bytes(b"half")  # left by a killed run
    s = nps.ingest(raw, cache)
    assert s.damaged_months == ["2026-08"] and "2026-08 월 파일이 손상되어" in s.render()
    assert nps.load_months(cache, ["2026-08"])["month"].tolist() == ["2026-08"]
    assert not list((cache / "months").glob(".*.tmp"))


def test_a_file_whose_every_row_is_quarantined_is_named_instead_of_a_missing_month(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    nps_write(raw / "07.csv", [nps_row(month="2026-07")])
    nps_write(raw / "08.csv", [nps_row(month="202608")])  # the month written without its dash
    nps_write(raw / "09.csv", [nps_row(month="2026-09")])
    text = nps.ingest(raw, tmp_path / "cache").render()
    assert "08.csv: 모든 행(1개)이 격리되어" in text
    assert "2026-08 월 자료가 없습니다 (모든 행이 격리된 파일 08.csv" in text


def test_a_tab_separated_file_gets_a_hint_about_the_delimiter(tmp_path, nps_row):
    row = nps_row()
    path = tmp_path / "m.csv"
    path.write_bytes(("\t".join(NPS_COLUMNS) + "\r\n" + "\t".join(row[c] for c in NPS_COLUMNS) + "\r\n").encode("cp949"))
    with pytest.raises(UserError, match="m.csv 의 열이 쉼표가 아니라 탭으로"):
        nps.read_month_file(path)


def test_ingest_names_a_month_much_smaller_than_its_neighbours(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    for m, n in (("2026-06", 40), ("2026-07", 40), ("2026-08", 20), ("2026-09", 41)):
        nps_write(raw / f"{m}.csv", [nps_row(month=m, name=f"w{i}") for i in range(n)])
    text = nps.ingest(raw, tmp_path / "cache").render()
    assert "2026-08 월 채택 행 20개가 앞뒤 달(중앙값 40개)보다 50% 적습니다" in text
    assert "2026-09 월 채택 행" not in text
