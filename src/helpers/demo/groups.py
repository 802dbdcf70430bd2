"""The groups the simulation steers, and the plan of each: where its workplaces sit, which industries they
are in, how many there are at the start and the target path of workplaces and employees they follow.

Groups are the dense areas of the reference (group `a` = row `a`), then the rest of each province
(group `A + k` = the workplaces of `sidos[k]` outside every area). Unplanted groups get a random steady
trend (a few areas a mild decline); the planted `SCENARIOS` set their own (`scenarios.Plant`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import codes
from helpers.demo.places import Places
from helpers.demo.scenarios import RAMP, SCENARIOS, Scenario
from helpers.demo.tables import (
    AREA_SPECIALTY,
    BIG_AREAS,
    DENSE_SHARE,
    IND_WEIGHT,
    INDUSTRIES,
    KNOWLEDGE_TYPES,
    MANUF_TAGS,
    OUTSIDE_MIX,
    PROVINCE_SHARE,
    TAG_NAMES,
    TAG_OF_IND,
    TYPE_WEIGHT,
)
from helpers.periods import month_index


@dataclass(frozen=True)
class Mix:
    """How many workplaces sit in areas, how area sizes spread and where unplanted areas head.

    The default (`Mix()`) is the demo's: `DENSE_SHARE`, sizes by type weight, steady growth with about 12 %
    mild declines, and no extra draws (so its files stay byte-identical). `NATIONAL_MIX` spreads sizes
    (lognormal factor, σ `size_sigma`) and gives unplanted areas a mix like the real one (`national`):
    70 % near flat (−2 … +3 %/yr), 12 % growing (+4 … +10 %/yr), 12 % mild decline (−5.5 … −8.5 % over
    `RAMP`, 주의), 6 % steep decline (−12 … −25 % employees, −6 … −12 % workplaces over `RAMP`, 심각).
    """

    dense_share: float = DENSE_SHARE
    size_sigma: float = 0.0
    national: bool = False


NATIONAL_MIX = Mix(dense_share=0.25, size_sigma=0.8, national=True)


class Sampler:
    """Weighted choice of an item per group, vectorised over many draws (flat cumulative weights)."""

    def __init__(self, group_items: list[np.ndarray], group_weights: list[np.ndarray]):
        self.items = np.concatenate(group_items)
        cums = []
        for g, w in enumerate(group_weights):
            c = np.cumsum(w) / w.sum() if len(w) else np.array([])
            c[-1:] = 1.0
            cums.append(g + c)
        self.cum = np.concatenate(cums)

    def draw(self, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        u = groups + rng.random(len(groups)) * (1 - 1e-12)
        return self.items[np.minimum(np.searchsorted(self.cum, u, side="right"), len(self.items) - 1)]


class Groups:
    """Per group (arrays of length `G`): `sido`, `size0` (workplaces at the start), yearly trends `tr_e`/`tr_w`
    of employees/workplaces, effects `eff_e`/`eff_w` built up over `RAMP`, extra July wage revision `wage_x`,
    `frozen`; and the samplers of a new workplace's place and industry. `scen`: the planted scenarios whose
    area is in the reference."""

    def __init__(self, ref: pd.DataFrame, places: Places, n: int, rng: np.random.Generator, mix: Mix | None = None):
        self.ref = ref
        self.mix = mix or Mix()
        self.A = len(ref)
        self.sidos = sorted(codes.SIDO_NAMES)
        self.G = self.A + len(self.sidos)
        # scenarios simulated apart (`Plant.own_stream`, `demo.plants`) are unplanted here: the main world
        # draws exactly as before they were added, and their areas' rows are replaced at printing
        self.scen: dict[str, Scenario] = {s.area_id: s for s in SCENARIOS
                                          if s.area_id in set(ref["area_id"]) and not s.plant.own_stream}
        self.sido = np.array(list(ref["sido_code"]) + self.sidos, dtype=object)
        self.place_sampler = self._place_sampler(places)
        self.ind_sampler = self._industry_sampler()
        self.size0 = self._initial_sizes(n, rng)
        self._draw_paths(rng)
        self.frozen = np.array([aid in self.scen and self.scen[aid].plant.frozen for aid in ref["area_id"]]
                               + [False] * len(self.sidos))

    # -- lookups ----------------------------------------------------------------------------------
    def index_of(self, area_id: str) -> int:
        """The group of an area."""
        return int(np.flatnonzero(self.ref["area_id"].to_numpy() == area_id)[0])

    def province_of(self, a: int) -> int:
        """The group of the rest of area `a`'s province."""
        return self.A + self.sidos.index(self.sido[a])

    # -- the plan ---------------------------------------------------------------------------------
    def _place_sampler(self, pl: Places) -> Sampler:
        """Areas: any of their places alike; rest of a province: its places outside areas, by weight."""
        items, weights = [], []
        for a in range(self.A):
            idx = np.flatnonzero(pl.area == a)
            items.append(idx)
            weights.append(np.ones(len(idx)))
        for s in self.sidos:
            idx = np.flatnonzero((pl.area == -1) & (pl.sido == s))
            items.append(idx)
            weights.append(pl.weight[idx])
        self.has_places = np.array([len(i) > 0 for i in items])
        return Sampler(items, weights)

    def _industry_mix(self, g: int) -> dict[str, float]:
        """Weight of each industry tag among the group's workplaces."""
        if g >= self.A:
            return dict(OUTSIDE_MIX)
        aid, kind = self.ref["area_id"].iloc[g], self.ref["area_type"].iloc[g]
        if kind in KNOWLEDGE_TYPES:
            return {"it": 45, "prof": 12, "elec": 25, "bizsvc": 5, "rest": 8, "trade": 5}
        mix = {t: 70 / (len(MANUF_TAGS) - 1) for t in MANUF_TAGS if t != "ship"}
        for t in ("trade", "trans", "rest", "bizsvc", "const", "repair"):
            mix[t] = 4.5
        for t in AREA_SPECIALTY.get(aid, []):
            mix[t] = mix.get(t, 0) + 120 / len(AREA_SPECIALTY[aid])
        return mix

    def _industry_sampler(self) -> Sampler:
        """Industries by the group's tag mix, a tag's weight spread over its industries (`IND_WEIGHT`)."""
        all_ind = np.arange(len(INDUSTRIES))
        per_tag = np.bincount(TAG_OF_IND, minlength=len(TAG_NAMES))
        items, weights = [], []
        for g in range(self.G):
            mix = self._industry_mix(g)
            w = np.array([mix.get(TAG_NAMES[TAG_OF_IND[i]], 0.0) * IND_WEIGHT.get(INDUSTRIES[i][0], 1.0)
                          for i in all_ind])
            items.append(all_ind)
            weights.append(w / per_tag[TAG_OF_IND])
        return Sampler(items, weights)

    def _initial_sizes(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Workplaces per group at the start: fixed for scenario areas, else the mix's dense share of `n` over
        the areas by type weight (times a lognormal spread in the national mix), the rest over the provinces
        by their share (areas without places get none)."""
        ref, A, share = self.ref, self.A, self.mix.dense_share
        size = np.zeros(self.G, dtype=np.int64)
        wts = np.array([BIG_AREAS.get(aid, TYPE_WEIGHT.get(kind, 1.0))
                        for aid, kind in zip(ref["area_id"], ref["area_type"])])
        if self.mix.size_sigma:
            wts = wts * rng.lognormal(0.0, self.mix.size_sigma, A)
        fixed = np.array([self.scen[aid].plant.workplaces is not None if aid in self.scen else False
                          for aid in ref["area_id"]])
        dense_total = max(0, round(n * share) - sum(self.scen[a].plant.workplaces or 0 for a in self.scen))
        free = wts * ~fixed
        size[:A] = np.maximum(10, np.round(dense_total * free / max(free.sum(), 1e-9))).astype(int)
        for a, aid in enumerate(ref["area_id"]):
            if fixed[a]:
                size[a] = self.scen[aid].plant.workplaces
            if not self.has_places[a]:
                size[a] = 0
        tot_share = sum(PROVINCE_SHARE.values())
        for k, s in enumerate(self.sidos):
            size[A + k] = max(60, round(n * (1 - share) * PROVINCE_SHARE[s] / tot_share))
        return size

    def _draw_paths(self, rng: np.random.Generator) -> None:
        """Yearly trends and ramp effects of employees and workplaces, and extra wage revisions."""
        self.tr_e = rng.uniform(0.005, 0.035, self.G)
        self.tr_w = rng.uniform(0.0, 0.02, self.G)
        self.eff_e = np.zeros(self.G)
        self.eff_w = np.zeros(self.G)
        self.wage_x = np.zeros(self.G)
        self._plant_mild_declines(rng)
        self.tr_e[self.A:] = rng.uniform(0.005, 0.025, len(self.sidos))
        for aid, sc in self.scen.items():
            self._plant_scenario(self.index_of(aid), sc)
        if self.mix.national:
            self._plant_national_mix(rng)

    def _plant_national_mix(self, rng: np.random.Generator) -> None:
        """Unplanted areas: near flat, growing, mild or steep decline (shares and ranges in `Mix`)."""
        free = np.array([aid not in self.scen for aid in self.ref["area_id"]])
        k = int(free.sum())
        kind = rng.choice(4, size=k, p=[0.70, 0.12, 0.12, 0.06])
        e, w = np.zeros(k), np.zeros(k)
        tr_e = np.select([kind == 0, kind == 1], [rng.uniform(-0.02, 0.03, k), rng.uniform(0.04, 0.10, k)], 0.0)
        tr_w = np.select([kind == 0, kind == 1], [rng.uniform(-0.01, 0.02, k), rng.uniform(0.02, 0.05, k)], 0.0)
        e = np.where(kind == 2, rng.uniform(-0.085, -0.055, k), e)
        e = np.where(kind == 3, rng.uniform(-0.25, -0.12, k), e)
        w = np.where(kind == 3, rng.uniform(-0.12, -0.06, k), w)
        idx = np.flatnonzero(free)
        self.tr_e[idx], self.tr_w[idx], self.eff_e[idx], self.eff_w[idx] = tr_e, tr_w, e, w

    def _plant_mild_declines(self, rng: np.random.Generator) -> None:
        """About 12 % of the unplanted areas lose 6.5–8.5 % of their employees over RAMP."""
        unplanted = [a for a, aid in enumerate(self.ref["area_id"]) if aid not in self.scen]
        n_decl = max(1, round(0.12 * len(unplanted)))
        for a in rng.choice(unplanted, size=min(n_decl, len(unplanted)), replace=False) if unplanted else []:
            self.tr_e[a], self.eff_e[a] = 0.0, rng.uniform(-0.085, -0.065)

    def _plant_scenario(self, a: int, sc: Scenario) -> None:
        """The scenario's trends and effects; a province trend also carries the province's other areas."""
        p = sc.plant
        if p.employees_trend is not None:
            self.tr_e[a] = p.employees_trend
        if p.workplaces_trend is not None:
            self.tr_w[a] = p.workplaces_trend
        self.eff_e[a], self.eff_w[a], self.wage_x[a] = p.employees_effect, p.workplaces_effect, p.wage_extra
        if p.province_trend is not None:
            k = self.province_of(a)
            self.tr_e[k] = p.province_trend
            self.tr_w[k] = p.province_trend * 0.6
            # the province's other areas grow along with it
            for b, bid in enumerate(self.ref["area_id"]):
                if self.sido[b] == self.sido[a] and bid not in self.scen:
                    self.tr_e[b], self.eff_e[b] = p.province_trend, 0.0

    # -- the target path --------------------------------------------------------------------------
    def start_paths(self, workplaces0: np.ndarray, employees0: np.ndarray) -> None:
        """Anchor the paths at the first month's steered workplaces and employees of each group."""
        self.W0, self.E0 = workplaces0, employees0
        self.wiggle_e = np.zeros(self.G)
        self.wiggle_w = np.zeros(self.G)

    def target(self, month: str, first_month: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Target workplaces and employees of each group in `month`: trend × ramp effect × a small wiggle."""
        mi, m0 = month_index(month), month_index(first_month)
        r0, r1 = month_index(RAMP[0]), month_index(RAMP[1])
        ramp = np.clip((mi - r0 + 1) / (r1 - r0 + 1), 0.0, 1.0)
        ramp0 = np.clip((m0 - r0 + 1) / (r1 - r0 + 1), 0.0, 1.0)
        yrs = (mi - m0) / 12
        self.wiggle_e = 0.6 * self.wiggle_e + rng.normal(0, 0.002, self.G)
        self.wiggle_w = 0.6 * self.wiggle_w + rng.normal(0, 0.002, self.G)
        fe = (1 + self.tr_e) ** yrs * (1 + self.eff_e * ramp) / (1 + self.eff_e * ramp0) * (1 + self.wiggle_e)
        fw = (1 + self.tr_w) ** yrs * (1 + self.eff_w * ramp) / (1 + self.eff_w * ramp0) * (1 + self.wiggle_w)
        return self.W0 * fw, self.E0 * fe
