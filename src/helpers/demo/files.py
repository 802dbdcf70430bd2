"""Writing the synthetic monthly files: the run (`generate_demo`), the quirks of the real files planted in
each month (undecodable bytes, duplicate rows), file names, `ensure_demo_data` and the `demo-data` command.
"""

from __future__ import annotations

import calendar
import json
import os
import re
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from helpers.demo.groups import NATIONAL_MIX, Mix
from helpers.demo.national import national_reference
from helpers.demo.places import build_places
from helpers.demo.plants import PlantWorld
from helpers.demo.portal import PortalPrinter
from helpers.demo.scenarios import SCENARIOS
from helpers.demo.truth import truth_path, truth_series, write_sidecar
from helpers.demo.world import World
from helpers.errors import UserError
from helpers.files import write_atomic
from helpers.nps import SYNTHETIC_MARKER
from helpers.params import resolve_path
from helpers.periods import month_range
from helpers.reference import default_areas_csv, read_reference

DEMO_SEED = 20260930
DEFAULT_WORKPLACES = 30_000
NATIONAL_WORKPLACES = 520_000  # about 600,000 rows a month with the withdrawn ones, like the real files
DEFAULT_MONTHS: tuple[str, str] = ("2024-07", "2026-09")
FILE_PREFIX = "국민연금공단_국민연금 가입 사업장 내역_"
SYNTHETIC_TEXT = "이 폴더의 국민연금 가입 사업장 파일은 시험·시연용 합성(가상) 자료입니다. 실제 사업장 정보가 아닙니다.\n"

# Placeholders in the text for bytes that cp949 cannot decode, replaced after encoding.
_BAD_BYTES = {"\x01": b"\x80", "\x02": b"\xff\xfe"}


def file_name(month: str) -> str:
    """The portal-like file name of a month: ..._YYYYMMDD.csv with the month's last day."""
    y, m = int(month[:4]), int(month[5:])
    return f"{FILE_PREFIX}{y:04d}{m:02d}{calendar.monthrange(y, m)[1]:02d}.csv"


def parse_months(text: str) -> tuple[str, str]:
    """'YYYY-MM:YYYY-MM' (or one 'YYYY-MM') → (start, end); a Korean `UserError` when unusable."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*(?::\s*(\d{4})-(\d{2})\s*)?", str(text or ""))
    if not m:
        raise UserError(f"기간 '{text}' 의 형식이 올바르지 않습니다. YYYY-MM:YYYY-MM 형식으로 적어 주십시오 "
                        "(예: 2024-07:2026-09).")
    y1, m1 = int(m.group(1)), int(m.group(2))
    y2, m2 = (int(m.group(3)), int(m.group(4))) if m.group(3) else (y1, m1)
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        raise UserError(f"기간 '{text}' 에 없는 달이 있습니다 (월은 01~12).")
    start, end = f"{y1:04d}-{m1:02d}", f"{y2:04d}-{m2:02d}"
    if start > end:
        raise UserError(f"기간 '{text}' 의 시작 달이 끝 달보다 늦습니다.")
    if not ("2000-01" <= start and end <= "2099-12"):
        raise UserError(f"기간 '{text}' 는 2000-01 ~ 2099-12 안이어야 합니다.")
    return start, end


# ---------------------------------------------------------------------------------------------
# The run.


def generate_demo(out_dir: str | os.PathLike, workplaces: int = DEFAULT_WORKPLACES,
                  months: tuple[str, str] = DEFAULT_MONTHS, seed: int = DEMO_SEED,
                  areas_csv: str | os.PathLike | None = None, mix: Mix | None = None) -> list[Path]:
    """Write synthetic monthly NPS files (one per month) to `out_dir`; returns their paths in month order.

    Earlier demo files of the same naming pattern in `out_dir` are removed first; `SYNTHETIC.txt` is
    written into the folder and the planted truths to `truth_path(out_dir)` beside it.
    """
    if workplaces < 100:
        raise UserError(f"사업장 수 {workplaces} 는 너무 작습니다 (100 이상).")
    start, end = parse_months(f"{months[0]}:{months[1]}")
    out = Path(out_dir)
    _refuse_folder_of_real_files(out)
    out.mkdir(parents=True, exist_ok=True)
    ref = read_reference(areas_csv)
    world = World(ref, build_places(ref), workplaces, month_range(start, end), seed, mix)
    world.initial_population()
    plants = PlantWorld.for_world(world, seed)  # after the main world: its draws are not touched
    if plants is not None:
        plants.initial_population()
    for old in out.glob(f"{FILE_PREFIX}*.csv"):
        old.unlink()
    paths, stats, tallies = _simulate_and_write(world, out, seed, plants)
    (out / SYNTHETIC_MARKER).write_text(SYNTHETIC_TEXT, encoding="utf-8")
    write_sidecar(out, {
        "synthetic": True, "seed": seed, "workplaces": workplaces, "months": [start, end],
        "areas_csv": str(Path(areas_csv) if areas_csv else default_areas_csv()),
        **({"mix": asdict(mix)} if mix and mix != Mix() else {}),
        "files": stats,
        "scenarios": [{k: v for k, v in asdict(s).items() if k != "plant"} for s in SCENARIOS],
        "truth": truth_series(world, tallies),
    })
    return paths


def national_areas_path(out_dir: str | os.PathLike) -> Path:
    """The national set's reference: `dense_areas.csv` beside its raw folder (data/demo/national/)."""
    return Path(out_dir).resolve().parent / "dense_areas.csv"


