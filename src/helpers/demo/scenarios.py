"""The planted scenarios: the one place where the known answers of the synthetic data live.

Each `Scenario` names a dense area, the situation planted there (`Plant`: its fixed population, trends,
an effect built up over `RAMP`, a closing anchor employer, …) and the stage it must get under the default
rules in its quarter (domain.md §5). `tests/test_demo.py` and `tests/test_scenarios.py` check those stages;
the README's scenario table describes the same list.

For measuring early warnings (`helpers.demo.backtest`) each scenario also has a `kind` (`KINDS`), an
`onset` month and a crisis `window` (the months in which an alert counts as a true detection); areas that
must never alarm (stable, seasonal-only, too small) have neither.

The scenarios added for the backtest (`Plant.own_stream`) are simulated apart from the main world, with
their own random numbers (`helpers.demo.plants`), so that adding them left every number of the earlier
scenarios and of the other areas as it was. Their shapes are set relative to `onset`: a drop reached over
`drop_months`, an optional way back, a wage cut, or a seasonal pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RAMP = ("2025-10", "2026-06")  # planted effects build up over these months (2025Q3 untouched, 2026Q3 full)
WINDOW_END = "2026-12"  # a crisis that lasts counts alerts up to here (the 2026Q3 stage is raised in 2026-10)

KINDS: dict[str, str] = {  # kind → Korean label (backtest tables, README)
    "sharp_decline": "급격한 감소",
    "gradual_decline": "완만한 감소",
    "employer_closure": "대형 사업장 폐업",
    "payroll_decline": "급여만 감소",
    "decline_recovery": "감소 후 회복",
    "relative_decline": "시도 대비 상대적 감소",
    "stable": "안정",
    "seasonal": "계절 변동만",
    "too_small": "소규모(판단유보)",
}
CRISIS_KINDS = ("sharp_decline", "gradual_decline", "employer_closure", "payroll_decline", "decline_recovery",
                "relative_decline")


@dataclass(frozen=True)
class Plant:
    """How a scenario is planted (all rates are fractions; trends are per year, effects over `RAMP`)."""

    workplaces: int | None = None          # fixed number of workplaces in the area (independent of scale)
    employees_trend: float | None = None   # yearly employee trend of the area (else a random steady one)
    workplaces_trend: float | None = None
    employees_effect: float = 0.0          # extra change built up over RAMP, e.g. -0.21
    workplaces_effect: float = 0.0
    wage_extra: float = 0.0                # extra July wage revision of the area's workplaces
    max_members: int | None = None         # cap on member sizes of the fixed population
    anchor_members: int = 0                # one large employer outside the area's steering
    anchor_closes: str | None = None       # month (YYYY-MM) in which the anchor withdraws
    anchor_industry: str = "154901"
    anchor_name: str = "(주)지평선푸드"
    frozen: bool = False                   # no openings, closures or steering at all
    province_trend: float | None = None    # yearly employee trend of the rest of the province
    province_ratio: float = 0.0            # rest of province has at least this many times the area's employees
    # -- the backtest's scenarios (simulated apart, `helpers.demo.plants`; months count from the onset) --
    own_stream: bool = False               # simulated with its own random numbers, apart from the main world
    drop_employees: float = 0.0            # change of employees reached `drop_months` after the onset, e.g. -0.22
    drop_workplaces: float = 0.0
    drop_months: int = 1                   # the onset month carries 1/drop_months of the drop
    recover_after: int | None = None       # months after the onset when the way back (to the old path) starts
    recover_months: int = 3
    wage_cut: float = 0.0                  # standard incomes fall by this share over drop_months (members hold)
    seasonal: tuple[float, ...] | None = None  # employees factor of each calendar month, January first


@dataclass(frozen=True)
class Scenario:
    """A planted situation with the stage it must get in `quarter` under the default rules (domain.md §5),
    its `kind` (`KINDS`), and for a crisis its `onset` month and `window` (first, last month, YYYY-MM) in
    which an alert is a true detection; `None` for areas that must never alarm."""

    area_id: str
    title_ko: str
    description_ko: str
    expected_stage: str
    quarter: str = "2026Q3"
    plant: Plant = field(default_factory=Plant)
    kind: str = "stable"
    onset: str | None = None
    window: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.area_id}: unknown kind {self.kind!r}")
        crisis = self.kind in CRISIS_KINDS
        if crisis != (self.onset is not None) or crisis != (self.window is not None):
            raise ValueError(f"{self.area_id}: a crisis has an onset and a window, other kinds neither")
        if self.window and not (self.window[0] <= self.onset <= self.window[1]):
            raise ValueError(f"{self.area_id}: the onset {self.onset} lies outside the window {self.window}")


_RAMP_WINDOW = (RAMP[0], WINDOW_END)
# A January dip and a summer peak every year (employees factor of each calendar month, January first).
SEASON_TOURISM = (0.90, 0.93, 0.97, 1.00, 1.03, 1.06, 1.10, 1.10, 1.04, 1.01, 0.99, 0.96)
SEASON_HARVEST = (0.91, 0.94, 0.99, 1.02, 1.03, 1.04, 1.07, 1.08, 1.05, 1.02, 0.98, 0.95)

SCENARIOS: list[Scenario] = [
    Scenario("48-003", "옥포국가산업단지 — 조선업 구조조정",
             "조선 협력업체 중심으로 1년 새 종사자 약 20%, 사업장 약 8% 감소(2025년 10월부터 점진). "
             "종사자·총급여가 모두 −10% 이하라 심각.", "심각",
             plant=Plant(workplaces=120, employees_trend=0.01, workplaces_trend=0.0,
                         employees_effect=-0.21, workplaces_effect=-0.08, max_members=400),
             kind="gradual_decline", onset=RAMP[0], window=_RAMP_WINDOW),
    Scenario("52-004", "김제지평선일반산업단지 — 대형 사업장 폐업",
             "가입자 약 350명인 식품 제조 사업장 1곳이 2026년 2월 탈퇴(폐업). 작은 단지라 종사자·총급여가 "
             "절반 가까이 줄어 심각.", "심각",
             plant=Plant(workplaces=20, employees_trend=0.01, workplaces_trend=0.0, max_members=40,
                         anchor_members=350, anchor_closes="2026-02"),
             kind="employer_closure", onset="2026-02", window=("2026-02", WINDOW_END)),
    Scenario("12-001", "여수국가산업단지 — 석유화학 감원",
             "사업장 수는 그대로인데 종사자 약 −13%(임금 인상으로 총급여 감소는 −10% 미만). 종사자 −10% 이하이면서 "
             "전남광주 전체 대비 격차 −10%p 이하라 심각(격차 규칙).", "심각",
             plant=Plant(workplaces=25, employees_trend=0.0, workplaces_trend=0.0, employees_effect=-0.13,
                         wage_extra=0.06, max_members=80, province_trend=0.02, province_ratio=15),
             kind="gradual_decline", onset=RAMP[0], window=_RAMP_WINDOW),
    # The trend runs from the first month of the series (2024-07 in the default demo): no onset inside it.
    Scenario("36-001", "명학일반산업단지 — 시도는 성장, 단지는 감소",
             "세종 전체 종사자가 약 8% 느는 동안 단지는 −3.5%. 감소 폭은 작지만 시도 대비 격차가 −5%p 이하라 주의.",
             "주의",
             plant=Plant(workplaces=15, employees_trend=-0.035, workplaces_trend=0.0, max_members=30,
                         province_trend=0.08, province_ratio=15),
             kind="relative_decline", onset="2024-07", window=("2024-07", WINDOW_END)),
    Scenario("28-002", "부평국가산업단지 — 완만한 고용 감소",
             "종사자 −6.5%, 사업장 수·총급여 감소는 −5% 미만이라 주의.", "주의",
             plant=Plant(workplaces=60, employees_trend=0.0, workplaces_trend=0.0, employees_effect=-0.065,
                         max_members=200),
             kind="gradual_decline", onset=RAMP[0], window=_RAMP_WINDOW),
    Scenario("41-001", "반월국가산업단지 — 안정", "종사자 약 +2%, 사업장 약 +1%로 안정이라 양호.", "양호",
             plant=Plant(employees_trend=0.02, workplaces_trend=0.01)),
    Scenario("27-001", "성서일반산업단지 — 안정", "종사자 약 +1.5%, 사업장 약 +0.5%로 안정이라 양호.", "양호",
             plant=Plant(employees_trend=0.015, workplaces_trend=0.005)),
    Scenario("43-001", "오창과학산업단지 — 성장", "종사자 약 +6%, 사업장 약 +4% 성장이라 양호.", "양호",
             plant=Plant(employees_trend=0.06, workplaces_trend=0.04)),
    Scenario("51-004", "임계 농공단지(예시) — 판단유보",
             "사업장 3곳(종사자 20명 안팎)뿐이라 전년 동기 사업장 수가 5 미만 → 판단유보.", "판단유보",
             plant=Plant(workplaces=3, frozen=True, max_members=9), kind="too_small"),
    # -- added for the backtest of early warnings (own random numbers: the ones above are unchanged) --
    Scenario("44-002", "석문국가산업단지 — 급격한 감소",
             "2026년 4월부터 두 달 만에 종사자 약 22%, 사업장 약 6% 감소. 2026년 2분기부터 종사자·총급여가 "
             "−10% 이하라 심각.", "심각",
             plant=Plant(workplaces=80, employees_trend=0.01, workplaces_trend=0.0, max_members=300,
                         own_stream=True, drop_employees=-0.22, drop_workplaces=-0.06, drop_months=2),
             kind="sharp_decline", onset="2026-04", window=("2026-04", WINDOW_END)),
    Scenario("30-001", "대전일반산업단지 — 완만한 감소(2026년)",
             "2026년 1월부터 6개월에 걸쳐 종사자 약 8.5% 감소(달마다 약 1.4%). 종사자가 −5% 이하(−10% 초과)라 주의.",
             "주의",
             plant=Plant(workplaces=60, employees_trend=0.0, workplaces_trend=0.0, max_members=200,
                         own_stream=True, drop_employees=-0.085, drop_months=6),
             kind="gradual_decline", onset="2026-01", window=("2026-01", WINDOW_END)),
    Scenario("47-003", "경산일반산업단지 — 급여만 감소",
             "가입자 수는 그대로인데 2026년 3월부터 석 달에 걸쳐 기준소득월액이 약 12% 낮아짐(단시간 전환·임금 삭감). "
             "총급여만 −5% 이하라 주의.", "주의",
             plant=Plant(workplaces=50, employees_trend=0.01, workplaces_trend=0.0, max_members=150,
                         own_stream=True, wage_cut=0.12, drop_months=3),
             kind="payroll_decline", onset="2026-03", window=("2026-03", WINDOW_END)),
    Scenario("43-002", "청주일반산업단지 — 감소 후 회복",
             "2026년 1~3월 종사자 약 15% 감소(일시 휴업), 5~7월에 원래 수준으로 회복. 2026년 1·2분기는 주의 수준이나 "
             "3분기는 회복해 양호. 위기 구간은 2026년 1~8월.", "양호",
             plant=Plant(workplaces=60, employees_trend=0.015, workplaces_trend=0.0, max_members=200,
                         own_stream=True, drop_employees=-0.15, drop_months=3, recover_after=4, recover_months=3),
             kind="decline_recovery", onset="2026-01", window=("2026-01", "2026-08")),
    Scenario("50-002", "구좌 용암해수 일반산업단지(예시) — 계절 변동만",
             "해마다 1월에 종사자가 약 10% 줄고 7~8월에 약 10% 느는 관광·음료 계절 변동뿐, 위기 없음(추세 +1%). "
             "전년 동기 비교라 양호. 조기경보도 울리면 안 됨.", "양호",
             plant=Plant(workplaces=40, employees_trend=0.01, workplaces_trend=0.0, max_members=120,
                         own_stream=True, seasonal=SEASON_TOURISM),
             kind="seasonal"),
    Scenario("44-004", "연무 농공단지(예시) — 계절 변동만",
             "수확·가공철(7~9월)에 종사자가 늘고 1월에 약 9% 줄어드는 농식품 계절 변동뿐, 위기 없음(추세 +1%). "
             "양호. 조기경보도 울리면 안 됨.", "양호",
             plant=Plant(workplaces=40, employees_trend=0.01, workplaces_trend=0.0, max_members=120,
                         own_stream=True, seasonal=SEASON_HARVEST),
             kind="seasonal"),
]


def planted_expectations() -> dict[str, str]:
    """area_id → the stage each planted scenario must get (in its `quarter`, 2026Q3)."""
    return {s.area_id: s.expected_stage for s in SCENARIOS}


def own_stream_scenarios(area_ids) -> list[Scenario]:
    """The scenarios simulated apart from the main world (`Plant.own_stream`) whose area is in `area_ids`."""
    ids = set(area_ids)
    return [s for s in SCENARIOS if s.plant.own_stream and s.area_id in ids]
