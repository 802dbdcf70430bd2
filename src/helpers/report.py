"""HTML outputs: notebook exports (council brief, analyst report), stage tables, the index page.

Every page is self-contained: images are data URIs, the one stylesheet is inline, no script, font or
stylesheet is fetched from anywhere (councils read briefs on closed networks). `export_html` checks
the page it wrote against that rule and refuses to write a page that would make a request.

Cell tags (notebook metadata `tags`) decide what the council brief shows:
- `brief`          the cell's output (and a markdown cell's text) goes into the brief;
- `analysis-only`  never in the brief, even when also tagged `brief`;
- anything else    only in the analyst report (which shows every cell, code folded in <details>).
Code is never shown in the brief; in the brief, stderr streams (warnings) and bare object reprs
(`<Axes: ...>`) are dropped, and an error output becomes a short Korean notice.
"""

from __future__ import annotations

import copy
import html
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pandas as pd

from helpers.charts import (
    STAGE_COLORS,
    STAGE_SYMBOLS,
    stage_palette,
    text_color_on,
)
from helpers.files import write_text_atomic
from helpers.fmt import fmt_int, fmt_krw_100m, fmt_pct, fmt_pp

BRIEF_TAG = "brief"
ANALYSIS_ONLY_TAG = "analysis-only"
KINDS = ("brief", "analysis")

SYNTHETIC_NOTICE = ("합성(가상) 자료 — 이 문서는 시연용으로 만든 가상의 국민연금 사업장 자료로 작성되었습니다. "
                    "실제 사업장·지역의 현황이 아니므로 정책 판단에 쓰지 마십시오.")
DEFAULT_TITLE = "지역중소기업 위기징후 모니터링"

TEMPLATE_DIR = Path(str(files("helpers") / "templates"))
TEMPLATE_NAME = "sme"

# Output mime types that only work with a live kernel or scripts from a CDN.
_SCRIPT_MIMES = ("application/javascript", "application/vnd.jupyter.widget-view+json",
                 "application/vnd.jupyter.widget-state+json", "text/javascript")


class SelfContainedError(RuntimeError):
    """A page would load something from outside the file."""


# ---------------------------------------------------------------------------------------------
# Small writers.


def page_css() -> str:
    """The inline stylesheet shared by exported notebooks and the index page."""
    return (TEMPLATE_DIR / TEMPLATE_NAME / "sme.css").read_text(encoding="utf-8")


def synthetic_banner_html() -> str:
    """A visible Korean notice for every page made from synthetic data (inline styles, so it looks
    the same in JupyterLab, in exports and on paper)."""
    return (
        '<div class="sme-synthetic-banner" role="note" style="margin:0.8em 0 1.2em;padding:10px 14px;'
        'background:#FFF4CE;border:1px solid #C98A00;border-left:6px solid #C98A00;border-radius:4px;'
        'color:#3D2E00;font-weight:600;line-height:1.5">'
        '<span style="display:inline-block;margin-right:8px;padding:0 6px;background:#C98A00;color:#FFFFFF;'
        'border-radius:3px">합성 자료</span>'
        f"{html.escape(SYNTHETIC_NOTICE)}</div>"
    )


# ---------------------------------------------------------------------------------------------
# Stage tables.


def stage_chip_html(stage: object, scale: Sequence[str] | None = None) -> str:
    """The stage as a coloured chip carrying its name and a shape symbol (never colour alone)."""
    if stage is None or (not isinstance(stage, str) and pd.isna(stage)) or str(stage) == "":
        return "–"
    st = str(stage)
    color = (stage_palette(scale) if scale else STAGE_COLORS).get(st, STAGE_COLORS.get(st, "#6E7781"))
    sym = STAGE_SYMBOLS.get(st, "")
    return (f'<span class="sme-stage" data-stage="{html.escape(st, quote=True)}" style="display:inline-block;'
            f"padding:1px 8px;border-radius:10px;background:{color};color:{text_color_on(color)};"
            f'font-weight:700;white-space:nowrap">{html.escape(sym + " " if sym else "")}{html.escape(st)}</span>')


