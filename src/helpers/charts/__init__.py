"""Figures for the notebooks and the council briefs: Korean fonts, stage colours, maps, trends, typology.

Every plotting function takes tidy DataFrames (the `indicators` long table or the `stages` table of
one quarter) plus column names where that makes sense, accepts an optional `ax`, returns the Axes and
never calls `plt.show()`. The only global state is what `use_korean_theme()` sets explicitly; chart
functions call `ensure_korean_font()` so Hangul never renders as empty boxes even when a notebook
forgot the theme. Numbers are written by `helpers.fmt` (e.g. '+3.2%', '−12.3%', '−4.0%p', missing '–').

Where things live (each module imports only those listed before it):
- `theme`   stage colours, markers and symbols; the Korean font and theme; new Axes; `fig_to_html`
- `labels`  placing point labels without overlap (adjustText; maps, quadrant); overlap checkers
- `shapes`  boundary geometry → matplotlib paths; sigungu and province shapes (cached)
- `maps`    `province_map`, `province_map_highlight`, `national_map`, the map credit
- `trends`  lines over quarters: `trend_chart`, `industry_trend_chart`, `area_trend_chart`, `typology_chart`
- `matrix`  areas side by side: `yoy_heatmap`, `quadrant_chart`
The typology itself (k-means on employment paths) is analysis and lives in `helpers.typology`.

Use the package as one module: `from helpers import charts; charts.province_map(...)`.
"""

from helpers.charts.labels import covered_legends, drawn_texts, marker_boxes, overlapping_labels, place_labels
from helpers.charts.maps import (
    MAP_CREDIT,
    _area_points,
    national_map,
    province_map,
    province_map_highlight,
)
from helpers.charts.matrix import quadrant_chart, yoy_heatmap
from helpers.charts.shapes import _sido_shape, _sido_shapes, _sigungu_shapes, geometry_to_path
from helpers.charts.theme import (
    FIGURE_FORMAT,
    FONT_FAMILY,
    KOREAN_FONT,
    NO_CALL,
    STAGE_COLORS,
    STAGE_MARKERS,
    STAGE_ORDER,
    STAGE_SYMBOLS,
    ensure_korean_font,
    fig_to_html,
    infer_scale,
    korean_font_path,
    register_korean_fonts,
    stage_markers,
    stage_palette,
    text_color_on,
    use_korean_theme,
)
from helpers.charts.trends import (
    ALERT_COLORS,
    AREA_INDICATORS,
    alert_quarters,
    area_trend_chart,
    area_trend_frame,
    industry_trend_chart,
    province_line_default,
    trend_chart,
    typology_chart,
)
from helpers.typology import (
    TYPE_DESCRIPTIONS,
    TYPOLOGY_SENTENCE,
    area_typology,
    describe_path,
    typology_distinctness,
    typology_summary,
)

__all__ = [
    # theme
    "FIGURE_FORMAT", "FONT_FAMILY", "KOREAN_FONT", "NO_CALL", "STAGE_COLORS", "STAGE_MARKERS", "STAGE_ORDER", "STAGE_SYMBOLS",
    "ensure_korean_font", "fig_to_html", "infer_scale", "korean_font_path", "register_korean_fonts",
    "stage_markers", "stage_palette", "text_color_on", "use_korean_theme",
    # maps and shapes
    "MAP_CREDIT", "geometry_to_path", "national_map", "province_map", "province_map_highlight",
    # trends
    "ALERT_COLORS", "AREA_INDICATORS", "alert_quarters", "area_trend_chart", "area_trend_frame", "industry_trend_chart",
    "province_line_default",
    "trend_chart", "typology_chart",
    # matrix
    "quadrant_chart", "yoy_heatmap",
    # typology (analysis, from helpers.typology)
    "TYPE_DESCRIPTIONS", "TYPOLOGY_SENTENCE", "area_typology", "describe_path", "typology_distinctness",
    "typology_summary",
    # labels and the overlap checkers
    "covered_legends", "drawn_texts", "marker_boxes", "overlapping_labels", "place_labels",
    # private helpers that tests and notebooks reach as charts._name
    "_area_points", "_sido_shape", "_sido_shapes", "_sigungu_shapes",
]
