"""Charts: Hangul renders, stages are told apart by colour and shape, each chart draws what it says."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from helpers import charts, fmt  # noqa: E402
from tests.chart_frames import (  # noqa: E402
    GYEONGNAM_AREAS,
    areas_frame,
    dense_province_frames,
    indicators_frame,
    stages_frame,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def indicators():
    return indicators_frame()


def _points(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if str(c.get_gid() or "").startswith("stage:"))


def _notes(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts if t.get_gid() == "note")


def _labelled_lines(ax) -> list[str]:
    return [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")]


# --- fonts -------------------------------------------------------------------------------------


def test_korean_theme_registers_the_bundled_nanum_gothic():
    charts.use_korean_theme()
    assert plt.rcParams["font.family"][0] == "NanumGothic"
    assert plt.rcParams["axes.unicode_minus"] is False
    bundled = str(charts.korean_font_path())
    assert "koreanize_matplotlib" in bundled
    assert any(f.fname == bundled and f.name == "NanumGothic" for f in font_manager.fontManager.ttflist)
    path = font_manager.findfont(font_manager.FontProperties(family="NanumGothic"), fallback_to_default=False)
    assert str(path).endswith("NanumGothic.ttf")  # the bundled copy, or the same font installed system-wide


def test_a_rendered_korean_chart_uses_nanum_gothic_and_misses_no_glyph():
    charts.use_korean_theme()
    fig, ax = plt.subplots()
    ax.set_title("종사자수 전년동기 대비 −12.3%")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a UserWarning
        fig.canvas.draw()
    used = font_manager.findfont(ax.title.get_fontproperties())
    assert "NanumGothic" in used


def test_charts_fall_back_to_the_korean_font_without_an_explicit_theme(indicators):
    plt.rcParams["font.family"] = ["DejaVu Sans"]
    ax = charts.trend_chart(indicators, "48")
    assert "NanumGothic" in font_manager.findfont(ax.title.get_fontproperties())


# --- palette -----------------------------------------------------------------------------------


def test_stage_palette_covers_the_three_and_five_step_scales_with_distinct_colours():
    three = charts.stage_palette(["양호", "주의", "심각"])
    five = charts.stage_palette(["양호", "주의", "경고", "심각", "위험"])
    assert set(three) == {"양호", "주의", "심각", "판단유보"}
    assert len(set(five.values())) == 6
    assert three["주의"] == five["주의"]  # the same stage looks the same in every province
    assert charts.stage_palette(["좋음", "나쁨"])["나쁨"].startswith("#")


def test_every_stage_also_has_a_distinct_marker_and_symbol():
    markers = charts.stage_markers(["양호", "주의", "경고", "심각", "위험"])
    assert len(set(markers.values())) == 6
    assert all(charts.STAGE_SYMBOLS[s] for s in ("양호", "주의", "심각", "판단유보"))


# --- formatters --------------------------------------------------------------------------------


@pytest.mark.parametrize("fn, value, expected", [
    (fmt.fmt_int, 1234567.4, "1,234,567"),
    (fmt.fmt_int, -1500, "−1,500"),
    (fmt.fmt_pct, 3.21, "+3.2%"),
    (fmt.fmt_pct, -12.34, "−12.3%"),
    (fmt.fmt_pct, -0.04, "0.0%"),
    (fmt.fmt_pp, -4, "−4.0%p"),
    (fmt.fmt_pp, 0.55, "+0.6%p"),
    (fmt.fmt_krw_100m, 123_456_000_000, "1,234.6억원"),
    (fmt.fmt_krw_100m, 5e7, "0.5억원"),
])
def test_formatters_use_separators_signs_and_a_true_minus(fn, value, expected):
    assert fn(value) == expected


@pytest.mark.parametrize("fn", [fmt.fmt_int, fmt.fmt_pct, fmt.fmt_pp, fmt.fmt_krw_100m])
@pytest.mark.parametrize("missing", [np.nan, None, pd.NA])
def test_formatters_show_a_missing_value_as_a_dash(fn, missing):
    assert fn(missing) == "–"


# --- maps --------------------------------------------------------------------------------------


def test_province_map_draws_one_point_per_area_with_sigungu_boundaries_and_the_credit():
    st, ar = stages_frame(), areas_frame()
    ax = charts.province_map(st, ar, "48")
    assert _points(ax) == len(GYEONGNAM_AREAS)  # the area without lat/lon sits at its sigungu
    assert len(ax.collections[0].get_paths()) >= 18  # 경남's sigungu
    assert charts.MAP_CREDIT in ax.get_xlabel()  # the credit and notes sit under the map
    labels = [t.get_text() for t in ax.texts if "(심각)" in t.get_text() or "(주의)" in t.get_text()]
    assert sorted(labels) == sorted(["창원국가산업단지 (심각)", "옥포국가산업단지 (주의)",
                                     "<script>alert(1)</script> (주의)"])
    from matplotlib.legend import Legend

    legends = [a for a in ax.artists if isinstance(a, Legend)] + [ax.get_legend()]
    legend_texts = [t.get_text() for leg in legends for t in leg.get_texts()]
    assert {"양호 (2곳)", "주의 (2곳)", "심각 (1곳)", "판단유보 (1곳)"} <= set(legend_texts)
    assert any(t.endswith("명") for t in legend_texts)  # the size legend


def test_province_map_handles_multipolygon_islands_and_is_cached():
    # How fast the second (cached) map is drawn is measured in bench/bench_charts.py, not here.
    charts.province_map(stages_frame(), areas_frame(), "48")
    charts.province_map(stages_frame(), areas_frame(), "48")
    path = charts.geometry_to_path(charts._sido_shape("48"))
    assert (path.codes == path.MOVETO).sum() > 10  # many islands, one compound path


def test_the_merged_province_s_outline_is_the_union_of_the_old_gwangju_and_jeonnam():
    merged = charts._sido_shape("12")
    # 광주 (126.85, 35.16) and 목포 (126.39, 34.81) both lie inside the outline of today's province 12
    from shapely.geometry import Point

    assert merged.buffer(0.01).contains(Point(126.85, 35.16)) and merged.buffer(0.01).contains(Point(126.39, 34.81))
    assert charts._sido_shape("29") is None and charts._sido_shape("46") is None


def test_national_map_colours_today_s_sixteen_provinces_and_marks_failures():
    ax = charts.national_map({"48": 5, "26": 2, "44": 12, "12": 3}, failed=["31"])
    gids = [p.get_gid() for p in ax.patches if str(p.get_gid()).startswith("sido:")]
    assert len(gids) == 16 and len(set(gids)) == 16  # 광주 and 전남 are drawn once, as 전남광주 (12)
    assert "전남광주\n3" in " ".join(t.get_text() for t in ax.texts)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "충남\n12" in texts and "울산\n실패" in texts and charts.MAP_CREDIT in texts


# --- trends ------------------------------------------------------------------------------------


def test_trend_chart_draws_dense_other_and_nation_over_eight_quarters(indicators):
    ax = charts.trend_chart(indicators, "48", quarters=8)
    assert _labelled_lines(ax) == ["경남 밀집지역", "경남 밀집지역 외", "전국"]
    assert all(len(ln.get_xdata()) == 8 for ln in ax.get_lines() if not ln.get_label().startswith("_"))
    assert len(ax.get_xticklabels()) == 8


def test_industry_trend_chart_computes_yoy_from_levels_four_quarters_apart(indicators):
    ax = charts.industry_trend_chart(indicators, "48", quarters=8)
    assert _labelled_lines(ax) == ["제조업", "비제조업"]
    manu = next(ln for ln in ax.get_lines() if ln.get_label() == "제조업").get_ydata()
    prov = indicators[indicators["level"] == "province"].set_index("quarter")["manufacturing_employees"]
    assert manu[-1] == pytest.approx(100 * (prov["2026Q2"] / prov["2025Q2"] - 1))


def test_yoy_heatmap_has_a_row_per_area_and_signed_annotations(indicators):
    ax = charts.yoy_heatmap(indicators, "48", quarters=8)
    assert len(ax.get_yticklabels()) == len(GYEONGNAM_AREAS)
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == len(GYEONGNAM_AREAS) * 8
    assert all(c[0] in "+−0" for c in cells)


def test_yoy_heatmap_keeps_only_the_worst_rows_when_asked(indicators):
    ax = charts.yoy_heatmap(indicators, "48", quarters=4, max_rows=3)
    assert len(ax.get_yticklabels()) == 3
    assert "종사자 증감률이 낮은 3곳만 표시 (전체 6곳 중" in _notes(ax)
    assert ax.get_yticklabels()[0].get_text() == "창원국가산업단지"  # the steepest fall first


def test_yoy_heatmap_puts_flagged_areas_first_when_given_the_stages(indicators):
    st = stages_frame()  # 48-001 심각, 48-003 and 48-006 주의
    ax = charts.yoy_heatmap(indicators, "48", quarters=4, max_rows=4, stages=st)
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows[0] == "창원국가산업단지" and set(rows[1:3]) == {"옥포국가산업단지", "<script>alert(1)<…"}  # long: shortened
    assert "주의 이상 지역을 먼저" in _notes(ax)


def test_quadrant_chart_draws_thresholds_and_every_area_with_values():
    st = stages_frame()
    ax = charts.quadrant_chart(st, thresholds_pct=(-5, -10))
    assert _points(ax) == int(st["employees_yoy_pct"].notna().sum())
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "주의 기준 −5.0%" in texts and "심각 기준 −10.0%" in texts
    assert "창원국가산업단지" in texts


# --- typology ----------------------------------------------------------------------------------


def test_area_typology_labels_every_area_in_korean(indicators):
    ty = charts.area_typology(indicators, "48", k=3, quarters=8, seed=0)
    assert list(ty.columns[:4]) == ["area_id", "area_name", "cluster", "type_label"]
    assert len(ty) == len(GYEONGNAM_AREAS) and ty["cluster"].between(0, 2).all()
    assert ty.loc[ty["area_id"] == "48-001", "type_label"].iloc[0].startswith("지속 감소형")
    again = charts.area_typology(indicators, "48", k=3, quarters=8, seed=0)
    pd.testing.assert_frame_equal(ty, again)


@pytest.mark.parametrize("n_areas", [1, 2, 3])
def test_area_typology_works_with_fewer_areas_than_clusters(n_areas):
    ind = indicators_frame(areas=GYEONGNAM_AREAS[:n_areas])
    ty = charts.area_typology(ind, "48", k=4)
    assert len(ty) == n_areas
    assert ty["cluster"].nunique() <= n_areas and (ty["cluster"] >= 0).all()
    assert ty["type_label"].str.len().gt(0).all()
    ax = charts.typology_chart(ty, ind)
    assert len(_labelled_lines(ax)) == ty["cluster"].nunique()


def test_describe_path_names_the_shapes():
    assert charts.describe_path([100, 98, 96, 94, 92, 90, 88, 86]) == "지속 감소형"
    assert charts.describe_path([100, 96, 92, 90, 92, 95, 98, 100]) == "회복형"
    assert charts.describe_path([100, 100.2, 99.9, 100.1, 100, 99.8, 100.1, 100]) == "안정형"
    assert charts.describe_path([100, 106, 97, 105, 96, 104, 98, 101]) == "변동형"
    assert charts.describe_path([100, 100, 101, 100, 100, 101, 100, 94]) == "최근 급감형"
    assert "k-평균" in charts.TYPOLOGY_SENTENCE


# --- embedding ---------------------------------------------------------------------------------


def test_fig_to_html_embeds_a_png_data_uri_with_escaped_alt_text():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    out = charts.fig_to_html(fig, alt='경남 "지도" <1>', fmt="png")
    assert out.startswith('<img class="sme-figure" src="data:image/png;base64,iVBOR')
    assert 'alt="경남 &quot;지도&quot; &lt;1&gt;"' in out
    assert not plt.fignum_exists(fig.number)


def test_fig_to_html_embeds_svg_with_text_as_paths_and_nothing_to_fetch():
    import base64
    import re

    from helpers.report import external_references

    ax = charts.trend_chart(indicators_frame(), "48")
    out = charts.fig_to_html(ax.figure, alt="추이")
    assert out.startswith('<img class="sme-figure" src="data:image/svg+xml;base64,')
    svg = base64.b64decode(re.search(r"base64,([^\"]+)", out).group(1)).decode()
    assert "<text" not in svg and "<path" in svg  # no font needed on the reader's machine
    assert external_references(out) == []


def test_hangul_renders_on_axes_made_before_any_korean_theme():
    matplotlib.rcdefaults()  # as in a fresh kernel that never called use_korean_theme()
    fig, ax = plt.subplots()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.trend_chart(indicators_frame(), "48", value="employees", ax=ax)
        fig.canvas.draw()
    plt.close(fig)
    assert not [w for w in caught if "missing from font" in str(w.message)]


# --- a province of 300 dense areas (issue 11) ------------------------------------------------------


@pytest.fixture(scope="module")
def dense():
    return dense_province_frames(n=300, sido="41")


def _brief_charts(dense):
    ind, st, ar = dense
    return {
        "map": lambda: charts.province_map(st, ar, "41"),
        "heatmap": lambda: charts.yoy_heatmap(ind, "41", quarters=8, stages=st),
        "quadrant": lambda: charts.quadrant_chart(st, thresholds_pct=(-3, -6)),
        "trend": lambda: charts.trend_chart(ind, "41", quarters=8, value="employees"),
        "industry": lambda: charts.industry_trend_chart(ind, "41", quarters=8, index=True),
        "typology": lambda: charts.typology_chart(charts.area_typology(ind, "41", k=4, quarters=8), ind),
    }


@pytest.mark.parametrize("chart", ["map", "heatmap", "quadrant", "trend", "industry", "typology"])
def test_no_two_texts_overlap_and_no_legend_is_covered_on_a_300_area_province(dense, chart):
    charts.use_korean_theme()
    ax = _brief_charts(dense)[chart]()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing Hangul glyph is a UserWarning
        pairs = charts.overlapping_labels(ax.figure)
    assert [(a.get_text(), b.get_text()) for a, b in pairs] == []
    assert charts.covered_legends(ax.figure) == []
    texts = charts.drawn_texts(ax.figure)
    assert all(t.get_fontsize() >= 6.5 for t, _ in texts)


def test_the_checker_finds_a_caption_printed_over_the_axis_title():
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlabel("종사자수 전년동기 대비 증감률 (%)")
    ax.text(0.3, -0.12, "범위 밖 3곳은 가장자리에 표시", transform=ax.transAxes, va="center")  # the old caption
    pairs = charts.overlapping_labels(fig)
    assert any({a.get_text(), b.get_text()} == {"종사자수 전년동기 대비 증감률 (%)", "범위 밖 3곳은 가장자리에 표시"}
               for a, b in pairs)


def test_the_checker_finds_markers_and_labels_on_a_legend():
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.scatter([0.05], [0.95], label="점")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    leg = ax.legend(loc="upper left")
    ax.text(0.05, 0.93, "가리는 이름")
    kinds = {type(a).__name__ for a, lg in charts.covered_legends(fig) if lg is leg}
    assert {"PathCollection", "Text"} <= kinds


def test_the_heatmap_of_300_areas_draws_30_readable_rows_on_a_figure_sized_for_them(dense):
    ind, st, _ = dense
    ax = charts.yoy_heatmap(ind, "41", quarters=8, stages=st)
    fig = ax.figure
    fig.canvas.draw()
    rows = len(ax.get_yticklabels())
    assert rows == 30
    row_px = ax.get_window_extent().height / rows
    assert row_px >= 0.28 * fig.dpi  # ≥ 0.28 in a row (31 px at 110 dpi)
    assert fig.get_size_inches()[1] < 0.32 * 30 + 3  # the figure follows the rows drawn, not all 300 areas
    assert all(t.get_rotation() == 0 for t in ax.get_yticklabels())  # names written horizontally
    assert min(t.get_fontsize() for t in ax.texts if t.get_gid() != "note") >= 9
    assert "30곳만 표시 (전체 300곳 중; 전체 목록은 부록과 엑셀)" in _notes(ax)
    flagged = set(st.loc[st["stage_rank"] >= 1, "area_name"])
    assert {t.get_text() for t in ax.get_yticklabels()} <= flagged  # 75 flagged areas: all 30 rows are flagged


def test_the_map_of_300_areas_names_only_flagged_areas_at_most_15_and_says_how_many_not(dense):
    _, st, ar = dense
    ax = charts.province_map(st, ar, "41")
    flagged = st[st["stage_rank"] >= 1]
    names = [t.get_text() for t in ax.texts if t.get_zorder() == 20]
    assert 5 <= len(names) <= 15
    assert all(n in {f"{a} ({s})" for a, s in zip(flagged["area_name"], flagged["stage"])} for n in names)
    assert f"이름 표시: 주의 이상 {len(flagged)}곳 중 단계가 높고 종사자가 많은 {len(names)}곳 " \
           f"(나머지 {len(flagged) - len(names)}곳은 표 참조)" in ax.get_xlabel()
    fig = ax.figure
    fig.canvas.draw()
    frame = ax.get_window_extent()
    for lg in [a for a in ax.artists] + [ax.get_legend()]:
        assert lg.get_window_extent().x0 >= frame.x1  # legends beside the map, never on it


def test_the_quadrant_names_only_flagged_areas_and_notes_under_the_axis_title(dense):
    _, st, _ = dense
    ax = charts.quadrant_chart(st, thresholds_pct=(-3, -6))
    names = {t.get_text() for t in ax.texts if t.get_zorder() == 20}
    assert 0 < len(names) <= 12 and names <= set(st.loc[st["stage_rank"] >= 1, "area_name"])
    ax.figure.canvas.draw()
    note = next(t for t in ax.texts if t.get_gid() == "note")
    assert "이름 표시: 주의 이상 75곳 중" in note.get_text()
    assert note.get_window_extent().y1 <= ax.xaxis.label.get_window_extent().y0  # below, not over


# --- typology: shown only when the types really differ ----------------------------------------------


def test_typology_is_distinct_for_areas_that_fell_and_grew_and_says_why(dense):
    ty = charts.area_typology(dense[0], "41", k=4, quarters=8)
    a = ty.attrs
    assert a["distinct"] is True and a["silhouette"] >= 0.25 and a["smallest_type"] >= 3 and a["end_gap"] >= 3
    assert a["criterion_text"].startswith("유형 간 차이가 뚜렷해 유형을 구분했습니다(실루엣 ")


def test_typology_of_areas_that_all_moved_alike_is_not_distinct_and_the_chart_shows_no_types():
    same = [(f"48-{i:03d}", f"지역{i}", "48123", 35.2, 128.6, 0.0) for i in range(30)]
    ind = indicators_frame(areas=same, seed=3)
    ty = charts.area_typology(ind, "48", k=4, quarters=8)
    assert ty.attrs["distinct"] is False
    assert ty.attrs["criterion_text"].startswith("유형 간 차이가 뚜렷하지 않아(")
    assert ty.attrs["criterion_text"].endswith("유형 구분을 생략했습니다.")
    ax = charts.typology_chart(ty, ind)
    assert _labelled_lines(ax) == ["중앙값 (30곳)"]
    assert ty.attrs["criterion_text"] in _notes(ax)


def test_typology_summary_lists_counts_and_at_most_eight_names_per_type(dense):
    ty = charts.area_typology(dense[0], "41", k=4, quarters=8)
    rows = charts.typology_summary(ty, max_names=8)
    assert rows["count"].sum() == 300
    assert all(len(e) <= 8 for e in rows["examples"])
    assert (rows["more"] == rows["count"] - rows["examples"].map(len)).all()
    assert list(rows.columns) == ["type_label", "description", "count", "examples", "more"]


def test_province_map_of_the_real_gyeonggi_areas_draws_with_no_area_flagged():
    """Regression: the 경기 demo areas (real reference rows, all 양호) once failed while bounding a
    sigungu label's rounded box (matplotlib could not bound the degenerate path)."""
    from helpers.reference import read_reference

    ref = read_reference()
    ref = ref[ref["sido_code"] == "41"]
    gg = [(r.area_id, r.area_name, r.sigungu_code, r.lat, r.lon, 0.5) for r in ref.itertuples(index=False)]
    st = stages_frame(gg, sido="41", stages=("양호",) * len(gg))
    ax = charts.province_map(st, ref, "41")
    assert _points(ax) == len(gg) and not [t for t in ax.texts if "(주의)" in t.get_text()]
