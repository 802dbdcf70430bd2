"""Open a page in headless Chromium (Debian's package) with every network request recorded.

Reusable by any test that needs a real browser: exported briefs, the index page, JupyterLab.

    from tests.browser import open_page
    visit = open_page(path_or_url, screenshot="outputs/screenshots/brief.png")
    assert visit.external_requests == []

Requests the page attempts that are not allowed (by default: anything but the opened file itself
and data: URIs) are recorded and then aborted, so a test never reaches the network. Chromium is
found at $CHROMIUM_PATH or /usr/bin/chromium; when it is missing, `chromium_path()` raises with an
instruction (tests must fail, not skip: CI installs it).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
    "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class ChromiumMissing(RuntimeError):
    pass


def chromium_path() -> str:
    """Path of the Chromium executable, or a clear error telling how to install it."""
    for cand in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    raise ChromiumMissing(
        "Chromium 을 찾을 수 없습니다 (CHROMIUM_PATH 또는 /usr/bin/chromium). "
        "설치: apt-get install -y chromium fonts-nanum  (CI 는 .ci/run 에서 설치합니다)")


@dataclass
class PageVisit:
    url: str
    requests: list[str] = field(default_factory=list)         # every request the page attempted
    external_requests: list[str] = field(default_factory=list)  # those not allowed (and aborted)
    text: str = ""                                             # document.body.innerText
    title: str = ""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    headings: list[str] = field(default_factory=list)          # h1–h3 texts, in order
    height: int = 0                                            # the page's full height (px)
    width: int = 0                                             # its scroll width (px; > viewport = sideways scroll)
    min_image_scale: float = 0.0                               # smallest drawn/natural width ratio of its images


def _as_url(target: str | os.PathLike) -> str:
    s = str(target)
    if s.startswith(("http://", "https://", "file://")):
        return s
    return Path(s).resolve().as_uri()


def open_page(target: str | os.PathLike, *, screenshot: str | os.PathLike | None = None,
              viewport: dict | None = None, full_page: bool = True, media: str = "screen",
              allow: Iterable[str] | Callable[[str], bool] | None = None, wait_for: str | None = None,
              timeout_ms: int = 30_000) -> PageVisit:
    """Open `target` (a file path or URL) in headless Chromium and report what happened.

    allow: URL prefixes (or a predicate) that may load; by default only the target URL itself.
    media: 'screen' or 'print' (emulates print CSS, e.g. to look at the A4 layout).
    wait_for: a CSS selector to wait for before reading the page (e.g. for JupyterLab).
    """
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    url = _as_url(target)
    if allow is None:
        prefixes = (url,)
        allowed = lambda u: u.startswith(prefixes)  # noqa: E731
    elif callable(allow):
        allowed = allow
    else:
        prefixes = (url, *tuple(allow))
        allowed = lambda u: u.startswith(prefixes)  # noqa: E731

    visit = PageVisit(url=url)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as pw:
            # A fresh, throw-away profile per visit: nothing cached, no extensions, no sync.
            ctx = pw.chromium.launch_persistent_context(
                profile, executable_path=exe, headless=True, args=CHROMIUM_ARGS,
                viewport=viewport or DESKTOP, locale="ko-KR", service_workers="block")
            try:
                page = ctx.pages[0] if ctx.pages else ctx.new_page()

                def on_route(route):
                    u = route.request.url
                    if u.startswith("data:") or allowed(u):
                        route.continue_()
                    else:
                        visit.external_requests.append(u)
                        route.abort()

                ctx.route("**/*", on_route)
                page.on("request", lambda r: visit.requests.append(r.url))
                page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
                page.emulate_media(media=media)
                page.goto(url, wait_until="load", timeout=timeout_ms)
                if wait_for:
                    page.wait_for_selector(wait_for, timeout=timeout_ms)
                page.wait_for_load_state("networkidle", timeout=timeout_ms)
                visit.title = page.title()
                visit.text = page.inner_text("body")
                visit.headings = [h.strip() for h in page.locator("h1, h2, h3").all_inner_texts()]
                visit.height = int(page.evaluate("document.documentElement.scrollHeight"))
                visit.width = int(page.evaluate("document.documentElement.scrollWidth"))
                visit.min_image_scale = float(page.evaluate(
                    "Math.min(1, ...Array.from(document.images).filter(i => i.naturalWidth > 0)"
                    ".map(i => i.getBoundingClientRect().width / i.naturalWidth))"))
                if screenshot:
                    out = Path(screenshot)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(out), full_page=full_page)
                    visit.screenshot = out
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    visit.requests = [u for u in visit.requests if not u.startswith("data:")]
    return visit
