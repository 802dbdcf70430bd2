"""Benchmark on the national-scale synthetic set (about 600,000 workplaces a month × 27 months, 2,185 areas):
cold ingest of the 27 months, the full quarterly batch (16 provinces + the index), a rerun with unchanged
inputs, and the peak memory of the whole process tree (the CLI process and its kernels).

Each step is the real command (`python -m helpers ingest …`, `python -m helpers run …`) in a child process,
timed from the outside; a thread polls psutil over the child and all its descendants every 0.1 s and keeps
the largest sum of their resident set sizes (shared library pages count once per process, so this is an
upper bound). The set is generated once into data/demo/national/ with `python -m helpers demo-data --scale
national` when missing (minutes); its cache is removed before the cold ingest.

    .venv/bin/python bench/bench_national.py [--workers N] [--out DIR]

Writes bench/results/national.json. Never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
NATIONAL = ROOT / "data" / "demo" / "national"
RAW, AREAS = NATIONAL / "nps", NATIONAL / "dense_areas.csv"
MONTHS = 27
TARGETS = {"ingest_s": 45.0, "batch_s": 90.0, "rerun_s": 10.0, "peak_gb": 3.0}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SME_MONITOR_ROOT", str(ROOT))
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def measure(args: list[str], label: str) -> dict:
    """Run `python -m helpers <args>`; wall seconds, exit code and the peak memory of its process tree: the
    sum of the processes' proportional set sizes (PSS: a page shared by n processes counts 1/n in each, so
    the sum is what the tree really occupies) and, as an upper bound, the sum of their resident sizes (RSS:
    shared library pages counted once per process)."""
    peak = [0, 0]  # PSS, RSS
    done = threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "helpers", *args], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def poll() -> None:
        try:
            parent = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            pss = rss = 0
            try:
                procs = [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in procs:
                try:
                    full = p.memory_full_info()
                    pss, rss = pss + getattr(full, "pss", full.rss), rss + full.rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            done.wait(0.1)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    output = proc.communicate()[0]
    seconds = time.perf_counter() - t0
    done.set()
    watcher.join()
    tail = output.strip().splitlines()[-3:]
    print(f"  {label}: {seconds:.1f} s, peak {peak[0] / 2**30:.2f} GB (PSS; RSS sum {peak[1] / 2**30:.2f} GB), "
          f"exit {proc.returncode}")
    for line in tail:
        print(f"      {line[:160]}")
    return {"seconds": round(seconds, 2), "peak_gb": round(peak[0] / 2**30, 3),
            "peak_rss_sum_gb": round(peak[1] / 2**30, 3), "exit": proc.returncode,
            "output_tail": tail}


def ensure_national() -> None:
    """Generate the national set once (data/ is git-ignored); reused by every later bench run."""
    if RAW.is_dir() and len(list(RAW.glob("*.csv"))) >= MONTHS and AREAS.is_file():
        return
    print(f"전국 규모 합성 자료가 없어 만듭니다 ({RAW}, 몇 분 걸립니다)…")
    r = measure(["demo-data", "--scale", "national"], "demo-data --scale national")
    if r["exit"] != 0:
        raise SystemExit("demo-data --scale national failed")


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal where Hangul takes two columns."""
    import unicodedata

    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - cols)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=None, help="run --workers (default: the CLI's, CPU cores)")
    ap.add_argument("--out", type=Path, default=None, help="output folder of the batch (default: a temp folder)")
    args = ap.parse_args(argv)
    ensure_national()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("SME_MONITOR_ROOT", str(ROOT))
    from helpers.nps import cache_dir_for
    from helpers.params import load_config

    cache = cache_dir_for(RAW, load_config().path("cache_dir"))
    shutil.rmtree(cache, ignore_errors=True)  # cold: the cache is rebuilt from the 27 raw files
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_national_"))
    run = ["run", "--raw-dir", str(RAW), "--areas", str(AREAS), "--out", str(out)]
    if args.workers:
        run += ["--workers", str(args.workers)]
    print(f"national set: {RAW} ({sum(p.stat().st_size for p in RAW.glob('*.csv')) / 1e9:.2f} GB), "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    steps = {"ingest": measure(["ingest", "--raw-dir", str(RAW)], "cold ingest (27 months)")}
    manifests = {}
    for name, extra, label in (("batch", ["--force"], "full batch (16 provinces + index, --force)"),
                               ("rerun", [], "rerun, unchanged inputs")):
        steps[name] = measure([*run, *extra], label)
        q = sorted(p for p in out.iterdir() if (p / "manifest.json").is_file())
        if q:
            m = json.loads((q[-1] / "manifest.json").read_text(encoding="utf-8"))
            manifests[name] = {
                "quarter": m["quarter"], "seconds_total": m["seconds_total"], "seconds_panel": m["seconds_panel"],
                "panel_reused": m.get("panel_reused"), "index_reused": m.get("index_reused"),
                "provinces_ok": sum(p["status"] == "ok" for p in m["provinces"]),
                "provinces_reused": sum(bool(p.get("reused")) for p in m["provinces"]),
                "province_seconds": {p["sido_code"]: p["seconds"] for p in m["provinces"]}}
    got = {"ingest_s": steps["ingest"]["seconds"], "batch_s": steps["batch"]["seconds"],
           "rerun_s": steps["rerun"]["seconds"], "peak_gb": max(s["peak_gb"] for s in steps.values())}
    result = {"targets": TARGETS, "measured": got, "steps": steps, "manifests": manifests,
              "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                          "load_average_end": round(os.getloadavg()[0], 2)},
              "data": {"raw": str(RAW), "areas": str(AREAS), "out": str(out)}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS / "national.json.tmp"
    tmp.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, RESULTS / "national.json")
    print()
    print(f"{_pad('전국 규모 (사업장 약 60만 × 27개월, 밀집지역 2,185곳)', 56)}{'측정':>8s}{'목표':>10s}")
    for key, label, unit in (("ingest_s", "원자료 27개월 첫 적재", "s"), ("batch_s", "분기 일괄 실행 (16개 시도 + 색인)", "s"),
                             ("rerun_s", "입력 변경 없는 재실행", "s"), ("peak_gb", "최대 메모리 (프로세스 트리, PSS 합)", "GB")):
        ok = "통과" if got[key] <= TARGETS[key] else "초과"
        print(f"{_pad(label, 56)}{got[key]:>8.1f}{unit:2s}{TARGETS[key]:>8.1f}{unit:2s} {ok}")
    print(f"  (RSS 합 — 공유 페이지를 프로세스마다 센 상한: {max(s['peak_rss_sum_gb'] for s in steps.values()):.1f}GB)")
    if "batch" in manifests:
        print(f"  (일괄 실행 중 지표 패널 계산 {manifests['batch']['seconds_panel']:.1f}초)")
    if not args.out:
        shutil.rmtree(out, ignore_errors=True)
    print(f"written {RESULTS / 'national.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