def _cell_text(x: object) -> str:
    if x is None or (not isinstance(x, (list, tuple, dict, str)) and pd.isna(x)):
        return "–"
    if isinstance(x, (list, tuple)):
        return ", ".join(str(v) for v in x)
    return str(x)


def _default_formatter(col: str, series: pd.Series) -> tuple[Callable[[object], str], bool] | None:
    """(formatter, is_number) chosen by the column's name and type; None → plain escaped text."""
    if col.endswith("_pct"):
        return fmt_pct, True
    if col.endswith("_pp"):
        return fmt_pp, True
    if col.endswith("_krw"):
        return fmt_krw_100m, True
    if pd.api.types.is_bool_dtype(series):
        return (lambda v: "예" if v is True or v == 1 else ("아니오" if v is False or v == 0 else "–")), False
    if pd.api.types.is_numeric_dtype(series):
        return fmt_int, True
    return None


STAGE_COLUMNS = ("stage", "prev_stage", "decided_stage")
MULTILINE_COLUMNS = ("reasons",)


def stage_table_html(df: pd.DataFrame, columns: Mapping[str, str], *, scale: Sequence[str] | None = None,
                     formats: Mapping[str, Callable[[object], str]] | None = None,
                     stage_columns: Iterable[str] = STAGE_COLUMNS, multiline_columns: Iterable[str] = MULTILINE_COLUMNS,
                     caption: str | None = None, empty_text: str = "해당하는 지역이 없습니다.") -> str:
    """An HTML table of `df` with the given columns and Korean headers (`columns`: column → header).

    Every data-derived string is escaped. Numbers are formatted by column name: `*_pct` '+3.2%',
    `*_pp` '−4.0%p', `*_krw` '1,234.5억원', other numbers with thousands separators; `formats`
    overrides per column. Stage columns show a chip with colour, symbol and the stage's name;
    reasons ('; '-separated) are one per line. Inline styles, so it reads the same in JupyterLab.
    """
    formats = dict(formats or {})
    stage_columns, multiline_columns = set(stage_columns), set(multiline_columns)
    cols = [c for c in columns if c in df.columns]
    th = 'style="border:1px solid #d0d7de;padding:5px 8px;background:#f3f5f7;text-align:center;white-space:nowrap"'
    td = ('style="border:1px solid #d0d7de;padding:5px 8px;vertical-align:top;word-break:keep-all;'
          'overflow-wrap:normal{extra}"')
    parts = ['<div class="sme-table-wrap" style="overflow-x:auto;max-width:100%;margin:0.6em 0 1em">',
             '<table class="sme-table" style="border-collapse:collapse;font-size:0.9rem;'
             'font-variant-numeric:tabular-nums">']
    if caption:
        parts.append(f'<caption style="caption-side:top;text-align:left;font-weight:700;padding:4px 0">'
                     f"{html.escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th {th}>{html.escape(str(columns[c]))}</th>" for c in cols)
                 + "</tr></thead><tbody>")
    if df.empty:
        parts.append(f'<tr><td {td.format(extra=";text-align:center;color:#57606a")} colspan="{max(len(cols), 1)}">'
                     f"{html.escape(empty_text)}</td></tr>")
    chosen = {c: (formats[c], True) if c in formats else _default_formatter(c, df[c]) for c in cols}
    for row in df[cols].itertuples(index=False, name=None):
        cells = []
        for c, v in zip(cols, row):
            if c in stage_columns:
                cells.append(f"<td {td.format(extra=';white-space:nowrap')}>{stage_chip_html(v, scale)}</td>")
                continue
            fmt = chosen[c]
            if fmt is not None:
                text, is_num = fmt[0](v), fmt[1]
                align = ";text-align:right;white-space:nowrap" if is_num else ""
                cells.append(f'<td class="num" {td.format(extra=align)}>{html.escape(text)}</td>'
                             if is_num else f"<td {td.format(extra='')}>{html.escape(text)}</td>")
            elif c in multiline_columns:
                text = _cell_text(v)
                lines = [p.strip() for p in text.split(";") if p.strip()] or ["–"]
                cells.append(f"<td {td.format(extra=';min-width:14em')}>"
                             + "<br>".join(html.escape(p) for p in lines) + "</td>")
            else:
                cells.append(f"<td {td.format(extra='')}>{html.escape(_cell_text(v))}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Self-containment check.

_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?!data:|#)([^'")\s]+)\1\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'");\s]+)""", re.I)
_LOADING_ATTRS = {
    "script": ("src",), "img": ("src", "srcset"), "iframe": ("src",), "frame": ("src",), "embed": ("src",),
    "object": ("data",), "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",),
    "track": ("src",), "input": ("src",), "link": ("href",), "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"), "base": ("href",),
}


