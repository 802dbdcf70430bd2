"""Monthly early-warning signals: each fires on a planted case and stays silent on a steady or merely
seasonal one, and a month's alerts never depend on later months."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.alerts import ALERT_COLUMNS, alerts_between, month_alerts
from helpers.panel import Panel, panel_from_months
from helpers.periods import month_range
from tests.factories import WAGE_KRW, month_frame, reference, workplace

BJD = "4831010100"  # 거제 옥포동: inside the area
OUTSIDE = "4831011000"  # same province, outside the area (keeps the province big and steady)
REF = reference([{"area_id": "48-001", "area_name": "옥포국가산업단지", "bjd_codes": ["48310101"]}])
MONTHS = month_range("2024-01", "2026-06")


def rows_for(ym: str, sizes: dict[str, int], *, wage: float = 1.0, lost: dict[str, int] | None = None,
             gone: dict[str, str] | None = None, renamed: dict[str, str] | None = None,
             gained: dict[str, int] | None = None, fresh: tuple[str, ...] = (), outside: int = 20) -> list[dict]:
    """One month of the area: workplace name → members (wage factor on the 3,000,000 KRW wage billed at the
    month's rate), `lost` separations per workplace, `gone` workplaces withdrawn this month (name → date),
    `renamed` names written differently this month, `gained` new members per workplace, `fresh` workplaces in
    their first month (billed 0); plus a steady rest of the province (`outside` workplaces of 40)."""
    from helpers.params import load_params
    from helpers.pension import PensionSchedule

    rate = PensionSchedule.from_params(load_params()).rate(ym)
    out = []
    for i, (name, n) in enumerate(sizes.items()):
        shown = (renamed or {}).get(name, name)
        if name in (gone or {}):
            out.append(workplace(shown, BJD, 0, status=2, withdrawn=gone[name], lost=(lost or {}).get(name, 0),
                                 bizno=f"{100000 + i}"))
            continue
        billed = 0 if name in fresh else round(n * WAGE_KRW * wage * rate)
        out.append(workplace(shown, BJD, n, contribution=billed, lost=(lost or {}).get(name, 0),
                             gained=(gained or {}).get(name, 0), bizno=f"{100000 + i}"))
    out += [workplace(f"밖{i}", OUTSIDE, 40, bizno=f"{200000 + i}") for i in range(outside)]
    return out


def build(month_rows: dict[str, list[dict]]) -> Panel:
    return panel_from_months(((m, month_frame(m, r)) for m, r in sorted(month_rows.items())), REF)


STEADY = {f"사업장{i}": 50 for i in range(10)}  # 500 members in 10 workplaces


def steady(months=MONTHS, **kw) -> dict[str, list[dict]]:
    return {m: rows_for(m, STEADY, **kw) for m in months}


def signals(panel: Panel, start="2025-01", end="2026-06") -> pd.DataFrame:
    """The alerts of every month from 2025-01 (nothing before: no 12-month history yet)."""
    return alerts_between(panel, start, end)


def test_a_steady_area_raises_nothing_across_the_2026_contribution_rate_rise():
    # Contributions jump 5.6 % in 2026-01 (9 % → 9.5 %) while wages stay: payroll per member must not move.
    panel = build(steady())
    out = signals(panel)
    assert list(out.columns[: len(ALERT_COLUMNS)]) == ALERT_COLUMNS
    assert out.empty


def test_a_wage_cut_hidden_by_the_rate_rise_is_caught_in_payroll_per_member():
    # 6 % wage cut in 2026-01: contributions fall only 0.8 % (the rate rose), payroll per member 6 %.
    rows = {m: rows_for(m, STEADY, wage=0.94 if m >= "2026-01" else 1.0) for m in MONTHS}
    out = signals(build(rows))
    ppm = out[out["signal"] == "payroll_per_member"]
    assert ppm["month"].min() == "2026-01"
    first = ppm[ppm["month"] == "2026-01"].iloc[0]
    assert first["value"] == pytest.approx(-6.2, abs=0.1)  # log points, %p
    assert "종사자는" in first["reason"] and "2026년 1월" in first["reason"]
    assert set(out["signal"]) == {"payroll_per_member"}  # members held: nothing else


def test_a_january_dip_every_year_does_not_alert_but_a_first_time_one_does():
    dip = {n: 44 for n in STEADY}  # −12 % every January, back in February, with its separations
    jan_lost = {n: 6 for n in STEADY}

    def month(m, dips):
        return rows_for(m, dip, lost=jan_lost) if m[5:] == "01" and m[:4] in dips else rows_for(m, STEADY)

    seasonal = build({m: month(m, {"2024", "2025", "2026"}) for m in MONTHS})
    assert signals(seasonal, "2025-01").empty
    first_time = build({m: month(m, {"2026"}) for m in MONTHS})
    jan = month_alerts(first_time, "2026-01")
    assert {"members", "separations"} <= set(jan["signal"])


def spread(total: int, n: int = 10) -> dict[str, int]:
    """`total` members over `n` workplaces (사업장0..), as even as integers allow."""
    return {f"사업장{i}": total // n + (i < total % n) for i in range(n)}


def test_a_seasonal_dip_a_little_deeper_than_the_one_earlier_year_alarms_only_beyond_the_turnover_noise():
    # A January dip every year (2,000 → 1,760). One earlier year for the 3-month momentum (2024-10 → 2025-01);
    # this January 1,700: 3.5 %p below it (68 members short), past momentum_pp, while the year on year (−3.4 %)
    # is not. In an area whose workplaces also hire and lose 15 members each a month the turnover noise is
    # √(flows) ≈ 38 members: 1.8 standard deviations, under noise_z (2), so noise; in an area with no other
    # flows (noise ≈ 23 members: 3.0 standard deviations) it is a signal.
    def month(m, churn):
        total = {"01": 1700 if m == "2026-01" else 1760}.get(m[5:], 2000)
        sizes = spread(total)
        dip = spread(2000 - total) if total < 2000 else {}
        flows = {n: churn for n in sizes}
        return rows_for(m, sizes, lost={n: dip.get(n, 0) + churn for n in sizes}, gained=flows)

    churny = alerts_between(build({m: month(m, 15) for m in MONTHS}), "2025-01", "2026-06")
    assert "members" not in set(churny["signal"])
    calm = month_alerts(build({m: month(m, 0) for m in MONTHS}), "2026-01")
    row = calm.set_index("signal").loc["members"]
    assert row["value"] == pytest.approx(-3.5, abs=0.1) and "예년 흐름이면 약 1,760명이라 −3.4%; 취득·상실 잡음의 3.0배" in row["reason"]


def test_a_workplace_in_its_first_month_billed_nothing_does_not_cut_payroll_per_member():
    # A 60-member workplace opens in 2026-03: billed 0 that month (billing starts the month after), then billed.
    sizes = dict(STEADY, **{"(주)신규": 60})
    rows = {m: rows_for(m, sizes if m >= "2026-03" else STEADY, fresh=("(주)신규",) if m == "2026-03" else ())
            for m in MONTHS}
    out = signals(build(rows))
    assert out.empty, out[["month", "signal", "reason"]]


def test_separations_and_closures_replaced_in_the_same_month_are_turnover_not_a_surge():
    # As in the surge test below, 6 small workplaces (60 members) withdraw in 2025-09 — but 6 new ones with
    # 60 members open that month: members and workplaces hold, so neither surge fires.
    small = {f"소{i}": 10 for i in range(6)}
    new = {f"새{i}": 10 for i in range(6)}
    gone = {n: "2025-09-10" for n in small}

    def month(m):
        sizes = dict(STEADY, **small, **(new if m >= "2025-09" else {}))
        return rows_for(m, sizes, lost={"사업장0": 5, **({n: 10 for n in small} if m == "2025-09" else {})},
                        gained={n: 10 for n in new} if m == "2025-09" else None,
                        fresh=tuple(new) if m == "2025-09" else (), gone=gone if m >= "2025-09" else None)

    sept = month_alerts(build({m: month(m) for m in MONTHS}), "2025-09")
    assert not {"separations", "closures"} & set(sept["signal"]), sept[["signal", "reason"]]


def test_a_decline_beyond_the_seasonal_pattern_fires_members_early():
    sizes = {m: {n: round(50 * 0.97 ** max(0, MONTHS.index(m) - MONTHS.index("2025-09"))) for n in STEADY}
             for m in MONTHS}  # −3 % a month from 2025-10
    out = signals(build({m: rows_for(m, sizes[m]) for m in MONTHS}))
    mem = out[out["signal"] == "members"]
    assert mem["month"].min() <= "2025-11"  # within two months of the onset
    assert (mem.loc[mem["month"] >= "2026-01", "level"] == "경계").all()  # persists → 경계
    assert out.loc[out["month"] < "2025-10"].empty


def test_a_large_employer_withdrawal_names_size_and_month_never_the_firm():
    sizes = dict(STEADY, **{"(주)대형앵커": 300})
    rows = {m: rows_for(m, sizes, gone={"(주)대형앵커": "2025-06-15"} if m >= "2025-06" else None,
                        lost={"(주)대형앵커": 300} if m == "2025-06" else None) for m in MONTHS}
    out = signals(build(rows))
    big = out[out["signal"] == "large_employer"]
    assert list(big["month"]) == ["2025-06"]
    r = big.iloc[0]
    assert r["level"] == "경계" and r["value"] == pytest.approx(37.5) and r["threshold"] == 20
    assert "가입자 300명 사업장 1곳 탈퇴 (지역 종사자의 38%)" in r["reason"] and "2025년 6월" in r["reason"]
    assert "대형앵커" not in out.to_csv()


def test_a_large_employer_shrinking_fires_and_a_renamed_one_is_not_an_exit():
    sizes = dict(STEADY, **{"(주)대형앵커": 300})
    cut = {m: rows_for(m, dict(sizes, **{"(주)대형앵커": 255}) if m >= "2025-06" else sizes) for m in MONTHS}
    big = signals(build(cut)).query("signal == 'large_employer'")
    assert list(big["month"]) == ["2025-06"] and big.iloc[0]["value"] == pytest.approx(15.0)
    renamed = {m: rows_for(m, sizes, renamed={"(주)대형앵커": "대형앵커(주)"} if m >= "2025-06" else None) for m in MONTHS}
    assert signals(build(renamed)).empty


def test_surging_separations_and_closures_fire_against_the_area_history():
    small = {f"소{i}": 10 for i in range(6)}
    sizes = dict(STEADY, **small)
    gone = {n: "2025-09-10" for n in small}
    rows = {m: rows_for(m, sizes, lost={"사업장0": 5, **({n: 10 for n in small} if m == "2025-09" else {})},
                        gone=gone if m >= "2025-09" else None) for m in MONTHS}
    sept = month_alerts(build(rows), "2025-09")
    by = sept.set_index("signal")
    assert by.at["closures", "value"] == 6 and by.at["separations", "value"] == 65
    assert by.at["separations", "level"] == "경계"  # two signals at once
    assert "평소(5명" in by.at["separations", "reason"]


def test_no_alert_inside_a_data_break_or_in_a_missing_month():
    # 2025-08: the area's workplaces vanish without separations (a code change missing from the crosswalk)
    rows = {m: [r for r in rows_for(m, STEADY) if m != "2025-08" or r["bjd_code"] != BJD] for m in MONTHS}
    panel = build(rows)
    assert len(panel.data_breaks) and "2025-08" in set(panel.data_breaks["first_month"])
    assert signals(panel).empty
    gap = build({m: r for m, r in steady().items() if m != "2025-08"})
    assert month_alerts(gap, "2025-08").empty and signals(gap).empty


def test_short_history_gives_no_seasonal_signal_and_no_error():
    months = month_range("2025-01", "2025-08")
    sizes = {m: {n: 50 if m < "2025-05" else 35 for n in STEADY} for m in months}  # −30 % in May
    out = alerts_between(build({m: rows_for(m, sizes[m]) for m in months}), "2025-01", "2025-08")
    assert "members" not in set(out["signal"])  # no seasonal baseline before 13+ months


def planted() -> dict[str, list[dict]]:
    """A decline from 2025-10, a large withdrawal in 2026-02 and a wage cut from 2026-04."""
    sizes = dict(STEADY, **{"(주)대형앵커": 300})
    out = {}
    for m in MONTHS:
        k = max(0, MONTHS.index(m) - MONTHS.index("2025-09"))
        s = {n: (round(v * 0.98 ** k) if n != "(주)대형앵커" else v) for n, v in sizes.items()}
        out[m] = rows_for(m, s, wage=0.9 if m >= "2026-04" else 1.0,
                          gone={"(주)대형앵커": "2026-02-03"} if m >= "2026-02" else None,
                          lost={"(주)대형앵커": 300} if m == "2026-02" else None)
    return out


def test_month_alerts_use_no_later_month():
    rows = planted()
    full = build(rows)
    assert {"members", "large_employer"} <= set(signals(full)["signal"])
    for m in ("2025-01", "2025-10", "2025-12", "2026-02", "2026-04", "2026-06"):
        cut = build({k: v for k, v in rows.items() if k <= m})
        pd.testing.assert_frame_equal(month_alerts(full, m), month_alerts(cut, m))


def test_alerts_between_is_month_alerts_month_by_month():
    panel = build(planted())
    months = month_range("2025-06", "2026-06")
    each = pd.concat([month_alerts(panel, m) for m in months], ignore_index=True)
    both = alerts_between(panel, "2025-06", "2026-06")
    assert len(both) > 5
    pd.testing.assert_frame_equal(both, each)


def test_alerts_between_matches_month_by_month_slices_when_odd_months_depend_on_later_months():
    # The rest of the province (220 workplaces: odd months are checked) grows 10 % from 2026-04 for good. On the
    # slice up to 2026-05 that month is odd (its three months before: 2026-02..04 mostly lower); with 2026-06
    # in the data it is not. alerts_between must still give exactly each month's own slice.
    rows = planted()
    for m in MONTHS:
        extra = 242 if m >= "2026-04" else 220
        rows[m] = [r for r in rows[m] if r["bjd_code_orig"] != OUTSIDE] + \
            [workplace(f"밖{i}", OUTSIDE, 40, bizno=f"{200000 + i}") for i in range(extra)]
    panel = build(rows)
    months = month_range("2026-01", "2026-06")
    each = pd.concat([month_alerts(build({k: v for k, v in rows.items() if k <= m}), m) for m in months],
                     ignore_index=True)
    both = alerts_between(panel, months[0], months[-1])
    assert len(both) > 3
    pd.testing.assert_frame_equal(both, each)


def test_a_province_file_overrides_the_alert_thresholds(tmp_path):
    from helpers.params import Config, load_params

    default = load_params()
    strict = {**default, "alerts": {**default["alerts"], "members": {**default["alerts"]["members"], "momentum_pp": -500,
                                                                     "yoy_pct": -99, "gap_pp": -99}}}
    panel = build(planted())
    panel.config = Config(None, default, {"48": strict})
    out = signals(panel)
    assert "members" not in set(out["signal"]) and "large_employer" in set(out["signal"])


def test_a_panel_saved_with_its_monthly_series_gives_the_same_alerts(tmp_path):
    panel = build(planted())
    again = Panel.load(panel.save(tmp_path / "p"))
    pd.testing.assert_frame_equal(signals(again), signals(panel))


def test_an_old_panel_folder_without_monthly_series_loads_and_alerts_say_so(tmp_path):
    from helpers.errors import UserError

    d = build(steady()).save(tmp_path / "p")
    (d / "monthly.parquet").unlink()
    old = Panel.load(d)
    assert old.monthly.empty and len(old.indicators)
    with pytest.raises(UserError, match="월별 자료가 없어"):
        month_alerts(old, "2026-01")


# ---------------------------------------------------------------------------------------------
# The command on the demo data


def run_cli(args, capsys):
    from helpers.cli import main

    code = main(args)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_cli_range_reproduces_the_monthly_runs_exactly_and_never_names_a_firm(demo_raw, tmp_path, capsys):
    from helpers import nps
    from helpers.params import load_config

    raw = ["--raw-dir", str(demo_raw)]
    months = ["2026-01", "2026-02", "2026-03"]
    code, out, _ = run_cli(["alerts", "--from", months[0], "--to", months[-1], *raw, "--out", str(tmp_path / "r.csv")],
                           capsys)
    assert code == 0 and "r.csv" in out and "large_employer" in out
    whole = (tmp_path / "r.csv").read_bytes()
    assert whole.startswith(b"\xef\xbb\xbf" + ",".join(ALERT_COLUMNS).encode())
    lines = whole.decode("utf-8-sig").split("\r\n")
    parts = []
    for m in months:
        assert run_cli(["alerts", "--month", m, *raw, "--out", str(tmp_path / f"{m}.csv")], capsys)[0] == 0
        parts += (tmp_path / f"{m}.csv").read_bytes().decode("utf-8-sig").split("\r\n")[1:-1]
    assert lines[1:-1] == parts and len(parts) > 3
    again = tmp_path / "again.csv"
    run_cli(["alerts", "--from", months[0], "--to", months[-1], *raw, "--out", str(again)], capsys)
    assert again.read_bytes() == whole  # deterministic
    table = pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig", dtype=str)
    assert ((table["area_id"] == "52-004") & (table["signal"] == "large_employer") & (table["month"] == "2026-02")).any()
    cache = nps.cache_dir_for(demo_raw, load_config().path("cache_dir"))
    names = set(nps.load_months(cache, months, columns=["name"])["name"].astype(str))
    text = whole.decode("utf-8-sig")
    assert "(주)지평선푸드" in names and not [n for n in names if len(n) >= 4 and n in text]


def test_cli_default_month_is_the_latest_and_bad_arguments_exit_2(demo_raw, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SME_MONITOR_ROOT", str(tmp_path))
    import shutil
    from pathlib import Path

    import helpers

    root = Path(helpers.__file__).resolve().parents[2]
    shutil.copytree(root / "params", tmp_path / "params")
    shutil.copytree(root / "data" / "reference", tmp_path / "data" / "reference")
    raw = ["--raw-dir", str(demo_raw)]
    code, out, _ = run_cli(["alerts", *raw], capsys)
    assert code == 0 and (tmp_path / "outputs" / "alerts" / "alerts_2026-09.csv").is_file()
    assert "2026-09 월별 조기경보" in out
    for args, words in (
        (["--month", "2026-01", "--from", "2025-01", "--to", "2025-03"], "함께 쓸 수 없습니다"),
        (["--from", "2026-03", "--to", "2026-01"], "보다 늦습니다"),
        (["--from", "2026-01"], "--from 과 --to 를 함께"),
        (["--month", "2024-03"], "자료가 없습니다"),
        (["--from", "2024-01", "--to", "2025-03"], "자료 기간 밖"),
        (["--month", "26-01"], "YYYY-MM"),
    ):
        code, _, err = run_cli(["alerts", *args, *raw], capsys)
        assert code == 2 and words in err, (args, err)
