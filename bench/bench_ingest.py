"""Benchmark: ingest one national-scale NPS month (600,000 rows, ~100 MB cp949).

Baseline: `pandas.read_csv(path, encoding="cp949", encoding_errors="replace")` + `DataFrame.to_parquet`,
measured in the same run. (`encoding_errors="replace"` is the least a real file needs: with the plain
`encoding="cp949"` pandas stops at the first undecodable byte, which real files and the demo contain.) Ours: `helpers.nps.ingest(raw_dir, fresh_cache_dir)` (decode, parse, validate, deduplicate,
crosswalk, typed zstd Parquet, state + quarantine files). Each measurement runs in its own
subprocess so peak memory (max RSS) is that of the measured work alone; best of N wall times.

    .venv/bin/python bench/bench_ingest.py [--rows 600000] [--repeat 3] [--data-dir DIR]

The month file is generated once (with `helpers.demo.generate_demo` when that module exists,
otherwise with the small generator below) and reused from `--data-dir` (default
/tmp/sme_bench_ingest). Results go to bench/results/ingest.json. Never part of the tests.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
MONTH = "2026-09"

# --- workload -------------------------------------------------------------------------------

_SIDO = [("11", "서울특별시", ["강남구", "구로구", "금천구", "송파구"]),
         ("26", "부산광역시", ["강서구", "사하구", "해운대구"]),
         ("27", "대구광역시", ["달서구", "달성군", "군위군"]),
         ("41", "경기도", ["안산시 단원구", "시흥시", "화성시", "광주시"]),
         ("44", "충청남도", ["천안시 서북구", "당진시", "아산시"]),
         ("48", "경상남도", ["창원시 성산구", "김해시", "거제시"]),
         ("51", "강원특별자치도", ["원주시", "춘천시", "동해시"]),
         ("52", "전북특별자치도", ["전주시 덕진구", "군산시", "익산시"])]
_DONG = ["정왕동", "가산동", "구로동", "녹산동", "문막읍", "오창읍", "팔복동", "웅남동", "논공읍", "도척면"]
_ROAD = ["공단로", "산단로", "디지털로", "녹산산단321로", "도척윗로", "백제대로", "중앙대로", "첨단과기로"]
_IND = [("292201", "동력식 수지 공구 제조업"), ("552101", "한식 일반 음식점업"),
        ("251100", "구조용 금속 제품 제조업"), ("311101", "강선 건조업"), ("749909", "그 외 기타 분류 안된 사업지원 서비스업"),
        ("451100", "자동차 판매업"), ("261000", "반도체 제조업")]
_NAME = ["우성기전(주)", "(주)한빛정밀", "대한산업(주)", "(유)케이비에프에스\"전주밥상 다잡수소!\"",
         "신평, 장림 금속(주)", "동해철강", "미래테크(주)", "주식회사 성서오토텍", "가람식품", "푸른건설(주)"]


def _simple_month_file(path: Path, rows: int, seed: int = 7) -> None:
    """A portal-format month (cp949, CRLF, 22 columns) with realistic field widths and a few quirks."""
    sys.path.insert(0, str(HERE.parent / "src"))
    from helpers.schema import NPS_COLUMNS

    rnd = random.Random(seed)
    # about 20,000 distinct legal-dong codes, as in a national file (5,000 dongs, 15,000 ri)
    places = []
    for _ in range(20_000):
        sido, sido_name, sgg = rnd.choice(_SIDO)
        code = f"{sido}{rnd.randrange(110, 900):03d}{rnd.randrange(101, 400):03d}{rnd.choice(['00', '21', '22'])}"
        places.append((code, sido_name, rnd.choice(sgg), rnd.choice(_DONG)))
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="cp949", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(NPS_COLUMNS)
        prev = None
        for i in range(rows):
            if prev is not None and i % 5000 == 0:  # exact duplicate rows, as in real files
                w.writerow(prev)
                continue
            bjd, sido_name, sgg_name, dong = places[min(int(rnd.paretovariate(0.6)) - 1, len(places) - 1)
                                                    if rnd.random() < 0.3 else rnd.randrange(len(places))]
            ind, ind_name = rnd.choice(_IND)
            status = "2" if rnd.random() < 0.08 else "1"
            members = int(rnd.paretovariate(1.3)) + 1
            row = [MONTH, f"{rnd.choice(_NAME)}{i % 997}", f"{rnd.randrange(100000, 999999)}", status,
                   f"{rnd.randrange(10000, 63999):05d}", f"{sido_name} {sgg_name} {dong}",
                   f"{sido_name} {sgg_name} {rnd.choice(_ROAD)}", bjd, bjd[:8] + "00", bjd[:2], bjd[2:5],
                   bjd[5:8], rnd.choice("12"), ind, ind_name,
                   f"{rnd.randrange(1988, 2026)}-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}",
                   "", "2026-08-31" if status == "2" else "", members, members * rnd.randrange(90000, 560000),
                   rnd.randrange(0, 3), rnd.randrange(0, 3)]
            w.writerow(row)
            prev = row
    data = bytearray(tmp.read_bytes())
    # a few bytes that do not decode as cp949, in the middle of the file
    for k in range(1, 6):
        pos = data.index(f"\r\n{MONTH},".encode(), len(data) * k // 7) + len(MONTH) + 3  # start of 사업장명
        data[pos:pos] = b"\xff"
    path.write_bytes(bytes(data))
    tmp.unlink()


def ensure_month_file(data_dir: Path, rows: int) -> Path:
    """Reuse or create `<data_dir>/raw_<rows>/` holding exactly one national-scale month file."""
    raw = data_dir / f"raw_{rows}"
    files = sorted(raw.glob("*.csv")) if raw.is_dir() else []
    if len(files) == 1:
        return files[0]
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    try:
        from helpers.demo import generate_demo  # written in parallel; optional

        generate_demo(raw, workplaces=rows, months=(MONTH, MONTH), seed=20260930)
        files = sorted(raw.glob("*.csv"))
        if len(files) != 1:
            raise RuntimeError("demo generator did not write exactly one month file")
        src = "helpers.demo.generate_demo"
    except Exception:
        shutil.rmtree(raw, ignore_errors=True)
        raw.mkdir(parents=True)
        _simple_month_file(raw / f"국민연금공단_국민연금 가입 사업장 내역_{MONTH.replace('-', '')}.csv", rows)
        files = sorted(raw.glob("*.csv"))
        src = "bench/bench_ingest.py simple generator"
    (raw / "GENERATOR.txt").write_text(src + "\n", encoding="utf-8")
    return files[0]


# --- one measurement (runs in a child process) ---------------------------------------------

def _child(kind: str, csv_path: str, out_dir: str) -> None:
    # Imports are not part of the measurement (interpreter start-up is the same for both).
    import pandas as pd

    from helpers.nps import ingest

    t0 = time.perf_counter()
    if kind == "baseline":
        df = pd.read_csv(csv_path, encoding="cp949", encoding_errors="replace", low_memory=True)
        df.to_parquet(Path(out_dir) / "baseline.parquet")
        rows = len(df)
    else:
        summary = ingest(Path(csv_path).parent, Path(out_dir) / "cache")
        rows = sum(r.accepted for r in summary.files)
    print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows}))


def _measure(kind: str, csv_path: Path) -> dict:
    """Run one measurement in a fresh interpreter; wall time inside it, peak RSS from the OS."""
    with tempfile.TemporaryDirectory(prefix=f"bench_{kind}_") as out:
        code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import bench_ingest as b; "
                f"b._child({kind!r}, {str(csv_path)!r}, {out!r})")
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would keep the max of all children).
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            raise SystemExit(f"{kind} run failed (status {status})")
    res = json.loads(stdout.strip().splitlines()[-1])
    kib = usage.ru_maxrss if platform.system() != "Darwin" else usage.ru_maxrss / 1024
    res["peak_mb"] = kib / 1024
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=600_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "sme_bench_ingest")
    args = ap.parse_args(argv)

    path = ensure_month_file(args.data_dir, args.rows)
    size_mb = path.stat().st_size / 1e6
    print(f"file: {path} ({size_mb:.1f} MB, generator: "
          f"{(path.parent / 'GENERATOR.txt').read_text(encoding='utf-8').strip()})")
    runs: dict[str, list[dict]] = {"baseline": [], "ingest": []}
    for i in range(args.repeat):
        for kind in runs:
            r = _measure(kind, path)
            runs[kind].append(r)
            print(f"  run {i + 1} {kind:8s} {r['seconds']:6.2f} s  peak {r['peak_mb']:7.1f} MB  rows {r['rows']}")
    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items()}
    peak = {k: max(r["peak_mb"] for r in v) for k, v in runs.items()}
    speedup = best["baseline"]["seconds"] / best["ingest"]["seconds"]
    print()
    print(f"{'':34s}{'best s':>8s}{'peak MB':>10s}")
    print(f"{'pandas read_csv(cp949)+to_parquet':34s}{best['baseline']['seconds']:8.2f}{peak['baseline']:10.1f}")
    print(f"{'helpers.nps.ingest':34s}{best['ingest']['seconds']:8.2f}{peak['ingest']:10.1f}")
    print(f"speedup {speedup:.2f}x (target >= 2x)")

    import pandas as pd
    import pyarrow as pa

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {
        "file_mb": round(size_mb, 1), "rows": args.rows, "repeat": args.repeat,
        "baseline_s": round(best["baseline"]["seconds"], 3), "ingest_s": round(best["ingest"]["seconds"], 3),
        "speedup": round(speedup, 2), "baseline_peak_mb": round(peak["baseline"], 1),
        "ingest_peak_mb": round(peak["ingest"], 1), "runs": runs,
        "generator": (path.parent / "GENERATOR.txt").read_text(encoding="utf-8").strip(),
        "python": platform.python_version(), "pandas": pd.__version__, "pyarrow": pa.__version__,
        "cpus": os.cpu_count(), "machine": platform.machine(),
    }
    tmp = RESULTS / "ingest.json.tmp"
    tmp.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, RESULTS / "ingest.json")
    print(f"written {RESULTS / 'ingest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