class _RefFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._in.append(tag)
        for name, value in attrs:
            if value is None:
                continue
            if name in _LOADING_ATTRS.get(tag, ()):
                urls = [u.strip().split(" ")[0] for u in value.split(",")] if name == "srcset" else [value.strip()]
                self.refs += [u for u in urls if u and not u.lower().startswith("data:") and not u.startswith("#")]
            if name == "style":
                self.refs += [m.group(2) for m in _CSS_URL.finditer(value)]
            if tag == "meta" and name == "http-equiv" and value.lower() == "refresh":
                self.refs.append("meta refresh")

    def handle_endtag(self, tag):
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data):
        if self._in and self._in[-1] == "style":
            self.refs += [m.group(2) for m in _CSS_URL.finditer(data)]
            self.refs += [m.group(1) for m in _CSS_IMPORT.finditer(data)]


def external_references(page: str) -> list[str]:
    """Every URL the page would fetch on opening (scripts, styles, images, frames, CSS url()/@import),
    data: URIs excepted. Plain links (<a href>) are not fetched and not listed."""
    finder = _RefFinder()
    finder.feed(page)
    finder.close()
    return list(dict.fromkeys(finder.refs))


# ---------------------------------------------------------------------------------------------
# Notebook export.


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _is_bare_repr(output) -> bool:
    data = output.get("data", {})
    if set(data) != {"text/plain"}:
        return False
    text = "".join(data["text/plain"]).strip() if isinstance(data["text/plain"], list) else data["text/plain"].strip()
    return text.startswith("<") and text.endswith(">")


def _error_notice(output) -> dict:
    import nbformat

    name = html.escape(str(output.get("ename", "오류")))
    return nbformat.v4.new_output("display_data", data={
        "text/html": f'<div class="sme-error" role="alert">이 부분을 만드는 중 오류가 발생해 내용을 표시하지 못했습니다 '
                     f"({name}). 분석 보고서를 확인해 주십시오.</div>",
        "text/plain": "오류",
    })


def select_cells(nb, kind: str):
    """A copy of the notebook holding what `kind` ('brief' or 'analysis') shows (see module doc)."""
    if kind not in KINDS:
        raise ValueError(f"kind 는 {KINDS} 중 하나여야 합니다: {kind!r}")
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = _tags(cell)
        if kind == "brief" and (BRIEF_TAG not in tags or ANALYSIS_ONLY_TAG in tags):
            continue
        if cell.cell_type == "code":
            outputs = []
            for out in cell.get("outputs", []):
                if "data" in out:
                    for m in _SCRIPT_MIMES:
                        out["data"].pop(m, None)
                    if not out["data"]:
                        continue
                if kind == "brief":
                    if out.get("output_type") == "stream" and out.get("name") == "stderr":
                        continue
                    if out.get("output_type") in ("execute_result", "display_data") and _is_bare_repr(out):
                        continue
                    if out.get("output_type") == "error":
                        out = _error_notice(out)
                outputs.append(out)
            cell.outputs = outputs
            if kind == "brief" and not outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def _first_heading(nb) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return re.sub(r"[*_`]", "", line[2:]).strip()
        for out in cell.get("outputs", []):
            h = out.get("data", {}).get("text/html")
            if h:
                m = re.search(r"<h1[^>]*>(.*?)</h1>", "".join(h) if isinstance(h, list) else h, re.S | re.I)
                if m:
                    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()
    return None


