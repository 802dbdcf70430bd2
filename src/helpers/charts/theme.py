"""The look shared by every chart: stage colours, markers and symbols, the bundled Korean font, the
theme, new Axes, the empty-chart message and embedding a figure in HTML.

Stages are always shown by colour, marker shape and name together, so a chart survives
colour-vision deficiency and grey-scale printing.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import font_manager

KOREAN_FONT = "NanumGothic"
# DejaVu Sans (bundled with matplotlib) supplies the glyphs NanumGothic lacks, e.g. the true minus.
FONT_FAMILY = [KOREAN_FONT, "DejaVu Sans"]

# ---------------------------------------------------------------------------------------------
# Stage colours: blue for the good stage, then a warm ramp that darkens with severity (monotone in
# lightness, so it survives colour-vision deficiency and grey-scale printing), grey for no call.
# Built from the Okabe-Ito palette (blue #0072B2, orange #E69F00, vermillion #D55E00) extended with
# darker reds. Stages are always also shown by their name and a marker shape.

NO_CALL = "판단유보"
STAGE_COLORS: dict[str, str] = {
    "양호": "#0072B2",
    "주의": "#E69F00",
    "경고": "#D55E00",
    "심각": "#A8182A",
    "위험": "#4A0D3F",
    NO_CALL: "#9E9E9E",
}
STAGE_MARKERS: dict[str, str] = {"양호": "o", "주의": "^", "경고": "D", "심각": "s", "위험": "X", NO_CALL: "h"}
# Text symbols matching the chart markers, for tables and chips.
STAGE_SYMBOLS: dict[str, str] = {"양호": "●", "주의": "▲", "경고": "◆", "심각": "■", "위험": "×", NO_CALL: "○"}
STAGE_ORDER: tuple[str, ...] = ("양호", "주의", "경고", "심각", "위험")
_WARM_RAMP = ["#E69F00", "#D55E00", "#A8182A", "#4A0D3F"]
_EXTRA_MARKERS = ["v", "P", "*", "p", "8"]


def stage_palette(scale: Sequence[str], no_call: str = NO_CALL) -> dict[str, str]:
    """Colour per stage of `scale` (mildest first) plus the no-call grey.

    Known stage names keep their fixed colour (so 주의 looks the same in every province); unknown
    names get a colour from the warm ramp by their position on the scale.
    """
    scale = list(scale)
    out: dict[str, str] = {}
    n_warm = max(len(scale) - 1, 1)
    for i, st in enumerate(scale):
        if st in STAGE_COLORS:
            out[st] = STAGE_COLORS[st]
        elif i == 0:
            out[st] = STAGE_COLORS["양호"]
        else:
            pos = (i - 1) / max(n_warm - 1, 1) * (len(_WARM_RAMP) - 1)
            out[st] = _WARM_RAMP[int(round(pos))]
    out[no_call] = STAGE_COLORS[NO_CALL]
    return out


def stage_markers(scale: Sequence[str], no_call: str = NO_CALL) -> dict[str, str]:
    """Marker shape per stage (a second, colour-independent cue)."""
    out, extra = {}, iter(_EXTRA_MARKERS)
    for st in scale:
        out[st] = STAGE_MARKERS.get(st) or next(extra, "o")
    out[no_call] = STAGE_MARKERS[NO_CALL]
    return out


def text_color_on(hex_color: str) -> str:
    """Black or white, whichever reads better on `hex_color` (WCAG relative luminance)."""
    r, g, b = (int(hex_color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#000000" if lum > 0.22 else "#FFFFFF"


def infer_scale(stages: Iterable[str], no_call: str = NO_CALL) -> list[str]:
    """The stage scale implied by the names present (known names in their usual order)."""
    present = [s for s in dict.fromkeys(stages) if isinstance(s, str) and s and s != no_call]
    known = [s for s in STAGE_ORDER if s in present or s in ("양호", "주의", "심각")]
    if not any(s in ("경고", "위험") for s in present):
        known = [s for s in known if s not in ("경고", "위험")]
    return known + [s for s in present if s not in known]


def _scale_for(df: pd.DataFrame, scale: Sequence[str] | None, stage_col: str = "stage") -> list[str]:
    if scale is not None:
        return list(scale)
    return infer_scale(df[stage_col].tolist() if stage_col in df else [])


# ---------------------------------------------------------------------------------------------
# Fonts and theme.


def korean_font_path() -> Path:
    """The NanumGothic TTF shipped inside the koreanize_matplotlib package (no system font needed).

    Found without importing the package: its import restyles matplotlib as a side effect."""
    import importlib.util

    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("koreanize-matplotlib 패키지가 없어 한글 글꼴을 찾을 수 없습니다.")
    return Path(list(spec.submodule_search_locations)[0]) / "fonts" / "NanumGothic.ttf"


@lru_cache(maxsize=1)
def register_korean_fonts() -> str:
    """Add the bundled Nanum fonts to matplotlib's font manager (once); returns the family name."""
    for ttf in sorted(korean_font_path().parent.glob("*.ttf")):
        font_manager.fontManager.addfont(str(ttf))
    return KOREAN_FONT