def generate_national(out_dir: str | os.PathLike, workplaces: int = NATIONAL_WORKPLACES,
                      months: tuple[str, str] = DEFAULT_MONTHS, seed: int = DEMO_SEED) -> tuple[list[Path], Path]:
    """The national-scale set: `national_reference(seed)` written to `national_areas_path(out_dir)`, then
    `generate_demo` with it and `NATIONAL_MIX` (about 130,000 of the workplaces inside the areas, mixed trends).
    Returns the monthly files and the reference's path."""
    out = Path(out_dir)
    _refuse_folder_of_real_files(out)
    areas = national_areas_path(out)
    if areas.is_file() and "(가상)" not in areas.read_text(encoding="utf-8-sig", errors="replace"):
        raise UserError(f"{areas} 는 합성 전국 기준표가 아닌 것 같아 덮어쓰지 않습니다. 다른 --out 폴더를 지정하세요.")
    write_atomic(areas, national_reference(seed).to_csv(index=False).encode("utf-8"))
    return generate_demo(out, workplaces=workplaces, months=months, seed=seed, areas_csv=areas, mix=NATIONAL_MIX), areas


def _refuse_folder_of_real_files(out: Path) -> None:
    """Synthetic files are named like the portal's downloads: never write (or delete) among real ones."""
    if out.is_dir() and any(out.glob("*.csv")) and not (out / SYNTHETIC_MARKER).is_file():
        raise UserError(f"폴더 {out} 에 합성 자료 표시(SYNTHETIC.txt) 없는 CSV 파일이 있습니다. 실제 자료일 수 있어 "
                        "합성 자료를 만들지 않습니다. 빈 폴더나 다른 폴더를 --out 으로 지정하세요.")


def _simulate_and_write(world: World, out: Path, seed: int,
                        plants: PlantWorld | None = None) -> tuple[list[Path], list[dict], list[dict]]:
    """Step the world (and the planted areas simulated apart) through its months, writing each month's
    file; the files' statistics and the true numbers of every month. The quirks draw from their own
    generator, apart from the worlds'."""
    io_rng = np.random.default_rng([seed, 7])
    printer = PortalPrinter(world)
    paths, stats, tallies = [], [], []
    T = len(world.months)
    for t in range(T):
        if t:
            world.step(t)
            if plants is not None:
                plants.step(t)
        tallies.append(world.tally(t) if plants is None else plants.merged_tally(world, t))
        corrupt_rows = int(io_rng.integers(1, 4)) if (t in (0, T - 1) or io_rng.random() < 0.5) else 0
        path = out / file_name(world.months[t])
        stats.append(_write_month(printer, t, path, io_rng, corrupt_rows, plants))
        paths.append(path)
    return paths, stats, tallies


