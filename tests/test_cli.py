"""Unusable arguments or inputs end with exit code 2 and a Korean message naming the problem."""

import pytest

from helpers.cli import main


@pytest.mark.parametrize("argv, fragment", [
    (["run", "--quarter", "2026-3"], "YYYYQn"),
    (["stages", "--quarter", "26Q3"], "YYYYQn"),
    (["run", "--provinces", "26,99"], "알 수 없는 시도코드: 99"),
    (["demo-data", "--months", "2026/01"], "2026/01"),
])
def test_bad_arguments_exit_2_with_a_korean_message(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("오류:") and fragment in err


def test_an_empty_raw_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["ingest", "--raw-dir", str(tmp_path)]) == 2
    assert "CSV" in capsys.readouterr().err


def test_a_renamed_column_names_the_file_and_the_column(tmp_path, capsys):
    from helpers.schema import NPS_COLUMNS

    header = ",".join("가입자 수" if c == "가입자수" else c for c in NPS_COLUMNS)
    (tmp_path / "202609.csv").write_bytes((header + "\r\n").encode("cp949"))
    assert main(["ingest", "--raw-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "202609.csv" in err and "가입자수" in err
