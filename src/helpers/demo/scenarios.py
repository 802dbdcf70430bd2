"""The planted scenarios: the one place where the known answers of the synthetic data live.

Each `Scenario` names a dense area, the situation planted there (`Plant`: its fixed population, trends,
an effect built up over `RAMP`, a closing anchor employer, …) and the stage it must get under the default
rules in its quarter (domain.md §5). `tests/test_demo.py` and `tests/test_scenarios.py` check those stages;
the README's scenario table describes the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RAMP = ("2025-10", "2026-06")  # planted effects build up over these months (2025Q3 untouched, 2026Q3 full)


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


@dataclass(frozen=True)
class Scenario:
    """A planted situation with the stage it must get in `quarter` under the default rules (domain.md §5)."""

    area_id: str
    title_ko: str
    description_ko: str
    expected_stage: str
    quarter: str = "2026Q3"
    plant: Plant = field(default_factory=Plant)


SCENARIOS: list[Scenario] = [
    Scenario("48-003", "옥포국가산업단지 — 조선업 구조조정",
             "조선 협력업체 중심으로 1년 새 종사자 약 20%, 사업장 약 8% 감소(2025년 10월부터 점진). "
             "종사자·총급여가 모두 −10% 이하라 심각.", "심각",
             plant=Plant(workplaces=120, employees_trend=0.01, workplaces_trend=0.0,
                         employees_effect=-0.21, workplaces_effect=-0.08, max_members=400)),
    Scenario("52-004", "김제지평선일반산업단지 — 대형 사업장 폐업",
             "가입자 약 350명인 식품 제조 사업장 1곳이 2026년 2월 탈퇴(폐업). 작은 단지라 종사자·총급여가 "
             "절반 가까이 줄어 심각.", "심각",
             plant=Plant(workplaces=20, employees_trend=0.01, workplaces_trend=0.0, max_members=40,
                         anchor_members=350, anchor_closes="2026-02")),
    Scenario("12-001", "여수국가산업단지 — 석유화학 감원",
             "사업장 수는 그대로인데 종사자 약 −13%(임금 인상으로 총급여 감소는 −10% 미만). 종사자 −10% 이하이면서 "
             "전남광주 전체 대비 격차 −10%p 이하라 심각(격차 규칙).", "심각",
             plant=Plant(workplaces=25, employees_trend=0.0, workplaces_trend=0.0, employees_effect=-0.13,
                         wage_extra=0.06, max_members=80, province_trend=0.02, province_ratio=15)),
    Scenario("36-001", "명학일반산업단지 — 시도는 성장, 단지는 감소",
             "세종 전체 종사자가 약 8% 느는 동안 단지는 −3.5%. 감소 폭은 작지만 시도 대비 격차가 −5%p 이하라 주의.",
             "주의",
             plant=Plant(workplaces=15, employees_trend=-0.035, workplaces_trend=0.0, max_members=30,
                         province_trend=0.08, province_ratio=15)),
    Scenario("28-002", "부평국가산업단지 — 완만한 고용 감소",
             "종사자 −6.5%, 사업장 수·총급여 감소는 −5% 미만이라 주의.", "주의",
             plant=Plant(workplaces=60, employees_trend=0.0, workplaces_trend=0.0, employees_effect=-0.065,
                         max_members=200)),
    Scenario("41-001", "반월국가산업단지 — 안정", "종사자 약 +2%, 사업장 약 +1%로 안정이라 양호.", "양호",
             plant=Plant(employees_trend=0.02, workplaces_trend=0.01)),
    Scenario("27-001", "성서일반산업단지 — 안정", "종사자 약 +1.5%, 사업장 약 +0.5%로 안정이라 양호.", "양호",
             plant=Plant(employees_trend=0.015, workplaces_trend=0.005)),
    Scenario("43-001", "오창과학산업단지 — 성장", "종사자 약 +6%, 사업장 약 +4% 성장이라 양호.", "양호",
             plant=Plant(employees_trend=0.06, workplaces_trend=0.04)),
    Scenario("51-004", "임계 농공단지(예시) — 판단유보",
             "사업장 3곳(종사자 20명 안팎)뿐이라 전년 동기 사업장 수가 5 미만 → 판단유보.", "판단유보",
             plant=Plant(workplaces=3, frozen=True, max_members=9)),
]


def planted_expectations() -> dict[str, str]:
    """area_id → the stage each planted scenario must get (in its `quarter`, 2026Q3)."""
    return {s.area_id: s.expected_stage for s in SCENARIOS}