# ---------------------------------------------------------------------------------------------
# One month's file, with the quirks of the real files.


def _write_month(printer: PortalPrinter, t: int, path: Path, rng: np.random.Generator, corrupt_rows: int,
                 plants: PlantWorld | None = None) -> dict:
    """Write month `t` with its quirks (undecodable bytes in a few names, exact duplicate rows). The quirks
    are chosen among the main world's rows (the same draws with or without `plants`) and then carried over
    to the rows actually printed (`_merge_plants`)."""
    world = printer.world
    c = world.cols
    n = len(c["group"])
    names, bad_rows, bad_bytes = _undecodable_names(world, t, rng, corrupt_rows)
    dup = _duplicate_rows(n, bad_rows, rng)
    if plants is not None:
        c, names, bad_rows, dup = _merge_plants(world, plants, t, names, bad_rows, dup)
        n = len(c["group"])
    order = np.sort(np.concatenate([np.arange(n), dup]), kind="stable")
    data = printer.text(t, names, order, cols=c).encode("cp949")
    for mark, raw in _BAD_BYTES.items() if len(bad_rows) else ():  # the marks come only from corrupted names
        data = data.replace(mark.encode("ascii"), raw)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return {"file": path.name, "month": world.months[t], "rows": int(len(order)), "distinct_rows": n,
            "duplicate_rows": int(len(dup)), "undecodable_rows": int(len(bad_rows)),
            "undecodable_bytes": int(bad_bytes), "withdrawn_rows": int((c["status"] == 2).sum())}


