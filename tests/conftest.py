"""Shared fixtures. Keep this small; fixtures are prefixed by the module they serve."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest

from helpers.schema import NPS_COLUMNS


def _nps_row(**over: object) -> dict[str, str]:
    """One valid row of the portal file (source column names); keyword overrides by cache name or
    by source column name."""
    row = {
        "자료생성년월": "2025-01",
        "사업장명": "우성기전(주)",
        "사업자등록번호": "126811",
        "사업장가입상태코드 1 등록 2 탈퇴": "1",
        "우편번호": "12816",
        "사업장지번상세주소": "경기도 광주시 도척면",
        "사업장도로명상세주소": "경기도 광주시 도척면 도척윗로",
        "고객법정동주소코드": "4161033025",
        "고객행정동주소코드": "4161033000",
        "법정동주소광역시도코드": "41",
        "법정동주소광역시시군구코드": "610",
        "법정동주소광역시시군구읍면동코드": "330",
        "사업장형태구분코드 1 법인 2 개인": "1",
        "사업장업종코드": "292201",
        "사업장업종코드명": "동력식 수지 공구 제조업",
        "적용일자": "1988-01-01",
        "재등록일자": "",
        "탈퇴일자": "",
        "가입자수": "4",
        "당월고지금액": "938400",
        "신규취득자수": "0",
        "상실가입자수": "0",
    }
    from helpers.schema import RENAME

    by_cache = {v: k for k, v in RENAME.items()}
    for k, v in over.items():
        row[by_cache.get(k, k)] = "" if v is None else str(v)
    code = row["고객법정동주소코드"]
    if len(code) == 10 and code.isdigit():  # keep the repeated code parts consistent
        row["법정동주소광역시도코드"], row["법정동주소광역시시군구코드"] = code[:2], code[2:5]
        row["법정동주소광역시시군구읍면동코드"] = code[5:8]
    return row


def _nps_write(path: Path, rows: list[dict[str, str] | list[str]], encoding: str = "cp949",
               header: list[str] | tuple[str, ...] = NPS_COLUMNS, bom: bool = False) -> Path:
    """Write rows the way the portal does (csv quoting, CRLF) in `encoding`; returns the path."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(c, "") for c in NPS_COLUMNS] if isinstance(r, dict) else r)
    data = buf.getvalue().encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    return path


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory):
    """The synthetic demo files, built once per test run: default scale, 2025-01..2026-09 (the 2026 rate
    rise and the 2026-07 merger inside), the demo seed. Tests read it; none may write into it."""
    from helpers import demo

    raw = tmp_path_factory.mktemp("demo") / "nps"
    demo.generate_demo(raw, months=("2025-01", "2026-09"))
    return raw


@pytest.fixture
def nps_row():
    """Factory of valid NPS rows: `nps_row(month="2025-02", members=7)`."""
    return _nps_row


@pytest.fixture
def nps_write():
    """Writer of NPS files: `nps_write(path, rows, encoding="cp949", header=..., bom=False)`."""
    return _nps_write