# How notebook figures are sent to the page. SVG with text as paths: sharp at any zoom and on a phone,
# needs no font on the reader's machine, and a brief chart is 40–300 kB (measured in issue 11, see
# `fig_to_html`). "png" falls back to a 2× PNG ("retina").
FIGURE_FORMAT = "svg"


def use_korean_theme(context: str = "notebook", *, figure_format: str = FIGURE_FORMAT) -> None:
    """Seaborn's white-grid theme with the bundled Korean font and an ASCII-safe minus on axes; in a
    notebook, figures are shown as `figure_format` ('svg' with text drawn as paths, or 'png' at 2×).

    Call once at the top of a notebook. Sets rcParams (global by design, like seaborn.set_theme).
    """
    import seaborn as sns

    register_korean_fonts()
    sns.set_theme(context=context, style="whitegrid", font=KOREAN_FONT,
                  rc={"font.family": FONT_FAMILY, "axes.unicode_minus": False,
                      "figure.dpi": 110, "savefig.dpi": 110, "axes.titleweight": "bold",
                      "svg.fonttype": "path"})
    _set_notebook_format(figure_format)


def _set_notebook_format(figure_format: str) -> None:
    """Tell the inline backend how to send figures (only inside IPython; a no-op in scripts)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg" if figure_format == "svg" else "retina")


def ensure_korean_font() -> None:
    """Make sure text drawn from now on uses a Hangul font; a no-op after `use_korean_theme()`."""
    register_korean_fonts()
    fam = mpl.rcParams["font.family"]
    fam = [fam] if isinstance(fam, str) else list(fam)
    if not fam or fam[0] != KOREAN_FONT:
        mpl.rcParams["font.family"] = FONT_FAMILY
        mpl.rcParams["axes.unicode_minus"] = False


# ---------------------------------------------------------------------------------------------
# Axes: a new one (or a given one) in the Korean font; a message where there is nothing to draw.


def _new_ax(ax, figsize: tuple[float, float]):
    ensure_korean_font()
    if ax is not None:
        # Axes made before the font was set keep their title/label Text objects: give them the Hangul font.
        for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label):
            t.set_fontfamily(FONT_FAMILY)
        ax.tick_params(labelfontfamily=FONT_FAMILY)
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _note_below(ax, text: str, *, fontsize: float = 8):
    """A note just under the x-axis title (below the tick labels when the title is empty), starting at
    the axes' left edge; it moves with the layout and constrained layout reserves its room, so it never
    covers the axis title."""
    y_anchor = ax.xaxis.label if ax.axison else "axes fraction"
    return ax.annotate(text, xy=(0, 0), xycoords=("axes fraction", y_anchor), xytext=(0, -4),
                       textcoords="offset points", ha="left", va="top", fontsize=fontsize, color="#444444",
                       linespacing=1.5, annotation_clip=False, gid="note")


def _no_data(ax, message: str = "표시할 자료가 없습니다"):
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


# ---------------------------------------------------------------------------------------------
# Embedding.


def fig_to_html(fig, alt: str, *, fmt: str = FIGURE_FORMAT, dpi: int = 110, close: bool = True) -> str:
    """The figure as an `<img>` with a base64 data URI (no file, no request); `alt` is escaped.

    `fmt="svg"` (default): vector, text drawn as paths (sharp when zoomed, no font needed); "png": a
    bitmap at 2 × `dpi`. Closes the figure by default so a notebook does not show it twice and a batch
    does not leak it."""
    if hasattr(fig, "figure") and not isinstance(fig, mpl.figure.Figure):
        fig = fig.figure  # an Axes was passed
    buf = io.BytesIO()
    if fmt == "svg":
        with mpl.rc_context({"svg.fonttype": "path", "svg.hashsalt": "sme"}):
            fig.savefig(buf, format="svg", bbox_inches="tight", facecolor="white", metadata={"Date": None})
        mime = "image/svg+xml"
    else:
        fig.savefig(buf, format="png", dpi=2 * dpi, bbox_inches="tight", facecolor="white")
        mime = "image/png"
    if close:
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<img class="sme-figure" src="data:{mime};base64,{data}" alt="{html.escape(alt, quote=True)}" '
            f'style="max-width:100%;height:auto">')
