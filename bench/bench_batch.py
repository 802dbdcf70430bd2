"""Benchmark: the quarterly batch of every province (16 since the 2026-07 merger) on the default demo data, next to its floor.

The floor is Papermill executing an empty notebook with the same kernel, once per province with the same number
of workers — what any per-province notebook batch costs before doing any work.
Run: `make bench` (or `.venv/bin/python bench/bench_batch.py`). Writes bench/results/batch.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager

from helpers import codes
from helpers.batch import KERNEL, KERNEL_QUIET, run_quarter
from helpers.panel import build_panel
from helpers.workspace import resolve_raw_dir

HERE = Path(__file__).resolve().parent


def empty_notebook_floor(n: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        nb = Path(d) / "empty.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")]), nb)

        def one(i: int) -> float:
            # A fresh kernel per notebook, started as the batch starts its kernels.
            t = time.perf_counter()
            km = AsyncKernelManager(kernel_name=KERNEL)
            asyncio.run(km.start_kernel(extra_arguments=KERNEL_QUIET))
            try:
                pm.execute_notebook(str(nb), str(Path(d) / f"out{i}.ipynb"), kernel_name=KERNEL, progress_bar=False,
                                    km=km)
            finally:
                asyncio.run(km.shutdown_kernel(now=True))
            return time.perf_counter() - t

        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            each = list(pool.map(one, range(n)))
        return {"wall_s": round(time.perf_counter() - t0, 2), "per_notebook_s": round(sum(each) / n, 2)}


def main() -> int:
    workers = os.cpu_count() or 1
    raw, _ = resolve_raw_dir(None)  # default demo data (generated if missing)
    build_panel(raw)  # ingest once, so the timed run starts from a warm cache as a quarterly rerun would
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        manifest = run_quarter(provinces="all", out=out, workers=workers, progress=False)
        wall = time.perf_counter() - t0
    n = len(codes.SIDO_NAMES)
    floor = empty_notebook_floor(n, workers)
    result = {
        "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
        "data": str(raw),
        "workers": workers,
        "batch_wall_s": round(wall, 2),
        "panel_s": manifest["seconds_panel"],
        "provinces_ok": sum(p["status"] == "ok" for p in manifest["provinces"]),
        "per_province_s": {p["sido_code"]: p["seconds"] for p in manifest["provinces"]},
        "floor_empty_notebooks": floor,
        "target_s": 60,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "batch.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"{n}개 시도 일괄 실행: {wall:.1f}초 (목표 60초, 작업자 {workers}) — 성공 {result['provinces_ok']}/{n}")
    print(f"  지표 패널 계산: {result['panel_s']:.1f}초")
    print("  시도별: " + ", ".join(f"{k} {v:.1f}s" for k, v in result["per_province_s"].items()))
    print(f"  바닥선(빈 노트북 {n}개, 같은 커널): {floor['wall_s']:.1f}초 (노트북당 {floor['per_notebook_s']:.1f}초)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