def _merge_plants(world: World, plants: PlantWorld, t: int, names: np.ndarray, bad_rows: np.ndarray,
                  dup: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """The rows to print in month `t`: the main world's outside the planted areas, then the plant world's;
    their names, and the undecodable and duplicated rows in that numbering. A quirk that fell on a main row
    left out goes to a plant row instead (chosen without random numbers), so the counts stay."""
    keep = plants.keep_mask(world)
    pc = plants.cols
    cols = {k: np.concatenate([v[keep], pc[k]]) for k, v in world.cols.items()}
    n_keep = int(keep.sum())
    pos = np.cumsum(keep) - 1
    p_names = plants.names_at(t).copy()
    pool = np.flatnonzero((pc["status"] == 1) & ~pc["special"])
    new_bad = []
    for j, i in enumerate(bad_rows):
        if keep[i]:
            new_bad.append(pos[i])
            continue
        r = pool[(i + j) % len(pool)]
        p_names[r] = _corrupt(p_names[r], "\x01" if "\x01" in names[i] else "\x02")
        new_bad.append(n_keep + r)
    bad = np.array(new_bad, dtype=np.int64)
    free = np.setdiff1d(np.arange(len(pc["group"])), bad - n_keep)
    new_dup = [pos[i] if keep[i] else n_keep + free[(i + j) % len(free)] for j, i in enumerate(dup)]
    return cols, np.concatenate([names[keep], p_names]), bad, np.array(new_dup, dtype=np.int64)


def _undecodable_names(world: World, t: int, rng: np.random.Generator,
                       corrupt_rows: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The month's names with `corrupt_rows` active, non-special ones carrying an undecodable byte or two;
    also the rows and the number of bytes."""
    c = world.cols
    names = world.names_at(t).copy()
    ok = np.flatnonzero((c["status"] == 1) & ~c["special"])
    bad_rows = rng.choice(ok, size=min(corrupt_rows, len(ok)), replace=False) if corrupt_rows else np.array([], int)
    bad_bytes = 0
    for i in bad_rows:
        mark = "\x01" if rng.random() < 0.5 else "\x02"
        names[i] = _corrupt(names[i], mark)
        bad_bytes += len(_BAD_BYTES[mark])
    return names, bad_rows, bad_bytes


def _corrupt(name: str, mark: str) -> str:
    """Put an undecodable-byte placeholder right before the first ASCII character (or at the end)."""
    for j, ch in enumerate(name):
        if ord(ch) < 128 and j > 0:
            return name[:j] + mark + name[j:]
    return name + mark


def _duplicate_rows(n: int, bad_rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """max(3, 0.05 % of the rows) rows written twice; undecodable rows are never duplicated."""
    n_dup = max(3, round(n * 0.0005))
    keep = np.ones(n, dtype=bool)
    keep[bad_rows] = False
    pool = np.flatnonzero(keep)  # np.setdiff1d's hashing takes about a second at national scale
    return rng.choice(pool, size=min(n_dup, len(pool)), replace=False)


# ---------------------------------------------------------------------------------------------
# For the batch and the command line.


def ensure_demo_data(out_dir: str | os.PathLike | None = None) -> Path:
    """The demo folder, generated with the defaults when it holds no CSV yet (used by the batch)."""
    out = Path(out_dir) if out_dir else resolve_path(None, "demo_dir")
    if not any(out.glob("*.csv")):
        generate_demo(out)
    elif not (out / SYNTHETIC_MARKER).is_file():
        (out / SYNTHETIC_MARKER).write_text(SYNTHETIC_TEXT, encoding="utf-8")
    return out


def cli_demo_data(args) -> int:
    """`python -m helpers demo-data [--scale demo|national]`: write the synthetic files, print a Korean summary."""
    months = parse_months(getattr(args, "months", None) or f"{DEFAULT_MONTHS[0]}:{DEFAULT_MONTHS[1]}")
    national = getattr(args, "scale", None) == "national"
    if getattr(args, "out", None):
        out = resolve_path(args.out, "demo_dir")
    else:
        out = resolve_path(None, "demo_dir")
        out = out.parent / "national" / "nps" if national else out
    workplaces = int(getattr(args, "workplaces", None) or (NATIONAL_WORKPLACES if national else DEFAULT_WORKPLACES))
    seed = DEMO_SEED if getattr(args, "seed", None) is None else int(args.seed)
    t0 = time.perf_counter()
    if national:
        paths, areas = generate_national(out, workplaces=workplaces, months=months, seed=seed)
    else:
        paths = generate_demo(out, workplaces=workplaces, months=months, seed=seed)
    secs = time.perf_counter() - t0
    truth = json.loads(truth_path(out).read_text(encoding="utf-8"))
    rows = sum(f["rows"] for f in truth["files"])
    print("합성(가상) 국민연금 사업장 자료를 만들었습니다. 실제 사업장 정보가 아닙니다.")
    print(f"  기간: {months[0]} ~ {months[1]} ({len(paths)}개 파일), 사업장 약 {workplaces:,}곳, 시드 {seed}")
    print(f"  행 수: {rows:,} (중복 행·디코딩 불가 바이트 등 실제 파일의 특성을 일부러 넣었습니다)")
    print(f"  소요 시간: {secs:.1f}초 (파일당 {secs / max(1, len(paths)):.2f}초)")
    print(f"  출력 폴더: {out}")
    print(f"  심어 둔 시나리오와 파일별 특성: {truth_path(out)}")
    if national:
        n_areas = sum(u["level"] == "area" for u in truth["truth"]["units"].values())
        print(f"  전국 규모 합성 밀집지역 기준표 ({n_areas:,}곳, 가상 지역은 이름에 '(가상)'): {areas}")
        print("  이 자료로 분기 실행:")
        print(f"    python -m helpers run --raw-dir {_shown(out)} --areas {_shown(areas)}")
    return 0


def _shown(path: Path) -> str:
    """`path` relative to the working folder when it lies inside it (for a command to copy)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
