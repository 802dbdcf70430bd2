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
from tests.chart_frames import GYEONGNAM_AREAS, areas_frame, indicators_frame, stages_frame  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def indicators():
    return indicators_frame()


def _points(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if str(c.get_gid() or "").startswith("stage:"))


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
    texts = [t.get_text() for t in ax.texts]
    assert charts.MAP_CREDIT in texts
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
    assert "하락 폭이 큰 3곳" in ax.get_title(loc="left")


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
    out = charts.fig_to_html(fig, alt='경남 "지도" <1>')
    assert out.startswith('<img class="sme-figure" src="data:image/png;base64,iVBOR')
    assert 'alt="경남 &quot;지도&quot; &lt;1&gt;"' in out
    assert not plt.fignum_exists(fig.number)


def test_hangul_renders_on_axes_made_before_any_korean_theme():
    matplotlib.rcdefaults()  # as in a fresh kernel that never called use_korean_theme()
    fig, ax = plt.subplots()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.trend_chart(indicators_frame(), "48", value="employees", ax=ax)
        fig.canvas.draw()
    plt.close(fig)
    assert not [w for w in caught if "missing from font" in str(w.message)]
