"""An unchanged rerun reuses what is up to date (issue 11 #4): the panel, each province's outputs and the index
page are kept when the input keys recorded in the manifest still match; a changed decision reruns its province
only, a changed raw file reruns everything, --force reruns everything, a failed province is always rerun.
Notebook runs are counted by wrapping papermill; no timing here (that is bench/bench_batch.py's job)."""

import json
import shutil

import papermill
import pytest

from helpers.cli import main
from tests.test_batch import PROVINCES, root_failing_for

pytestmark = pytest.mark.slow


@pytest.fixture
def notebook_runs(monkeypatch):
    """Every papermill run of the batch as (notebook, sido_code or 'index'); `fail` lists sido codes whose
    notebook raises (as a broken analysis would)."""
    runs: list[tuple[str, str]] = []
    fail: set[str] = set()
    real = papermill.execute_notebook

    def counting(input_path, output_path, *args, parameters=None, **kw):
        sido = (parameters or {}).get("sido_code", "index")
        runs.append((str(input_path).rsplit("/", 1)[-1], sido))
        if sido in fail:
            raise RuntimeError("시험용 실패")
        return real(input_path, output_path, *args, parameters=parameters, **kw)

    monkeypatch.setattr(papermill, "execute_notebook", counting)
    counting.runs, counting.fail = runs, fail
    return counting


def _mtimes(q):
    return {p.relative_to(q).as_posix(): p.stat().st_mtime_ns
            for d in ("26", "48") for p in sorted((q / d).iterdir())} | {"index.html": (q / "index.html").stat().st_mtime_ns}


def test_unchanged_reruns_reuse_and_each_change_reruns_what_depends_on_it(demo_raw, tmp_path, monkeypatch,
                                                                          notebook_runs, capsys):
    root = root_failing_for(tmp_path, "none")  # a workspace copy whose decisions file the test may change
    monkeypatch.setenv("SME_MONITOR_ROOT", str(root))
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    out = tmp_path / "out"
    q = out / "2026Q3"
    args = ["run", "--provinces", PROVINCES, "--raw-dir", str(raw), "--out", str(out), "--workers", "2"]

    def run(*extra: str, code: int = 0) -> tuple[dict, dict[str, dict], list[tuple[str, str]]]:
        notebook_runs.runs.clear()
        assert main([*args, *extra]) == code
        manifest = json.loads((q / "manifest.json").read_text(encoding="utf-8"))
        return manifest, {p["sido_code"]: p for p in manifest["provinces"]}, sorted(notebook_runs.runs)

    # 1. the first run computes everything and records the keys
    first, p1, runs = run()
    assert runs == [("national_overview.ipynb", "index"), ("regional_monitoring.ipynb", "26"),
                    ("regional_monitoring.ipynb", "48")]
    assert not first["panel_reused"] and not any(p["reused"] for p in p1.values())
    assert all(len(p["input_key"]) == 64 for p in p1.values()) and len(first["index_key"]) == 64
    assert (q / "_panel" / "inputs.json").is_file()
    before, stages = _mtimes(q), (q / "stages.csv").read_bytes()
    capsys.readouterr()

    # 2. unchanged (a raw file touched but not changed counts as unchanged): nothing runs, nothing is rewritten
    (raw / sorted(p.name for p in raw.glob("*.csv"))[0]).touch()
    second, p2, runs = run()
    assert runs == []
    assert second["panel_reused"] and second["index_reused"] and second["run_id"] != first["run_id"]
    assert all(p["reused"] and p["status"] == "ok" and p["run_id"] == first["run_id"] for p in p2.values())
    assert [p2[s]["input_key"] for s in ("26", "48")] == [p1[s]["input_key"] for s in ("26", "48")]
    assert _mtimes(q) == before and (q / "stages.csv").read_bytes() == stages
    printed = capsys.readouterr().out
    assert "부산: 변경 없음, 이전 결과 재사용" in printed and "경남: 변경 없음, 이전 결과 재사용" in printed
    assert "지표 패널: 입력 변경 없음" in printed

    # 3. a council decision on an area of 48: 48 and the index run again, 26 and the panel are reused
    with open(root / "params" / "decisions.csv", "a", encoding="utf-8") as f:
        f.write("2026Q3,48-003,심각,2026-10-28,시험용 결정\n")
    third, p3, runs = run()
    assert runs == [("national_overview.ipynb", "index"), ("regional_monitoring.ipynb", "48")]
    assert third["panel_reused"] and p3["26"]["reused"] and not p3["48"]["reused"]
    assert p3["48"]["run_id"] == third["run_id"] and p3["48"]["input_key"] != p2["48"]["input_key"]
    assert "2026Q3,48,48-003," in (q / "stages.csv").read_text(encoding="utf-8-sig")
    assert (q / "26" / "brief.html").stat().st_mtime_ns == before["26/brief.html"]

    # 4. --force reruns everything (the panel included); 26 fails this time and keeps its earlier outputs
    notebook_runs.fail.add("26")
    fourth, p4, runs = run("--force", code=1)
    assert sorted(r[1] for r in runs) == ["26", "48", "index"] and not fourth["panel_reused"]
    assert p4["26"]["status"] == "failed" and p4["26"]["stale"] and not p4["26"]["reused"]
    assert (q / "26" / "brief.html").is_file()

    # 5. same inputs again, nothing failing: the failed province is never reused, the others are
    notebook_runs.fail.clear()
    fifth, p5, runs = run()
    assert sorted(r[1] for r in runs) == ["26", "index"]
    assert p5["26"]["status"] == "ok" and not p5["26"]["reused"] and p5["26"]["run_id"] == fifth["run_id"]
    assert p5["48"]["reused"] and p5["48"]["run_id"] == fourth["run_id"]

    # 6. a raw file whose content changed: the panel is computed again and every province reruns
    last = sorted(raw.glob("*.csv"))[-1]
    data = last.read_bytes()
    body = data.rstrip(b"\r\n")
    last.write_bytes(body + b"\r\n" + body.rsplit(b"\r\n", 1)[-1] + b"\r\n")  # one more (duplicate) row
    sixth, p6, runs = run()
    assert sorted(r[1] for r in runs) == ["26", "48", "index"]
    assert not sixth["panel_reused"] and sixth["panel_key"] != fifth["panel_key"]
    assert not any(p["reused"] for p in p6.values())


def test_a_province_whose_outputs_went_missing_is_rerun(demo_raw, tmp_path, notebook_runs):
    out = tmp_path / "out"
    args = ["run", "--provinces", "48", "--raw-dir", str(demo_raw), "--out", str(out), "--workers", "1"]
    assert main(args) == 0
    (out / "2026Q3" / "48" / "brief.html").unlink()
    notebook_runs.runs.clear()
    assert main(args) == 0
    assert sorted(r[1] for r in notebook_runs.runs) == ["48", "index"]
    manifest = json.loads((out / "2026Q3" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["panel_reused"] and not manifest["provinces"][0]["reused"]
    assert (out / "2026Q3" / "48" / "brief.html").is_file()
