"""A real browser check of the analyst's workspace: JupyterLab on loopback (started with the same
offline options as `make lab`), explore.ipynb opened in headless Chromium, Run All Cells, and the
explorer's widgets rendered from the kernel — a screenshot is kept for a person to look at.

Chromium missing is a failure with an instruction (never a skip): `tests.browser.chromium_path()`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser import CHROMIUM_ARGS, chromium_path
from tests.test_explorer import small_demo_root

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "outputs" / "screenshots" / "lab_explore.png"
FAILURE = SCREENSHOT.with_name("lab_explore_failure.png")
BIN = Path(sys.executable).parent


def make_lab_options() -> list[str]:
    """The `--LabApp.*` options of the Makefile's `lab` target (what keeps JupyterLab off the network)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^lab:.*?\n((?:\t.*\n)+)", text, re.M)
    assert recipe, "Makefile 에 lab 대상이 없습니다."
    line = next(x for x in recipe.group(1).splitlines() if "jupyter lab" in x)
    return [a for a in shlex.split(line) if a.startswith("--LabApp.")]


def make_lab_setting_overrides() -> dict:
    """The JupyterLab setting defaults the Makefile's `lab` target writes (no news question, kernel autostart)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    m = re.search(r"echo '(\{.*\})' > \S*/labconfig/default_setting_overrides\.json", text)
    assert m, "Makefile 의 lab 대상이 default_setting_overrides.json 을 쓰지 않습니다."
    return json.loads(m.group(1))


def test_make_lab_keeps_jupyterlab_offline_and_on_the_notebooks():
    assert make_lab_setting_overrides()["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    opts = make_lab_options()
    assert "--LabApp.news_url=None" in opts
    assert "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate" in opts
    assert "--LabApp.extension_manager=readonly" in opts
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--ServerApp.root_dir=notebooks" in text and "sme-monitor" in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook_with_parameters(dest: Path, parameters: dict, name: str = "explore.ipynb") -> Path:
    """A copy of a notebook with Papermill's injected-parameters cell (as the batch would run it)."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(ROOT / "notebooks" / name)), parameters)
    path = dest / name
    nbformat.write(nb, path)
    return path


def _wait_until_up(proc: subprocess.Popen, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"JupyterLab 이 시작하지 못했습니다 (종료 코드 {proc.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"JupyterLab 이 {timeout:.0f}초 안에 응답하지 않았습니다: {url}")


def _wait_for_connected_kernel(page, base: str, token: str, timeout: float = 90) -> None:
    """Until the server reports a kernel that is idle with the page connected to it. Waits with
    `page.wait_for_timeout`: the sync Playwright API serves the request router only inside its own
    calls, so `time.sleep` here would stall the page's requests."""
    deadline = time.monotonic() + timeout
    kernels: list = []
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=5) as r:
            kernels = json.load(r)
        if any(k.get("connections", 0) >= 1 and k.get("execution_state") == "idle" for k in kernels):
            page.wait_for_timeout(500)
            return
        page.wait_for_timeout(300)
    raise AssertionError(f"커널이 준비되지 않았습니다 (연결된 유휴 커널 없음): {kernels}")


def _stop(proc: subprocess.Popen, base: str, token: str) -> None:
    """Ask the server to shut down (kernels included); then SIGTERM, then SIGKILL its process group."""
    try:
        req = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=5).close()
    except OSError:
        pass
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@dataclass
class LabPage:
    """An open JupyterLab notebook page and what the browser saw (requests leaving loopback, page errors)."""

    page: object
    log: Path
    external: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@contextmanager
