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


def test_demo_data_never_writes_among_real_files(tmp_path, capsys):
    real = tmp_path / "국민연금공단_국민연금 가입 사업장 내역_20260930.csv"
    real.write_bytes(b"real")
    assert main(["demo-data", "--out", str(tmp_path), "--workplaces", "200", "--months", "2026-09:2026-09"]) == 2
    assert real.read_bytes() == b"real"
    assert "SYNTHETIC.txt" in capsys.readouterr().err


def test_an_unknown_option_is_explained_in_korean(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "--bogus"])
    assert e.value.code == 2
    assert "오류: 명령 인수를 이해할 수 없습니다" in capsys.readouterr().err


def test_an_internal_error_exits_3_and_names_a_log_with_the_traceback(monkeypatch, capsys, tmp_path):
    import helpers.cli as cli

    def boom(args):
        raise ZeroDivisionError("SECRET_TRACE")

    monkeypatch.setattr(cli, "cli_stages", boom)
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr("helpers.params.resolve_path", lambda *a, **k: tmp_path / "outputs")
    assert cli.main(["stages"]) == 3
    err = capsys.readouterr().err
    assert "내부 오류" in err and "SECRET_TRACE" not in err
    log = next((tmp_path / "outputs" / "logs").glob("error-*.log"))
    assert str(log) in err and "ZeroDivisionError: SECRET_TRACE" in log.read_text(encoding="utf-8")


@pytest.mark.parametrize("data, word", [
    (b"PK\x03\x04" + b"\x00" * 40, "엑셀(XLSX)"),
    ("자료생성년월,사업장명\r\n".encode("utf-16"), "UTF-16"),
    (b"a,b\rc,d\r", "CR"),
])
def test_a_file_named_csv_that_is_something_else_is_a_korean_error_exit_2(tmp_path, capsys, data, word):
    from helpers.cli import main

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "2026-08.csv").write_bytes(data)
    assert main(["ingest", "--raw-dir", str(tmp_path / "raw")]) == 2
    err = capsys.readouterr().err
    assert "2026-08.csv" in err and word in err


def test_an_output_folder_that_is_a_file_or_read_only_is_a_korean_error_exit_2(tmp_path, capsys, monkeypatch):
    from helpers import batch

    blocker = tmp_path / "out"
    blocker.write_text("파일", encoding="utf-8")
    monkeypatch.setattr("helpers.batch.pick_quarter", lambda panel, q: "2026Q3")

    class P:
        source, synthetic = str(tmp_path), True

        def warnings(self):
            return []

    monkeypatch.setattr(batch, "open_panel", lambda *a, **k: P())
    assert main(["run", "--provinces", "48", "--out", str(blocker)]) == 2
    assert "출력 폴더" in capsys.readouterr().err


def test_a_missing_params_folder_is_a_korean_error_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SME_MONITOR_ROOT", str(tmp_path))
    assert main(["stages"]) == 2
    assert "default.yaml 이(가) 없습니다" in capsys.readouterr().err


def test_a_full_disk_is_a_korean_error_exit_2(monkeypatch, capsys):
    import errno

    import helpers.cli as cli

    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device", "/data/cache/months/2026-08.parquet")

    monkeypatch.setattr(cli, "cli_stages", full)
    assert cli.main(["stages"]) == 2
    err = capsys.readouterr().err
    assert "디스크가 가득 찼습니다" in err and "2026-08.parquet" in err and "Traceback" not in err
