"""`ingest`: bring the cache of one raw folder up to date, in named steps.

Incremental: a file whose size and mtime are unchanged is trusted; otherwise it is hashed, and only
when the hash changed is it read again. Only months whose cached file does not come from their
(possibly new) source file are rewritten.

Same month in several files (never double-counted): for each month the file with the most accepted
rows of that month is used (a cut-off download loses); ties go to the later upload date in the file
name (`..._YYYYMMDD.csv`: a re-publication corrects the earlier one), then to the name that sorts
first. Every other file holding that month is reported as excluded for it ("사본" when its bytes are
identical to the used file). A file holding several months is split; the rule applies month by month.

The steps, in order (each a function below, all sharing one `_Run`):
1. `_find_changed_files`: unchanged files keep their state entry and report (변경 없음).
2. `_collect_known_candidates`: rows per month of the unchanged files, from the state.
3. `_read_changed_files`: read each changed file once; write the months it provisionally wins.
4. `_settle_winners`: the final winner of every month; months not holding their winner's rows are
   rebuilt by reading the winner again (다시 읽음); `_drop_months_without_files` removes the rest.
5. `_report_exclusions`: months a file loses to another file, on that file's report.
6. `_write_quarantine`, 7. `_write_state`, 8. `_summary`.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from helpers.errors import UserError
from helpers.files import sha256_file
from helpers.nps.cache import (
    _load_state,
    _parquet_source,
    _quarantine_piece,
    _save_state,
    _write_parquet,
    _write_quarantine_csv,
)
from helpers.nps.raw import _no_files_message, is_synthetic_dir, scan_raw_dir
from helpers.nps.read import _QUARANTINE_SCHEMA, _FileRead, _read
from helpers.nps.summary import FileReport, IngestSummary, copy_note, fewer_rows_note
from helpers.periods import missing_months


def ingest(raw_dir: str | os.PathLike, cache_dir: str | os.PathLike, recursive: bool = False) -> IngestSummary:
    """Validate and cache every raw file of `raw_dir` into `cache_dir` (see `helpers.nps` and
    `helpers.nps.cache` for the cache, and this module's docstring for the steps).

    Incremental: unchanged files (same size and mtime, or same sha256) are not read again and only
    the months they affect are rebuilt. Raises `UserError` when the folder has no CSV file or a
    file's header lacks a column.
    """
    run = _start(Path(raw_dir).resolve(), Path(cache_dir), recursive)
    _verify_cached_months(run)
    fresh, removed = _find_changed_files(run)
    _collect_known_candidates(run)
    with _MonthWriter(run) as writer:
        _read_changed_files(run, fresh, writer)
        winners = _settle_winners(run, writer)
    _drop_months_without_files(run, winners)
    _report_exclusions(run, winners)
    quarantined = _write_quarantine(run)
    _write_state(run, winners)
    return _summary(run, winners, removed, quarantined)


# ---------------------------------------------------------------------------------------------
# Which file supplies a month


def upload_date(file: str) -> str:
    """The upload date a portal file name carries (`..._20260930.csv` → '20260930'), '' when none."""
    found = re.findall(r"(?<![0-9])(20[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))(?![0-9])", Path(file).name)
    return found[-1] if found else ""


def _winner_order(file: str, rows: int) -> tuple[int, int, str]:
    """Which file supplies a month published more than once: the most accepted rows of that month (a
    cut-off download loses); on a tie the later upload date in the name (a re-publication corrects the
    earlier one), then the name."""
    return (-rows, -int(upload_date(file) or 0), file)


def _winner(candidates: dict[str, int]) -> str:
    """The file that supplies a month, among its candidates (file → accepted rows of the month)."""
    return min(candidates.items(), key=lambda kv: _winner_order(*kv))[0]


# ---------------------------------------------------------------------------------------------
# One run


@dataclass
class _Run:
    """What the steps of one `ingest` share."""

    raw_dir: Path
    cache_dir: Path
    path_of: dict[str, Path]  # raw file name (relative to raw_dir, '/'-separated) → path
    old_files: dict[str, dict]  # state.json entries of the previous run
    new_files: dict[str, dict] = field(default_factory=dict)  # state.json entries of this run
    reports: dict[str, FileReport] = field(default_factory=dict)
    candidates: dict[str, dict[str, int]] = field(default_factory=dict)  # month → file → accepted rows
    written: set[str] = field(default_factory=set)  # months written this run
    old_months: dict[str, dict] = field(default_factory=dict)  # state.json months of the previous run
    skipped: list[tuple[str, str]] = field(default_factory=list)  # files not read, with the reason
    damaged: list[str] = field(default_factory=list)  # cached months that failed their checksum

    @property
    def months_dir(self) -> Path:
        return self.cache_dir / "months"

    @property
    def q_dir(self) -> Path:
        return self.cache_dir / "quarantine"

    def sha_of(self, name: str) -> str:
        return self.new_files[name]["sha256"]


def _start(raw_dir: Path, cache_dir: Path, recursive: bool) -> _Run:
    """The raw files (a `UserError` when there are none; files not read are reported), the cache folders
    without the temporary files an interrupted run left, and the previous state."""
    scanned = scan_raw_dir(raw_dir, recursive)
    paths = [p for p, why in scanned if not why]
    if not paths:
        raise UserError(_no_files_message(raw_dir))
    run = _Run(raw_dir, cache_dir, path_of={p.relative_to(raw_dir).as_posix(): p for p in paths}, old_files={})
    run.skipped = [(p.relative_to(raw_dir).as_posix(), why) for p, why in scanned if why]
    run.months_dir.mkdir(parents=True, exist_ok=True)
    run.q_dir.mkdir(parents=True, exist_ok=True)
    for tmp in [*cache_dir.glob(".*.tmp"), *run.months_dir.glob(".*.tmp"), *run.q_dir.glob(".*.tmp")]:
        tmp.unlink(missing_ok=True)  # left by a run killed mid-write; never a finished file
    state = _load_state(cache_dir, raw_dir)
    run.old_files, run.old_months = state["files"], state.get("months", {})
    return run


def _verify_cached_months(run: _Run) -> None:
    """Step 0. Every cached month is checked against the checksum the state recorded when it was written;
    a damaged or missing file is removed so that step 4 rebuilds it from its raw file, with a notice."""
    for m, entry in run.old_months.items():
        path = run.months_dir / f"{m}.parquet"
        want = entry.get("parquet_sha256")
        if want and path.is_file() and sha256_file(path) != want:
            path.unlink()
            run.damaged.append(m)


class _MonthWriter:
    """Writes months on a background thread (the Parquet writer releases the GIL) while the next file is
    read; at most one write waits, so at most one extra file's table is held in memory."""

    def __init__(self, run: _Run):
        self.run = run
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: list[Future] = []

    def write(self, m: str, table: pa.Table, name: str) -> None:
        """Month `m` from `table` (all accepted rows of raw file `name`)."""
        run = self.run
        part = table if len(run.reports[name].months) == 1 else table.filter(pc.equal(table.column("month"), m))
        meta = {"source_file": name, "source_sha256": run.sha_of(name), "rows": str(part.num_rows)}
        self.flush()
        self.pending.append(self.pool.submit(_write_parquet, part, run.months_dir / f"{m}.parquet", meta))
        run.written.add(m)

    def flush(self) -> None:
        while self.pending:
            self.pending.pop().result()

    def __enter__(self) -> _MonthWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.flush()
        self.pool.shutdown()


def _store(run: _Run, name: str, r: _FileRead, status: str) -> None:
    """Record a file just read: its report, its state entry and its quarantine piece."""
    r.report.status = status
    run.reports[name] = r.report
    st = run.path_of[name].stat()
    piece = _quarantine_piece(name, r.report.sha256) if r.quarantine.num_rows else ""
    run.new_files[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": r.report.sha256,
                           "quarantine": piece, "report": r.report.to_dict()}
    if piece:
        _write_parquet(r.quarantine, run.q_dir / piece)


# ---------------------------------------------------------------------------------------------
# The steps


def _find_changed_files(run: _Run) -> tuple[list[str], list[str]]:
    """Step 1. Unchanged files (and their quarantine piece still there) keep their state entry and report
    (변경 없음). Returns the files to read and the files gone since the previous run."""
    fresh = []
    for name, p in run.path_of.items():
        st = p.stat()
        old = run.old_files.get(name)
        if _unchanged(old, p, st) and _piece_present(old, run.q_dir):
            entry = dict(old, mtime_ns=st.st_mtime_ns)
            run.new_files[name] = entry
            run.reports[name] = FileReport(**{**entry["report"], "status": "변경 없음"})
        else:
            fresh.append(name)
    return fresh, sorted(set(run.old_files) - set(run.path_of))


def _unchanged(old: dict | None, p: Path, st: os.stat_result) -> bool:
    """Same size and mtime as recorded, or same size and same sha256."""
    if not old or old["size"] != st.st_size:
        return False
    return old["mtime_ns"] == st.st_mtime_ns or sha256_file(p) == old["sha256"]


def _piece_present(old: dict, q_dir: Path) -> bool:
    piece = old.get("quarantine")
    return piece is not None and (piece == "" or (q_dir / piece).is_file())


def _collect_known_candidates(run: _Run) -> None:
    """Step 2. Candidates per month: rows per month of unchanged files are known from the state."""
    for name, entry in run.new_files.items():
        for m, n in entry["report"]["month_rows"].items():
            run.candidates.setdefault(m, {})[name] = n


def _read_changed_files(run: _Run, fresh: list[str], writer: _MonthWriter) -> None:
    """Step 3. Read changed files one at a time; write each month it provisionally wins (a later file that
    beats it overwrites the month, so at the end every month holds its winner's rows)."""
    for name in fresh:
        r = _read(run.path_of[name], name)
        _store(run, name, r, "새로 읽음")
        for m, n in r.report.month_rows.items():
            run.candidates.setdefault(m, {})[name] = n
            if _winner(run.candidates[m]) == name:
                writer.write(m, r.table, name)
        del r  # one file's table at a time
    writer.flush()  # step 4 reads the written months' metadata


def _settle_winners(run: _Run, writer: _MonthWriter) -> dict[str, str]:
    """Step 4. Final winners (month → file). A month whose cached file does not hold its winner's rows (the
    winner is an unchanged file but the month was overwritten or lost) is rebuilt by reading it again."""
    winners = {m: _winner(c) for m, c in run.candidates.items()}
    reread: dict[str, _FileRead] = {}
    for m in sorted(winners):
        w = winners[m]
        if _parquet_source(run.months_dir / f"{m}.parquet") == run.sha_of(w):
            continue
        if w not in reread:
            reread[w] = _read(run.path_of[w], w)
            _store(run, w, reread[w], "다시 읽음")
        writer.write(m, reread[w].table, w)
    writer.flush()
    return winners


def _drop_months_without_files(run: _Run, winners: dict[str, str]) -> None:
    """Step 4, end. Cached months that no raw file holds any more are removed."""
    for p in run.months_dir.glob("*.parquet"):
        if p.stem not in winners:
            p.unlink()


def _report_exclusions(run: _Run, winners: dict[str, str]) -> None:
    """Step 5. Exclusions (same month in several files), reported on the losing files."""
    for name, rep in run.reports.items():
        lost = [m for m in rep.months if winners[m] != name]
        rep.exclude(lost, [_exclusion_note(run, name, m, winners[m]) for m in lost])
        run.new_files[name]["report"] = rep.to_dict()


def _exclusion_note(run: _Run, name: str, m: str, w: str) -> str:
    """Why file `name` does not supply month `m`: it is a copy of the winner `w`, or has fewer rows."""
    if run.sha_of(w) == run.sha_of(name):
        return copy_note(m, w)
    return fewer_rows_note(m, w, run.candidates[m][w], run.candidates[m][name])


def _write_quarantine(run: _Run) -> int:
    """Step 6. Quarantine of every current file; drop pieces of files that are gone. Returns its rows."""
    keep_pieces = {e["quarantine"] for e in run.new_files.values() if e["quarantine"]}
    for p in run.q_dir.glob("*.parquet"):
        if p.name not in keep_pieces:
            p.unlink()
    pieces = [pq.read_table(run.q_dir / run.new_files[n]["quarantine"]) for n in sorted(run.new_files)
              if run.new_files[n]["quarantine"]]
    quarantine = pa.concat_tables(pieces) if pieces else _QUARANTINE_SCHEMA.empty_table()
    _write_quarantine_csv(run.cache_dir, quarantine)
    return quarantine.num_rows


def _write_state(run: _Run, winners: dict[str, str]) -> None:
    """Step 7. state.json: every current raw file and the source of every month. A month not rewritten keeps
    the checksum step 0 just verified (hashing every cached month twice per run costs seconds)."""
    def parquet_sha(m: str) -> str:
        old = run.old_months.get(m, {}).get("parquet_sha256")
        if old and m not in run.written and m not in run.damaged:
            return old
        return sha256_file(run.months_dir / f"{m}.parquet")

    months = {m: {"source": w, "sha256": run.sha_of(w), "rows": run.candidates[m][w], "parquet_sha256": parquet_sha(m)}
              for m, w in sorted(winners.items())}
    _save_state(run.cache_dir, run.raw_dir, run.new_files, months)


def _summary(run: _Run, winners: dict[str, str], removed: list[str], quarantined: int) -> IngestSummary:
    """Step 8. The run's summary: one report per raw file (by name), the cached months and their gaps."""
    months = sorted(winners)
    return IngestSummary(
        raw_dir=run.raw_dir, cache_dir=run.cache_dir, files=[run.reports[n] for n in sorted(run.reports)],
        months=months, missing_months=missing_months(months), month_sources=dict(sorted(winners.items())),
        rebuilt_months=sorted(run.written), removed_files=removed, synthetic=is_synthetic_dir(run.raw_dir),
        quarantined=quarantined, skipped_files=run.skipped, damaged_months=run.damaged,
    )
