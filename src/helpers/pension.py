"""The pension contribution schedule: the rate by month and the earnings-base limits by period.

Estimated payroll is each month's 당월고지금액 divided by *that month's* contribution rate. The rate is
9 % up to 2025-12; the 2025 pension reform raises it by 0.5 pp every January from 2026 until 13 % in
2033. A constant divisor would overstate 2026 payroll by about 5.6 % against 2025 and hide declines.
The standard monthly income (기준소득월액) has a floor and a cap revised every July; contributions are
billed on the capped income, so estimated payroll is a lower bound for high earners.
Both schedules live in `params/default.yaml` (`payroll:`) as data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.errors import UserError

_MONTH = re.compile(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class IncomeLimits:
    first_month: str
    floor_krw: int | None
    cap_krw: int


@dataclass(frozen=True)
class PensionSchedule:
    """Contribution rates `(first month, rate)` and earnings-base limits, each sorted by first month."""

    rates: tuple[tuple[str, float], ...]
    limits: tuple[IncomeLimits, ...] = ()

    @classmethod
    def from_params(cls, params: dict, source: str = "params") -> PensionSchedule:
        """Read and check `payroll.contribution_rates` and `payroll.income_limits` (Korean errors)."""
        pay = params.get("payroll")
        if not isinstance(pay, dict):
            raise UserError(f"{source}: 'payroll' 항목이 없습니다.")
        if "contribution_rate" in pay:
            raise UserError(f"{source}: payroll.contribution_rate(고정 보험료율)는 더 쓰지 않습니다. 보험료율이 해마다 "
                            "바뀌므로 payroll.contribution_rates 에 {from: YYYY-MM, rate: 0.095} 목록으로 적으세요.")
        raw = pay.get("contribution_rates")
        if not isinstance(raw, list) or not raw:
            raise UserError(f"{source}: payroll.contribution_rates 는 {{from: YYYY-MM, rate: 0~1}} 목록이어야 합니다.")
        rates = []
        for i, r in enumerate(raw):
            where = f"{source}: payroll.contribution_rates[{i}]"
            if not isinstance(r, dict) or not _MONTH.fullmatch(str(r.get("from", ""))):
                raise UserError(f"{where}: from 은 YYYY-MM 형식의 시작 월이어야 합니다.")
            rate = r.get("rate")
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < 1:
                raise UserError(f"{where}: rate '{rate}' 는 0과 1 사이의 수여야 합니다 (9% → 0.09).")
            rates.append((str(r["from"]), float(rate)))
        limits = []
        for i, r in enumerate(pay.get("income_limits") or []):
            where = f"{source}: payroll.income_limits[{i}]"
            if not isinstance(r, dict) or not _MONTH.fullmatch(str(r.get("from", ""))):
                raise UserError(f"{where}: from 은 YYYY-MM 형식의 시작 월이어야 합니다.")
            cap, floor = r.get("cap"), r.get("floor")
            if isinstance(cap, bool) or not isinstance(cap, int) or cap <= 0:
                raise UserError(f"{where}: cap(상한, 원)은 양의 정수여야 합니다.")
            if floor is not None and (isinstance(floor, bool) or not isinstance(floor, int) or not 0 < floor < cap):
                raise UserError(f"{where}: floor(하한, 원)는 상한보다 작은 양의 정수이거나 비워 두어야 합니다.")
            limits.append(IncomeLimits(str(r["from"]), floor, cap))
        for name, seq in (("contribution_rates", [m for m, _ in rates]), ("income_limits", [x.first_month for x in limits])):
            if seq != sorted(seq) or len(set(seq)) != len(seq):
                raise UserError(f"{source}: payroll.{name} 은(는) 시작 월 순서대로, 같은 월 없이 적어야 합니다.")
        return cls(tuple(rates), tuple(limits))

    def rate(self, month: str) -> float:
        """The contribution rate (fraction) of a month YYYY-MM; a Korean error before the first entry."""
        best = None
        for first, r in self.rates:
            if first <= month:
                best = r
        if best is None:
            raise UserError(f"{month} 월의 연금보험료율이 params 의 payroll.contribution_rates 에 없습니다 "
                            f"(첫 항목 {self.rates[0][0]}).")
        return best

    def limits_for(self, month: str) -> IncomeLimits | None:
        """The earnings-base floor and cap in force in a month, None when the schedule does not reach back."""
        best = None
        for x in self.limits:
            if x.first_month <= month:
                best = x
        return best

    def describe(self, months: list[str]) -> str:
        """Korean sentence quoting the rate and cap of each given month's period, e.g. for the two quarters
        a brief compares: '2025년 3분기 9.0%·상한 6,370,000원, 2026년 3분기 9.5%·상한 6,590,000원'."""
        parts = []
        for m in months:
            lim = self.limits_for(m)
            cap = f"상한 {lim.cap_krw:,}원" if lim else "상한 미상"
            parts.append(f"{m} {100 * self.rate(m):.1f}%·{cap}")
        return ", ".join(parts)
