"""The scenarios simulated apart from the main world (`Plant.own_stream`): added for the backtest of early
warnings without changing any number of the main world.

The main world draws every random number in one fixed order; planting a new scenario inside it would shift
every later draw and so every area's numbers. A `PlantWorld` instead simulates the planted areas with the
main world's machinery (places, industries, sizes, churn, steering, billing) but its own generator
(`[seed, 11]`), its own rows and its own target paths (`course`). The main world still simulates its own
rows in those areas, exactly as before; they are left out of the files and of the truth (`keep_mask`), and
the plant rows take their place. Every other area, and the rest of every province, is unchanged.
"""

from __future__ import annotations

import numpy as np

from helpers.demo.scenarios import Scenario, own_stream_scenarios
from helpers.demo.world import World
from helpers.periods import month_index


def drop_share(sc: Scenario, month: str) -> float:
    """How much of the scenario's drop is in place in `month` (0 before the onset, 1 when fully reached;
    back to 0 over `recover_months` from `recover_after` months after the onset)."""
    p = sc.plant
    if sc.onset is None:
        return 0.0
    k = month_index(month) - month_index(sc.onset)
    if k < 0:
        return 0.0
    f = min(1.0, (k + 1) / max(1, p.drop_months))
    if p.recover_after is not None and k >= p.recover_after:
        f *= max(0.0, 1.0 - (k - p.recover_after + 1) / max(1, p.recover_months))
    return f


def course(sc: Scenario, month: str, first_month: str) -> tuple[float, float]:
    """Target workplaces and employees of the scenario's area in `month`, as factors of the first month:
    yearly trends × the drop (and way back) × the seasonal pattern, all relative to `first_month`."""
    p = sc.plant
    yrs = (month_index(month) - month_index(first_month)) / 12

    def shock(drop: float, m: str) -> float:
        return 1.0 + drop * drop_share(sc, m)

    def season(m: str) -> float:
        return p.seasonal[int(m[5:]) - 1] if p.seasonal else 1.0

    fw = (1 + (p.workplaces_trend or 0.0)) ** yrs * shock(p.drop_workplaces, month) / shock(p.drop_workplaces,
                                                                                             first_month)
    fe = ((1 + (p.employees_trend or 0.0)) ** yrs * shock(p.drop_employees, month)
          / shock(p.drop_employees, first_month) * season(month) / season(first_month))
    return fw, fe


class PlantWorld(World):
    """The own-stream scenarios' areas: rows of the main world's shape, simulated with their own generator.

    Shares the main world's reference, places, months and group plan (samplers, sizes), never its
    generator. `planted[g]` marks the groups (areas) it simulates.
    """

    def __init__(self, main: World, scenarios: list[Scenario], seed: int):
        self.ref, self.pl, self.months = main.ref, main.pl, main.months
        self.groups = main.groups
        self.rng = np.random.default_rng([seed, 11])
        self.cols: dict[str, np.ndarray] = {}
        self.keys = set(main.keys)  # unique against the main world's workplaces as well
        self.plants = [(main.groups.index_of(s.area_id), s) for s in scenarios
                       if main.groups.has_places[main.groups.index_of(s.area_id)]]
        self.planted = np.zeros(main.groups.G, dtype=bool)
        self.planted[[a for a, _ in self.plants]] = True

    @classmethod
    def for_world(cls, main: World, seed: int) -> PlantWorld | None:
        """The plant world of the own-stream scenarios whose area is in `main`'s reference (None if none)."""
        scen = own_stream_scenarios(main.ref["area_id"])
        world = cls(main, scen, seed) if scen else None
        return world if world is not None and world.plants else None

    def initial_population(self) -> None:
        """Each planted area's workplaces (its `workplaces`, else the main plan's size), founded before the
        series, with the first month's openings, flows and contributions."""
        groups = np.array([a for a, _ in self.plants])
        sizes = [sc.plant.workplaces or int(self.groups.size0[a]) for a, sc in self.plants]
        w = self._new(np.repeat(groups, sizes), 0, initial=True)
        for a, sc in self.plants:
            if sc.plant.max_members:
                sel = w["group"] == a
                w["members"][sel] = np.minimum(w["members"][sel], sc.plant.max_members)
        self._append(w)
        fresh = self._open_some_in_first_month()
        self._first_month_flows(fresh)
        self._bill_contributions(0, np.ones(len(self.cols["group"]), dtype=bool))
        c, G = self.cols, self.groups.G
        on = c["status"] == 1
        self.W0 = np.bincount(c["group"][on], minlength=G).astype(float)
        self.E0 = np.bincount(c["group"][on], weights=c["members"][on], minlength=G)
        self.wiggle = np.zeros((2, len(self.plants)))

    def _targets(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """`course` of each planted area with a small wiggle; zero elsewhere (no openings there)."""
        G = self.groups.G
        target_w, target_e = np.zeros(G), np.zeros(G)
        self.wiggle = 0.6 * self.wiggle + self.rng.normal(0, 0.002, self.wiggle.shape)
        for j, (a, sc) in enumerate(self.plants):
            fw, fe = course(sc, self.months[t], self.months[0])
            target_w[a] = self.W0[a] * fw * (1 + self.wiggle[0, j])
            target_e[a] = self.E0[a] * fe * (1 + self.wiggle[1, j])
        return target_w, target_e

    def _planned_wage_changes(self, t: int) -> None:
        """A scenario's `wage_cut`: in each of the `drop_months` from its onset, the standard incomes of its
        active workplaces fall by the same factor (members are left alone)."""
        c = self.cols
        for a, sc in self.plants:
            p = sc.plant
            if not p.wage_cut or sc.onset is None:
                continue
            k = month_index(self.months[t]) - month_index(sc.onset)
            if 0 <= k < p.drop_months:
                on = (c["group"] == a) & (c["status"] == 1)
                c["wage"][on] *= (1 - p.wage_cut) ** (1 / p.drop_months)

    # -- together with the main world -------------------------------------------------------------
    def keep_mask(self, main: World) -> np.ndarray:
        """The main world's rows that stay in the files: those outside the planted areas."""
        return ~self.planted[main.cols["group"]]

    def merged_tally(self, main: World, t: int) -> dict[str, np.ndarray]:
        """`main.tally(t)` with the planted areas' numbers taken from this world."""
        tm, tp = main.tally(t), self.tally(t)
        return {k: np.where(self.planted, tp[k], tm[k]) for k in tm}
