"""Compare two quarterly output folders (e.g. before and after a refactor) file by file.

    .venv/bin/python bench/compare_outputs.py OUT_A/2026Q3 OUT_B/2026Q3 [--ignore-code]

`--ignore-code` compares what the notebooks *showed*, not their source (for a change that edits a
notebook's code cells on purpose, such as an import line).

Byte for byte: stages.csv, the CSV tables, brief.html and index.html. By content, ignoring what differs
between two runs of the same code (the output folder's path, notebook cell ids, timestamps, the
injected-parameters cell): analysis.html, executed notebooks, XLSX cell values, Parquet tables, JSON.
Prints one line per file that differs and a summary; exit code 1 when anything differs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

BYTES = (".csv",)
BYTE_HTML = ("brief.html", "index.html")
VOLATILE_JSON_KEYS = {"started", "seconds_total", "seconds_panel", "seconds", "raw_dir", "file", "files",
                      "sha256", "index_error", "versions", "source"}
IGNORE_CODE = False
_CODE_BLOCK = re.compile(r'<div class="highlight hl-ipython3"><pre>.*?</pre></div>', re.S)


# Whether a raw file was read this run or taken from the cache depends on the cache, not the code.
_INGEST_STATUS = re.compile(r"새로 읽음|변경 없음|다시 읽음")
# IPython's history database warns now and then when a warm kernel is reused: noise, not output.
_HISTORY_NOISE = re.compile(r"ERROR! Session/line number was not unique in database\. History logging moved to new session \d+\\?n?\n?")


def _html(path: Path, root: Path) -> str:
    text = _INGEST_STATUS.sub("<읽기>", path.read_text(encoding="utf-8").replace(str(root), "<OUT>"))
    text = _HISTORY_NOISE.sub("", text)
    if IGNORE_CODE:
        text = _CODE_BLOCK.sub("<code>", text)
    text = re.sub(r'id="cell-id=[^"]*"', 'id="cell-id"', text)
    # the injected-parameters cell (paths, and whatever the kernel printed while injecting)
    return re.sub(r'<div class="jp-Cell[^"]*celltag_injected-parameters".*?(?=<div class="jp-Cell )', "", text,
                  flags=re.S)


def _notebook(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for c in nb["cells"]:
        if "injected-parameters" in c.get("metadata", {}).get("tags", []):
            continue
        outputs = [{k: ("".join(v) if k == "text" and isinstance(v, list) else v) for k, v in o.items()
                    if k not in ("execution_count", "metadata")} for o in c.get("outputs", [])]
        out.append((c["cell_type"], "" if IGNORE_CODE and c["cell_type"] == "code" else "".join(c["source"]), _HISTORY_NOISE.sub("", _INGEST_STATUS.sub("<읽기>", json.dumps(outputs, sort_keys=True, ensure_ascii=False)))))
    return out


def _xlsx(path: Path) -> list:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [(ws.title, [[c.value for c in row] for row in ws.iter_rows()]) for ws in wb.worksheets]


def _parquet(path: Path):
    import pandas as pd

    return pd.read_parquet(path)


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in VOLATILE_JSON_KEYS}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def same(a: Path, b: Path, root_a: Path, root_b: Path) -> bool:
    if a.name in BYTE_HTML or a.suffix in BYTES:
        return a.read_bytes() == b.read_bytes()
    if a.suffix == ".html":
        return _html(a, root_a) == _html(b, root_b)
    if a.suffix == ".ipynb":
        return _notebook(a) == _notebook(b)
    if a.suffix == ".xlsx":
        return _xlsx(a) == _xlsx(b)
    if a.suffix == ".parquet":
        x, y = _parquet(a), _parquet(b)
        if a.name == "quality.parquet":
            x, y = x.drop(columns="status"), y.drop(columns="status")
        return x.shape == y.shape and list(x.columns) == list(y.columns) and x.equals(y)
    if a.suffix == ".json":
        return _strip(json.loads(a.read_text(encoding="utf-8"))) == _strip(json.loads(b.read_text(encoding="utf-8")))
    return a.read_bytes() == b.read_bytes()


def main(a: str, b: str) -> int:
    ra, rb = Path(a).resolve(), Path(b).resolve()
    fa = {p.relative_to(ra).as_posix() for p in ra.rglob("*") if p.is_file()}
    fb = {p.relative_to(rb).as_posix() for p in rb.rglob("*") if p.is_file()}
    bad = 0
    for f in sorted(fa - fb):
        print(f"A 에만 있음: {f}")
        bad += 1
    for f in sorted(fb - fa):
        print(f"B 에만 있음: {f}")
        bad += 1
    checked = 0
    for f in sorted(fa & fb):
        checked += 1
        if not same(ra / f, rb / f, ra.parent, rb.parent):
            print(f"다름: {f}")
            bad += 1
    print(f"비교한 파일 {checked}개, 차이 {bad}건")
    return 1 if bad else 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    IGNORE_CODE = "--ignore-code" in sys.argv
    sys.exit(main(args[0], args[1]))