def lab_notebook(tmp_path: Path, work: Path, notebook: str, root: Path, viewport: dict) -> Iterator[LabPage]:
    """JupyterLab (the Makefile's offline options) on loopback over `work`, with SME_MONITOR_ROOT=`root`,
    `notebook` opened in headless Chromium and Run All Cells clicked once the kernel listens. On exit the
    server (kernels included) is stopped and the checks every lab page must pass are asserted."""
    exe = chromium_path()  # raises with an instruction when Chromium is missing: the test fails
    from playwright.sync_api import sync_playwright

    port, token = _free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SME_MONITOR_ROOT=str(root), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), PYTHONUNBUFFERED="1")
    cmd = [str(BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
           *make_lab_options()]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    labconfig = tmp_path / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "default_setting_overrides.json").write_text(json.dumps(make_lab_setting_overrides()))
    log_path = tmp_path / "lab.log"
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    lab = LabPage(page=None, log=log_path)
    try:
        _wait_until_up(proc, f"{base}/api/status?token={token}")
        profile = tmp_path / "chromium-profile"
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(
                str(profile), executable_path=exe, headless=True, args=CHROMIUM_ARGS,
                viewport=viewport, locale="ko-KR", service_workers="block")
            try:
                page = ctx.pages[0] if ctx.pages else ctx.new_page()
                lab.page = page

                def on_route(route):
                    u = route.request.url
                    if u.startswith((base, "data:", "blob:", "ws://127.0.0.1")):
                        route.continue_()
                    else:
                        lab.external.append(u)
                        route.abort()

                ctx.route("**/*", on_route)
                page.on("pageerror", lambda e: lab.errors.append(str(e)))
                page.on("console", lambda m: lab.console.append(m.text) if m.type == "error" else None)
                page.goto(f"{base}/lab/tree/{notebook}?token={token}", wait_until="load", timeout=60_000)
                page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
                # The kernel is up when every execution indicator (toolbar, status bar) shows it idle;
                # cells run before the kernel is connected would be dropped.
                page.wait_for_function(
                    "() => { const s = [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')];"
                    " return s.length > 0 && s.every(e => e.dataset.status === 'idle'); }", timeout=60_000)
                _wait_for_connected_kernel(page, base, token)
                _run_all_cells(page)
                yield lab
            finally:
                ctx.close()
    finally:
        _stop(proc, base, token)
        log.close()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)
    assert proc.returncode is not None
    assert lab.external == [], f"JupyterLab 이 외부로 요청을 보냈습니다: {json.dumps(lab.external, ensure_ascii=False)}"
    assert lab.errors == [], lab.errors
    assert [c for c in lab.console if "widget" in c.lower() or "state" in c.lower()] == [], lab.console


def _run_all_cells(page) -> None:
    for _attempt in range(3):
        if page.locator(".jp-Dialog").count():  # a kernel question would block the menu
            page.locator(".jp-Dialog .jp-mod-accept").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:  # some cell is queued, running or done
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-InputArea-prompt')].some("
                "p => /\\[(\\*|\\d+)\\]/.test(p.innerText))", timeout=15_000)
            return
        except Exception:  # noqa: BLE001 — clicked before the kernel listened: run again
            continue


def wait_for_widget(lab: LabPage, selector: str, failure: Path, timeout: float = 120_000) -> None:
    """Wait for the notebook's widget; when it does not come, a screenshot and the server log explain why."""
    try:
        lab.page.wait_for_selector(selector, timeout=timeout)
    except Exception:
        failure.parent.mkdir(parents=True, exist_ok=True)
        lab.page.screenshot(path=str(failure), full_page=True)
        raise AssertionError(f"위젯이 나타나지 않았습니다 (화면: {failure}); 서버 기록:\n"
                             + lab.log.read_text()[-3000:]) from None


@pytest.mark.slow
def test_explorer_widgets_render_in_jupyterlab_in_headless_chromium(tmp_path, demo_raw):
    demo = small_demo_root(demo_raw)
    work = tmp_path / "notebooks"
    work.mkdir()
    _notebook_with_parameters(work, {"panel_dir": str(demo / "panel"), "sido_code": "48"})
    with lab_notebook(tmp_path, work, "explore.ipynb", demo, {"width": 1400, "height": 2300}) as lab:
        page = lab.page
        wait_for_widget(lab, ".sme-explorer .widget-dropdown select", FAILURE)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.sme-explorer img')].filter("
            "i => i.naturalWidth > 100).length >= 2", timeout=60_000)
        page.wait_for_selector(".sme-explorer .sme-table", timeout=30_000)
        explorer = page.locator(".sme-explorer")
        assert page.locator(".sme-explorer .widget-dropdown").count() >= 2  # province, indicator
        assert page.locator(".sme-explorer .widget-select-multiple").count() == 1
        assert page.locator(".sme-explorer .widget-hslider, .sme-explorer .widget-slider").count() >= 1
        assert page.locator(".sme-explorer .widget-toggle-button").count() == 1
        text = explorer.inner_text()
        assert "경상남도 밀집지역 탐색" in text and "합성(가상) 자료" in text
        assert "옥포국가산업단지" in text
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0

        # A change in the browser goes through the kernel: header, map and table follow.
        map_src = "() => document.querySelectorAll('.sme-explorer img')[1].src"
        province = page.locator(".sme-explorer .widget-dropdown select").first
        for label, name in (("부산광역시 (26)", "부산광역시"), ("경상남도 (48)", "경상남도")):
            before = page.evaluate(map_src)
            province.select_option(label=label)
            page.wait_for_function(
                f"() => document.querySelector('.sme-explorer').innerText.includes('{name} 밀집지역 탐색')"
                f" && document.querySelectorAll('.sme-explorer img')[1].src !== {json.dumps(before)}"
                " && document.querySelectorAll('.sme-explorer img')[1].complete", timeout=30_000)
        page.locator(".sme-explorer .widget-toggle-button").first.click()
        page.wait_for_selector(".sme-explorer .sme-reasons", timeout=30_000)
        assert "판단 근거" in page.locator(".sme-explorer .sme-reasons").inner_text()
        page.locator(".sme-explorer").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.is_file() and SCREENSHOT.stat().st_size > 50_000
