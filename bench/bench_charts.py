"""Benchmark: drawing the 경남 province map (`charts.province_map`) on the hand-made test frames.

The first call reads and simplifies the boundaries (cached per process); the second is what every
further map of a notebook or a batch costs. Target: the cached map in under 2 seconds.
Run: `make bench` (or `.venv/bin/python bench/bench_charts.py`). Never part of the tests.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.chart_frames

from tests.chart_frames import areas_frame, stages_frame  # noqa: E402

from helpers import charts  # noqa: E402

TARGET_S = 2.0


def time_map(stages, areas, sido_code: str) -> float:
    t = time.perf_counter()
    charts.province_map(stages, areas, sido_code)
    seconds = time.perf_counter() - t
    plt.close("all")
    return seconds


def main() -> int:
    stages, areas = stages_frame(), areas_frame()
    first = time_map(stages, areas, "48")  # boundaries read and simplified here
    cached = min(time_map(stages, areas, "48") for _ in range(3))
    print(f"경남 지도: {cached:.1f}초 (목표 {TARGET_S:g}초)")
    print(f"  첫 호출 (경계 읽기·단순화 포함): {first:.1f}초")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
