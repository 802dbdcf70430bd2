"""The simulation: every workplace ever created and its life month by month.

`World.initial_population` sets up the first month (workplaces founded before the series, anchors, earlier
withdrawals, planted names); `World.step(t)` moves to month `t`: withdrawals, re-registrations and openings
steer each group's workplaces to its target (`groups.Groups.target`), hires and separations its employees;
July revises wages; every month ends with the contribution bill. All draws come from one generator in a
fixed order, so the same seed and arguments give the same world.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.demo.groups import Groups, Mix
from helpers.demo.places import Places
from helpers.demo.tables import (
    CORP_FORMS,
    INDUSTRIES,
    NAME_SUFFIX,
    STEMS,
    TAG_CORP,
    TAG_MU,
    TAG_NAMES,
    TAG_OF_IND,
    TAG_SIGMA,
    TAG_WAGE,
    TAX_OFFICE,
)
from helpers.errors import UserError
from helpers.params import load_params
from helpers.pension import PensionSchedule
from helpers.periods import add_months, month_index

NEVER = 10_000  # a month offset beyond any series: not renamed, not planned to close


def _schedule() -> PensionSchedule:
    """The contribution rates and earnings-base limits of params (the ones the analysis divides by)."""
    return PensionSchedule.from_params(load_params())


def _cap(month: str) -> int:
    """Upper limit of the standard monthly income (기준소득월액 상한) in force in `month` (params)."""
    lim = _schedule().limits_for(month)
    if lim is None:
        raise UserError(f"{month} 월의 기준소득월액 상한이 params 의 payroll.income_limits 에 없습니다.")
    return lim.cap_krw


@dataclass
class _MonthStart:
    """The workplaces as the previous month left them (rows that exist before this month's openings)."""

    n: int
    members: np.ndarray    # 가입자수 of the previous month
    active: np.ndarray     # status 1 in the previous month
    steered: np.ndarray    # follows its group's target (not an anchor, not in a frozen area)


class World:
    """All workplaces ever created, as column arrays in `cols` (one row per workplace, appended as they open).

    Columns: `group`, `place` (row of `Places`), `ind` (row of `INDUSTRIES`), `form` (1 corporation, 2
    individual), `members`, `wage` (standard monthly income), `status` (1 active, 2 withdrawn), `bizno`,
    `name` and `name2` (the name from `rename_t` on), `applied`/`rereg`/`withdrawn` dates, `born_t` (-1 before
    the series), `fresh_t` (month whose 적용일자/재등록일자 it carries: no contribution then), `fixed` (outside
    the steering), `close_t` (planned or actual withdrawal month, -1 before the series), `gained`/`lost` (the
    month's flows), `special` (planted names, never corrupted or renamed), `contrib` (당월고지금액).
    Months are offsets `t` into `months`.
    """

    def __init__(self, ref: pd.DataFrame, places: Places, n: int, months: list[str], seed: int,
                 mix: Mix | None = None):
        self.ref, self.pl, self.months = ref, places, months
        self.rng = np.random.default_rng(seed)
        self.groups = Groups(ref, places, n, self.rng, mix)
        self.cols: dict[str, np.ndarray] = {}
        self.keys: set[tuple[str, str, str]] = set()

    # -- the first month --------------------------------------------------------------------------
    def initial_population(self) -> None:
        """The workplaces of the first month, with the flows and contributions of that month."""
        self._found_workplaces()
        self._grow_provinces_beside_gap_scenarios()
        self._add_anchor_employers()
        self._plant_names()
        self._add_earlier_withdrawals()
        self._withdraw_anchors_closed_before_start()
        self._schedule_name_changes()
        fresh = self._open_some_in_first_month()
        self._first_month_flows(fresh)
        self._bill_contributions(0, np.ones(len(self.cols["group"]), dtype=bool))
        self._start_target_paths()

    def _found_workplaces(self) -> None:
        """Each group's `size0` workplaces, founded before the series, in an internal (not group) order."""
        group = np.repeat(np.arange(self.groups.G), self.groups.size0)
        w = self._new(group, 0, initial=True)
        self._fit_scenario_populations(w)
        self._enlarge_national_complex_employers(w)
        perm = self.rng.permutation(len(group))
        self._append({k: v[perm] for k, v in w.items()})

    def _fit_scenario_populations(self, w: dict[str, np.ndarray]) -> None:
        """Fixed-population scenario areas: cap member sizes; frozen areas stay out of the steering."""
        for aid, sc in self.groups.scen.items():
            sel = w["group"] == self.groups.index_of(aid)
            if sc.plant.max_members:
                w["members"][sel] = np.minimum(w["members"][sel], sc.plant.max_members)
            if sc.plant.frozen:
                w["fixed"][sel] = True
                w["members"][sel] = np.clip(w["members"][sel], 4, sc.plant.max_members or 9)

    def _enlarge_national_complex_employers(self, w: dict[str, np.ndarray]) -> None:
        """One large employer (300–3,000) in each national complex, not in fixed-population scenario areas."""
        scen = self.groups.scen
        for a, (aid, kind) in enumerate(zip(self.ref["area_id"], self.ref["area_type"])):
            if kind != "국가산업단지":
                continue
            sel = np.flatnonzero(w["group"] == a)
            if len(sel) and not (aid in scen and scen[aid].plant.workplaces):
                i = sel[np.argmax(w["members"][sel])]
                w["members"][i] = max(w["members"][i], int(np.exp(self.rng.uniform(np.log(300), np.log(3000)))))

    def _grow_provinces_beside_gap_scenarios(self) -> None:
        """Add workplaces to the rest of a gap scenario's province until it has `province_ratio` times the
        area's employees (the province must dominate the comparison)."""
        c = self.cols
        for aid, sc in self.groups.scen.items():
            if not sc.plant.province_ratio:
                continue
            a = self.groups.index_of(aid)
            k = self.groups.province_of(a)
            e_area = c["members"][c["group"] == a].sum()
            for _ in range(20):
                e_out = c["members"][c["group"] == k].sum()
                need = sc.plant.province_ratio * e_area - e_out
                if need <= 0:
                    break
                mean = max(1.0, e_out / max(1, (c["group"] == k).sum()))
                self._append(self._new(np.full(int(need / mean) + 1, k), 0, initial=True))

    def _add_anchor_employers(self) -> None:
        """The scenarios' anchors: one large employer outside the steering, withdrawing in `anchor_closes`."""
        for aid, sc in self.groups.scen.items():
            p = sc.plant
            if not p.anchor_members:
                continue
            w = self._new(np.array([self.groups.index_of(aid)]), 0, initial=True, fixed=True)
            w["members"][:] = p.anchor_members
            w["ind"][:] = [c0 for c0, _, _ in INDUSTRIES].index(p.anchor_industry)
            w["form"][:] = 1
            w["wage"][:] = 3.4e6
            w["name"][:] = w["name2"][:] = [p.anchor_name]
            w["close_t"][:] = month_index(p.anchor_closes) - month_index(self.months[0]) if p.anchor_closes else NEVER
            self.keys.add((w["bizno"][0], p.anchor_name, self.pl.code10[w["place"][0]]))
            self._append(w)

    def _plant_names(self) -> None:
        """Names with commas and doubled quotes, and one HTML-looking name."""
        rng, c = self.rng, self.cols
        cand = np.flatnonzero((c["status"] == 1) & ~c["fixed"])
        n = max(4, len(cand) // 700)
        pick = rng.choice(cand, size=n + 1, replace=False)
        odd = ['(유){}"{}밥상 다잡수소!"', '{}정밀, {}기공 공동사업', '주식회사 "{}" {}', '{} "{}" 식당',
               '(주){}, "{}" 지점']
        for j, i in enumerate(pick[:-1]):
            a, b = STEMS[(i + j) % len(STEMS)], STEMS[(3 * i + 7) % len(STEMS)]
            nm = odd[j % len(odd)].format(a, b)
            if j == 0:
                nm = '(유)케이비에이치"한솥밥상 다잡수소!"'
            self._rename_special(i, nm)
        self._rename_special(pick[-1], "<script>alert(1)</script>")

    def _rename_special(self, i: int, name: str) -> None:
        c = self.cols
        c["name"][i] = c["name2"][i] = name
        c["special"][i] = True
        self.keys.add((c["bizno"][i], name, self.pl.code10[c["place"][i]]))

    def _add_earlier_withdrawals(self) -> None:
        """About 7 % extra rows outside the areas, withdrawn before the first month (they stay in every file)."""
        rng, G, A = self.rng, self.groups.G, self.groups.A
        n_pre = max(5, int(0.07 * len(self.cols["group"])))
        w = self._new(rng.choice(np.arange(A, G), n_pre), 0, initial=True)
        w["status"][:] = 2
        w["members"][:] = 0
        start = pd.Timestamp(self.months[0] + "-01")
        ap = pd.to_datetime(pd.Series(w["applied"]))
        span = (start - ap).dt.days.clip(lower=2).to_numpy()
        wd = ap + pd.to_timedelta((rng.random(n_pre) * (span - 1)).astype(int) + 1, unit="D")
        w["withdrawn"] = wd.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        w["close_t"][:] = -1
        self._append(w)

    def _withdraw_anchors_closed_before_start(self) -> None:
        """Anchors whose closing month is not after the first month start as withdrawn rows (탈퇴일자 the 14th
        of that month)."""
        c = self.cols
        for i in np.flatnonzero((c["close_t"] <= 0) & (c["status"] == 1)):
            month = self.months[0] if c["close_t"][i] == 0 else add_months(self.months[0], int(c["close_t"][i]))
            c["status"][i], c["members"][i], c["close_t"][i] = 2, 0, -1
            c["withdrawn"][i] = f"{month}-14"

    def _schedule_name_changes(self) -> None:
        """A few workplaces (not fixed or special) change their 사업장명 in a random later month."""
        rng, c, T = self.rng, self.cols, len(self.months)
        if T <= 1:
            return
        cand = np.flatnonzero((c["status"] == 1) & ~c["fixed"] & ~c["special"])
        pick = rng.choice(cand, size=max(3, len(cand) // 300), replace=False)
        c["rename_t"][pick] = rng.integers(1, T, len(pick))
        for i in pick:
            old = c["name"][i]
            base = re.sub(r"^\(주\)|^\(유\)|^주식회사 |\(주\)$| 주식회사$", "", old)
            new = f"{base}(주)" if old.startswith("(주)") else (f"(주){base}" if c["form"][i] == 1
                                                                else f"{base} {STEMS[i % len(STEMS)]}점")
            c["name2"][i] = new
            self.keys.add((c["bizno"][i], new, self.pl.code10[c["place"][i]]))

    def _open_some_in_first_month(self) -> np.ndarray:
        """A few small workplaces open in the first month itself (적용일자 in it, no contribution yet)."""
        c = self.cols
        cand = np.flatnonzero((c["status"] == 1) & ~c["fixed"] & ~c["special"] & (c["members"] <= 5))
        fresh = self.rng.choice(cand, size=min(len(cand), max(2, len(cand) // 150)), replace=False)
        c["fresh_t"][fresh] = 0
        c["applied"][fresh] = self._date_in(0, len(fresh))
        return fresh

    def _first_month_flows(self, fresh: np.ndarray) -> None:
        """Members of the first month came from an unseen previous month; the fresh ones all joined now."""
        rng, c = self.rng, self.cols
        m = c["members"]
        act = c["status"] == 1
        c["gained"] = np.where(act, rng.binomial(m, 0.015), 0)
        c["lost"] = np.where(act, np.minimum(rng.binomial(m, 0.015), m + c["gained"]), 0)
        c["gained"][fresh], c["lost"][fresh] = m[fresh], 0

    def _start_target_paths(self) -> None:
        """Targets are relative to the first month's steered workplaces and their employees."""
        c, G = self.cols, self.groups.G
        steer = (c["status"] == 1) & ~c["fixed"]
        self.groups.start_paths(np.bincount(c["group"][steer], minlength=G).astype(float),
                                np.bincount(c["group"][steer], weights=c["members"][steer], minlength=G))

    # -- one month --------------------------------------------------------------------------------
    def step(self, t: int) -> None:
        """Move to month `t`."""
        start = self._month_start()
        target_w, target_e = self._targets(t)
        close = self._choose_withdrawals(t, start, target_w)
        rereg = self._choose_reregistrations(t, start)
        opens = self._count_openings(start, close, rereg, target_w)
        self._reset_flows()
        self._withdraw(t, close, start.members)
        self._reregister(t, rereg)
        self._open_workplaces(t, opens)
        cont = self._continuing(start, close)
        self._hire_and_separate(cont, start, target_e)
        if self.months[t].endswith("-07"):
            self._revise_wages()
        self._planned_wage_changes(t)
        self._bill_contributions(t, cont)

    def _targets(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Target workplaces and employees of every group in month `t`."""
        return self.groups.target(self.months[t], self.months[0], self.rng)

    def _planned_wage_changes(self, t: int) -> None:
        """Wage changes planted outside July (none in the main world; see `demo.plants`)."""

    def _month_start(self) -> _MonthStart:
        c = self.cols
        return _MonthStart(n=len(c["group"]), members=c["members"].copy(), active=c["status"] == 1,
                           steered=~c["fixed"] & ~self.groups.frozen[c["group"]])

    def _choose_withdrawals(self, t: int, s: _MonthStart, target_w: np.ndarray) -> np.ndarray:
        """Planned ones (anchors), random ones (small workplaces more likely), and more where the number of
        workplaces is above a falling target."""
        c = self.cols
        hazard = 0.0065 * np.select([s.members <= 4, s.members <= 9, s.members <= 49, s.members <= 299],
                                    [1.4, 1.0, 0.5, 0.15], 0.02)
        close = s.active & (c["close_t"] == t)
        close |= s.active & s.steered & ~c["special"] & (self.rng.random(s.n) < hazard)
        w_after = np.bincount(c["group"][s.active & s.steered & ~close], minlength=self.groups.G)
        excess = np.round(w_after - target_w).astype(int)
        over = np.flatnonzero(excess > 0)
        if len(over):
            # candidates of every group at once, each group's in row order (one pass, not one per group)
            idx = np.flatnonzero(s.active & s.steered & ~close & ~c["special"] & (s.members < 50))
            idx = idx[np.argsort(c["group"][idx], kind="stable")]
            lo = np.searchsorted(c["group"][idx], over, side="left")
            hi = np.searchsorted(c["group"][idx], over, side="right")
            for g, i, j in zip(over, lo, hi):
                if j > i:
                    close[self.rng.choice(idx[i:j], size=min(excess[g], j - i), replace=False)] = True
        return close

    def _choose_reregistrations(self, t: int, s: _MonthStart) -> np.ndarray:
        """A few earlier withdrawals register again."""
        c = self.cols
        return ~s.active & s.steered & (c["close_t"] < t) & (self.rng.random(s.n) < 0.002)

    def _count_openings(self, s: _MonthStart, close: np.ndarray, rereg: np.ndarray,
                        target_w: np.ndarray) -> np.ndarray:
        """Openings per group fill up to the workplace target (none in frozen areas)."""
        c = self.cols
        w_now = np.bincount(c["group"][(s.active & s.steered & ~close) | rereg], minlength=self.groups.G)
        opens = np.maximum(0, np.round(target_w - w_now)).astype(int)
        opens[self.groups.frozen] = 0
        return opens

    def _reset_flows(self) -> None:
        self.cols["gained"][:] = 0
        self.cols["lost"][:] = 0

    def _withdraw(self, t: int, close: np.ndarray, prev_members: np.ndarray) -> None:
        """Status 2 with 탈퇴일자 in month `t`; every member is lost."""
        c = self.cols
        c["status"][close] = 2
        c["withdrawn"][close] = self._date_in(t, int(close.sum()))
        c["close_t"][close] = t
        c["lost"][close] = prev_members[close]
        c["members"][close] = 0

    def _reregister(self, t: int, rereg: np.ndarray) -> None:
        """Status 1 again with 재등록일자 in month `t` and a few new members (no contribution this month)."""
        c = self.cols
        c["status"][rereg] = 1
        c["rereg"][rereg] = self._date_in(t, int(rereg.sum()))
        c["withdrawn"][rereg] = ""
        c["fresh_t"][rereg] = t
        c["members"][rereg] = 1 + self.rng.poisson(2.0, int(rereg.sum()))
        c["gained"][rereg] = c["members"][rereg]

    def _open_workplaces(self, t: int, opens: np.ndarray) -> None:
        """`opens[g]` new workplaces in each group, 적용일자 in month `t`; all their members are new."""
        if opens.sum():
            idx = self._append(self._new(np.repeat(np.arange(self.groups.G), opens), t, initial=False))
            self.cols["gained"][idx] = self.cols["members"][idx]

    def _continuing(self, s: _MonthStart, close: np.ndarray) -> np.ndarray:
        """Workplaces active last month and this month."""
        cont = np.zeros(len(self.cols["group"]), dtype=bool)
        cont[:s.n] = s.active & ~close
        return cont

    def _hire_and_separate(self, cont: np.ndarray, s: _MonthStart, target_e: np.ndarray) -> None:
        """Continuing workplaces: random churn, then a net change that steers each group to its employees
        target (new workplaces count towards it with their members)."""
        c = self.cols
        steered = np.concatenate([s.steered, np.ones(len(c["group"]) - s.n, dtype=bool)])
        hires, leavers = self._churn(cont, steered)
        base = np.where(cont, c["members"] + hires - leavers, 0)
        net = self._steer_employment(cont, steered, base, target_e)
        c["gained"][cont] = hires[cont] + np.maximum(net[cont], 0)
        c["lost"][cont] = leavers[cont] + np.maximum(-net[cont], 0)
        c["members"][cont] = base[cont] + net[cont]

    def _churn(self, cont: np.ndarray, steered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """About 1.6 % of members join and 1.6 % leave; anchors and frozen areas keep their size; every
        continuing workplace keeps at least one member."""
        rng, m = self.rng, self.cols["members"]
        hires = np.zeros(len(m), dtype=np.int64)
        leavers = np.zeros(len(m), dtype=np.int64)
        hires[cont] = rng.binomial(m[cont], 0.016)
        leavers[cont] = rng.binomial(m[cont], 0.016)
        fixed_cont = cont & ~steered
        leavers[fixed_cont] = hires[fixed_cont]
        return hires, np.minimum(leavers, m + hires - 1).clip(min=0)

    def _steer_employment(self, cont: np.ndarray, steered: np.ndarray, base: np.ndarray,
                          target_e: np.ndarray) -> np.ndarray:
        """Net change per continuing steered workplace: its group's gap to the target (at most ±30 %), spread
        in proportion to size and rounded at random."""
        c, G = self.cols, self.groups.G
        on = (c["status"] == 1) & steered
        e_now = np.bincount(c["group"][on], weights=np.where(cont, base, c["members"])[on], minlength=G)
        sc = cont & steered
        e_cont = np.bincount(c["group"][sc], weights=base[sc], minlength=G)
        rate = np.clip((target_e - e_now) / np.maximum(e_cont, 1), -0.3, 0.3)
        rate[self.groups.frozen] = 0.0
        x = base * rate[c["group"]]
        net = np.floor(x) + (self.rng.random(len(x)) < (x - np.floor(x)))
        return np.where(sc, np.maximum(net, 1 - base), 0).astype(np.int64)

    def _revise_wages(self) -> None:
        """July: standard incomes of active workplaces rise about 3 % (plus a scenario's `wage_extra`)."""
        c = self.cols
        on = c["status"] == 1
        c["wage"][on] *= 1 + 0.03 + self.groups.wage_x[c["group"][on]] + self.rng.normal(0, 0.01, int(on.sum()))

    def _bill_contributions(self, t: int, mask: np.ndarray) -> None:
        """당월고지금액 of the `mask` rows: that month's rate × min(wage, cap) × members, floored to 10 won;
        zero for other rows and in a workplace's fresh month."""
        c = self.cols
        month = self.months[t]
        capv, rate = _cap(month), _schedule().rate(month)  # the real schedule: 9 % to 2025-12, 9.5 % in 2026, …
        val = np.floor(rate * c["members"] * np.minimum(c["wage"], capv) / 10).astype(np.int64) * 10
        act = mask & (c["status"] == 1) & (c["fresh_t"] != t)
        c["contrib"] = np.where(act, val, 0)

    # -- creating workplaces ----------------------------------------------------------------------
    def _new(self, group: np.ndarray, t: int, *, initial: bool, fixed: bool = False) -> dict[str, np.ndarray]:
        """New rows, one per entry of `group` (the group of each): `initial` ones were founded before the series (older, larger),
        the others open in month `t` (smaller, 적용일자 in `t`)."""
        k = len(group)
        place = self.groups.place_sampler.draw(group, self.rng)
        ind = self.groups.ind_sampler.draw(group, self.rng)
        tag = TAG_OF_IND[ind]
        members = self._draw_members(tag, initial)
        corp = self.rng.random(k) < TAG_CORP[tag]
        wage = self._draw_wages(tag, members)
        bizno = self._business_numbers(self.pl.sido[place], corp)
        names = self._names(tag, corp)
        applied = self._application_dates(t, k, initial)
        out = {
            "group": group.astype(np.int32), "place": place.astype(np.int64), "ind": ind.astype(np.int32),
            "form": np.where(corp, 1, 2).astype(np.int8), "members": members, "wage": wage,
            "status": np.ones(k, dtype=np.int8), "bizno": bizno, "name": names, "name2": names.copy(),
            "rename_t": np.full(k, NEVER, dtype=np.int32), "applied": applied,
            "rereg": np.full(k, "", dtype=object), "withdrawn": np.full(k, "", dtype=object),
            "born_t": np.full(k, -1 if initial else t, dtype=np.int32),
            "fresh_t": np.full(k, -1 if initial else t, dtype=np.int32),
            "fixed": np.full(k, fixed), "close_t": np.full(k, NEVER, dtype=np.int32),
            "gained": np.zeros(k, dtype=np.int64), "lost": np.zeros(k, dtype=np.int64),
            "special": np.zeros(k, dtype=bool),
        }
        self._unique_keys(out)
        return out

    def _draw_members(self, tag: np.ndarray, initial: bool) -> np.ndarray:
        """Heavy-tailed sizes by industry tag (lognormal, at most 8,000); openings are smaller."""
        mu, sigma = TAG_MU[tag], TAG_SIGMA[tag]
        if not initial:
            mu, sigma = mu - 1.2, sigma * 0.7
        members = 1 + np.floor(np.exp(self.rng.normal(mu, sigma))).astype(np.int64)
        return np.minimum(members, 8000)

    def _draw_wages(self, tag: np.ndarray, members: np.ndarray) -> np.ndarray:
        """Standard monthly income: the tag's mean, spread, a little higher in larger workplaces."""
        wage = TAG_WAGE[tag] * np.exp(self.rng.normal(0, 0.22, len(tag))) * (1 + 0.06 * np.log10(members))
        return np.maximum(wage, 1.1e6)

    def _business_numbers(self, sido: np.ndarray, corp: np.ndarray) -> np.ndarray:
        """사업자등록번호 first 6 digits: tax office of the province (3) + type (2) + first serial digit (1)."""
        rng, k = self.rng, len(sido)
        office = np.array([TAX_OFFICE[s][0] for s in sido]) + (
            rng.random(k) * np.array([TAX_OFFICE[s][1] - TAX_OFFICE[s][0] + 1 for s in sido])).astype(int)
        btype = np.where(corp, rng.choice([81, 86, 87, 85], k, p=[0.6, 0.2, 0.1, 0.1]), rng.integers(1, 80, k))
        return np.char.add(np.char.add(office.astype(str), np.char.zfill(btype.astype(str), 2)),
                           rng.integers(0, 10, k).astype(str)).astype(object)

    def _names(self, tag: np.ndarray, corp: np.ndarray) -> np.ndarray:
        """Stem + a suffix of the industry tag, in a corporate form for corporations."""
        rng, k = self.rng, len(tag)
        stems = rng.integers(0, len(STEMS), k)
        sufs = rng.integers(0, 10_000, k)
        forms = rng.integers(0, len(CORP_FORMS), k)
        names = np.empty(k, dtype=object)
        for i in range(k):
            sl = NAME_SUFFIX[TAG_NAMES[tag[i]]]
            base = STEMS[stems[i]] + sl[sufs[i] % len(sl)]
            names[i] = CORP_FORMS[forms[i]].format(base) if corp[i] else base
        return names

    def _application_dates(self, t: int, k: int, initial: bool) -> np.ndarray:
        """적용일자: founded years before the series (exponential ages, not before 1988), or a day of month `t`."""
        start = pd.Timestamp(self.months[t] + "-01")
        if initial:
            years = np.minimum(self.rng.exponential(9.0, k),
                               (start - pd.Timestamp("1988-01-01")).days / 365.25 - 0.01)
            days = (years * 365.25).astype(int) + 1
            return (start - pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d").to_numpy(dtype=object)
        dim = calendar.monthrange(start.year, start.month)[1]
        applied = (start + pd.to_timedelta(self.rng.integers(0, dim, k), unit="D")).strftime("%Y-%m-%d")
        return applied.to_numpy(dtype=object)

    def _unique_keys(self, w: dict[str, np.ndarray]) -> None:
        """Keep (사업자등록번호, 사업장명, 법정동코드) unique so that a workplace can be followed across files."""
        code = self.pl.code10[w["place"]]
        for i in range(len(code)):
            key = (w["bizno"][i], w["name"][i], code[i])
            n = 2
            while key in self.keys:
                w["name"][i] = w["name2"][i] = f"{w['name2'][i].split(' 제')[0]} 제{n}공장"
                key = (w["bizno"][i], w["name"][i], code[i])
                n += 1
            self.keys.add(key)

    def _append(self, w: dict[str, np.ndarray]) -> np.ndarray:
        """Append new rows; columns they do not carry (`contrib`) start at zero. Returns their row numbers."""
        n0 = len(self.cols.get("group", ()))
        if not self.cols:
            self.cols = {k: v.copy() for k, v in w.items()}
        else:
            k_new = len(w["group"])
            for k, v in self.cols.items():
                self.cols[k] = np.concatenate([v, w[k] if k in w else np.zeros(k_new, dtype=v.dtype)])
        return np.arange(n0, n0 + len(w["group"]))

    def _date_in(self, t: int, k: int) -> np.ndarray:
        """`k` random dates (YYYY-MM-DD) of month `t`."""
        y, m = int(self.months[t][:4]), int(self.months[t][5:])
        days = self.rng.integers(1, calendar.monthrange(y, m)[1] + 1, k)
        return np.array([f"{y:04d}-{m:02d}-{d:02d}" for d in days], dtype=object)

    # -- what the world is ------------------------------------------------------------------------
    def names_at(self, t: int) -> np.ndarray:
        """Every workplace's 사업장명 in month `t` (after a name change from `rename_t` on)."""
        c = self.cols
        return np.where(c["rename_t"] <= t, c["name2"], c["name"])

    def tally(self, t: int) -> dict[str, np.ndarray]:
        """The true monthly numbers of every group (area, then rest of province): active workplaces,
        members, the *true* wage bill `P` (members × wage, uncapped, including new workplaces whose first
        contribution is still zero) — what the analysis estimates from the files — and `P_capped`, the
        same with each wage capped at that month's 기준소득월액 상한 (all the contributions can show)."""
        c, G = self.cols, self.groups.G
        act = c["status"] == 1
        g = c["group"][act]
        capped = np.minimum(c["wage"], _cap(self.months[t]))
        return {"W": np.bincount(g, minlength=G),
                "E": np.bincount(g, weights=c["members"][act], minlength=G),
                "P": np.bincount(g, weights=(c["members"] * c["wage"])[act], minlength=G),
                "P_capped": np.bincount(g, weights=(c["members"] * capped)[act], minlength=G)}
