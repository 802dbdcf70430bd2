"""The raw folder: which files are read, which folder is used by default, and whether it is synthetic."""

from __future__ import annotations

import os
from pathlib import Path

from helpers.errors import UserError

SYNTHETIC_MARKER = "SYNTHETIC.txt"


def raw_files(raw_dir: str | os.PathLike, recursive: bool = False) -> list[Path]:
    """The *.csv files of `raw_dir` that are read (any name; hidden and empty ones skipped), sorted.
    Sub-folders (a backup copy, an old download) are read only when `recursive`."""
    return [p for p, why in scan_raw_dir(raw_dir, recursive) if not why]


def scan_raw_dir(raw_dir: str | os.PathLike, recursive: bool = False) -> list[tuple[Path, str]]:
    """Every visible file under `raw_dir` with '' when it is read, else the Korean reason it is not."""
    raw_dir = Path(raw_dir)
    out = []
    for p in raw_dir.rglob("*") if raw_dir.is_dir() else []:
        rel = p.relative_to(raw_dir)
        if not p.is_file() or any(s.startswith(".") for s in rel.parts) or p.name == SYNTHETIC_MARKER:
            continue
        if len(rel.parts) > 1 and not recursive:
            why = "하위 폴더의 파일이라 읽지 않음 (포함하려면 --recursive)"
        elif p.suffix.lower() != ".csv":
            why = "CSV 파일이 아님"
        elif p.stat().st_size == 0:
            why = "빈 파일(0바이트)"
        else:
            why = ""
        out.append((p, why))
    return sorted(out, key=lambda pw: pw[0].relative_to(raw_dir).as_posix())


def is_synthetic_dir(raw_dir: str | os.PathLike) -> bool:
    """True when `raw_dir` holds synthetic data (the demo folder, or a SYNTHETIC.txt marker)."""
    from helpers.params import resolve_path

    raw = Path(raw_dir).resolve()
    if (raw / SYNTHETIC_MARKER).is_file():
        return True
    try:
        return raw == resolve_path(None, "demo_dir").resolve()
    except (UserError, OSError, KeyError):  # no usable params: only the marker can tell
        return False


def default_raw_dir() -> tuple[Path, bool]:
    """`data/raw/nps` when it holds any *.csv, else the demo folder; and whether the data are synthetic."""
    from helpers.params import resolve_path

    raw = resolve_path(None, "raw_dir")
    chosen = raw if raw.is_dir() and raw_files(raw) else resolve_path(None, "demo_dir")
    return chosen, is_synthetic_dir(chosen)


def _no_files_message(raw_dir: Path) -> str:
    return (f"원자료 폴더 {raw_dir} 에 CSV 파일이 없습니다. 공공데이터포털에서 내려받은 "
            "'국민연금 가입 사업장 내역' 월별 CSV 파일을 data/raw/nps/ 에 넣거나, "
            "`python -m helpers demo-data` 로 합성 자료를 만든 뒤 다시 실행하세요.")