def render_notebook_html(nb, kind: str, *, title: str | None = None, base_dir: str | os.PathLike | None = None) -> str:
    """The HTML page of an executed notebook node for `kind` (no file written)."""
    from nbconvert import HTMLExporter

    nb = select_cells(nb, kind)
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=(kind == "brief"), exclude_input_prompt=True, exclude_output_prompt=True,
        exclude_anchor_links=True, embed_images=True, language_code="ko",
        mathjax_url="", require_js_url="", mermaid_js_url="", mermaid_layout_elk_js_url="",
        jupyter_widgets_base_url="", widget_renderer_url="", jquery_url="",
    )
    page_title = title or _first_heading(nb) or DEFAULT_TITLE
    resources = {"sme_kind": kind, "sme_title": page_title,
                 "metadata": {"name": page_title, "path": str(base_dir or os.getcwd())}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def export_html(executed_notebook_path: str | os.PathLike, out_path: str | os.PathLike, kind: str, *,
                title: str | None = None) -> Path:
    """Export an executed notebook as a self-contained Korean page and write it atomically.

    kind 'brief': the council brief — only cells tagged `brief` (not `analysis-only`), outputs only,
    no code, no prompts. kind 'analysis': every cell, code shown in open <details>, all outputs.
    Raises SelfContainedError (nothing written) when the page would load anything from outside.
    """
    import nbformat

    src = Path(executed_notebook_path)
    nb = nbformat.read(src, as_version=4)
    page = render_notebook_html(nb, kind, title=title, base_dir=src.parent)
    refs = external_references(page)
    if refs:
        raise SelfContainedError(
            f"{src.name} 의 {kind} HTML 이 외부 자원을 불러옵니다 (폐쇄망에서 열리지 않음): {', '.join(refs[:5])}")
    return write_text_atomic(out_path, page)


# ---------------------------------------------------------------------------------------------
# A page from HTML sections (the index page when its notebook cannot be exported).


def page_html(title: str, body: str, kind: str = "index") -> str:
    """A self-contained Korean page around `body` with the shared stylesheet; SelfContainedError when
    the page would load anything from outside. `kind` names the page's body class (`sme-<kind>`)."""
    page = "\n".join([
        "<!DOCTYPE html>", '<html lang="ko">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{html.escape(title)}</title>", f"<style>\n{page_css()}\n</style>", "</head>",
        f'<body class="sme-page sme-{html.escape(kind)}"><main class="sme-main">', body, "</main></body>", "</html>", ""])
    refs = external_references(page)
    if refs:
        raise SelfContainedError(f"페이지가 외부 자원을 불러옵니다: {', '.join(refs[:5])}")
    return page


# ---------------------------------------------------------------------------------------------
# PDF.

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_TIMEOUT_S = 180


def find_browser() -> str | None:
    """The headless browser that prints PDFs: $SME_CHROMIUM, else the first of `BROWSERS` on PATH."""
    import shutil

    env = os.environ.get("SME_CHROMIUM")
    if env is not None:
        return shutil.which(env) or (env if env and Path(env).is_file() else None)
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def write_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike) -> str | None:
    """Print a page to A4 PDF with headless Chromium (the page's own @page rules: margins, page numbers,
    issuer, synthetic mark). Written atomically. Returns None on success, else a Korean reason (no
    browser, a failure, a timeout) — the caller reports it and goes on."""
    import subprocess
    import tempfile

    browser = find_browser()
    if browser is None:
        return ("PDF 를 만들지 못했습니다: Chromium 이 없습니다 (Debian/Ubuntu: sudo apt-get install chromium). "
                "HTML 은 그대로 인쇄할 수 있습니다.")
    src, out = Path(html_path).resolve(), Path(pdf_path)
    tmp = out.with_name(f".{out.name}.tmp")
    with tempfile.TemporaryDirectory(prefix="sme-chromium-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-extensions",
               f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={tmp}", src.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=PDF_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            return f"PDF 를 만들지 못했습니다: {Path(browser).name} 가 {PDF_TIMEOUT_S}초 안에 끝나지 않았습니다 ({src.name})."
        except OSError as exc:
            return f"PDF 를 만들지 못했습니다: {Path(browser).name} 를 실행할 수 없습니다 ({exc})."
    if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0 or not tmp.read_bytes()[:5] == b"%PDF-":
        tmp.unlink(missing_ok=True)
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"PDF 를 만들지 못했습니다: {Path(browser).name} 종료 코드 {proc.returncode} ({src.name}) {tail[0][:200]}"
    os.replace(tmp, out)
    return None
