"""Typology of dense areas: k-means on the shape of each area's employees path (analysis, no plotting).

`area_typology` groups a province's dense areas by how their employee numbers moved over recent
quarters (an index, first quarter = 100) and names each group by the shape of its centre
(`describe_path`). `charts.typology_chart` draws the result; this module never imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.periods import quarter_window

TYPOLOGY_SENTENCE = (
    "지역 유형은 최근 분기들 동안 각 밀집지역의 종사자 수가 움직인 모양(첫 분기를 100으로 놓은 흐름)을 "
    "서로 비교해, 흐름이 비슷한 지역끼리 자동으로 묶은 것입니다(k-평균 군집)."
)

TYPE_DESCRIPTIONS = {
    "지속 감소형": "종사자 수가 기간 내내 줄어든 지역",
    "최근 급감형": "비교적 안정적이다가 최근 분기에 크게 줄어든 지역",
    "회복형": "한동안 줄었다가 다시 늘고 있는 지역",
    "성장형": "종사자 수가 꾸준히 늘어난 지역",
    "변동형": "늘고 줄기를 반복해 방향이 뚜렷하지 않은 지역",
    "안정형": "종사자 수가 거의 변하지 않은 지역",
    "자료 부족": "분기 자료가 부족해 분류하지 않은 지역",
}


def index_paths(indicators: pd.DataFrame, sido_code: str, window: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Each area's employees over `window` as an index (first available quarter = 100)."""
    a = indicators[(indicators["level"] == "area") & (indicators["sido_code"] == str(sido_code))
                   & indicators["quarter"].isin(window)]
    names = a.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]
    grid = a.pivot_table(index="unit_id", columns="quarter", values="employees", aggfunc="first", dropna=False)
    grid = grid.reindex(columns=window).astype(float)
    grid = grid.ffill(axis=1).bfill(axis=1)
    base = grid.iloc[:, 0] if grid.shape[1] else pd.Series(dtype=float)
    paths = grid.div(base.where(base > 0), axis=0) * 100
    return paths, names


def describe_path(path: Sequence[float]) -> str:
    """A Korean type label for an index path (first value 100) by its shape."""
    p = np.asarray(path, dtype=float)
    if len(p) < 2 or np.isnan(p).any():
        return "자료 부족"
    total = p[-1] - p[0]
    steps = np.diff(p)
    vol = float(np.std(steps))
    low = float(p.min())
    half = len(p) // 2
    last_step = steps[-1]
    moves = np.sign(steps[np.abs(steps) >= 0.5])
    turns = int((moves[1:] != moves[:-1]).sum()) if len(moves) > 1 else 0
    if last_step <= -4 and (p[-2] - p[0]) > -3:
        return "최근 급감형"
    if turns >= 3 and (vol >= 2.5 or (p.max() - p.min()) >= 8):
        return "변동형"
    if total <= -3 and (steps <= 0.5).mean() >= 0.6:
        return "지속 감소형"
    if low <= p[0] - 3 and p[-1] >= low + 3 and int(np.argmin(p)) < len(p) - 1 and p[half:].mean() > low:
        return "회복형"
    if total >= 3 and (steps >= -0.5).mean() >= 0.6:
        return "성장형"
    if vol >= 2.5 or (p.max() - p.min()) >= 8:
        return "변동형"
    if total <= -3:
        return "지속 감소형"
    if total >= 3:
        return "성장형"
    return "안정형"


def area_typology(indicators: pd.DataFrame, sido_code: str, k: int = 4, quarters: int = 8, seed: int = 0, *,
                  quarter: str | None = None) -> pd.DataFrame:
    """Group the province's dense areas by the shape of their employees path over `quarters`
    quarters (index, first quarter = 100) with k-means (n_init=10, random_state=seed).

    Returns one row per area: area_id, area_name, cluster (0 = the cluster whose centre fell most),
    type_label (Korean, from the centre's shape: '지속 감소형', '회복형', '안정형', '변동형', …),
    change_pct (the area's own change over the window, %). Areas without usable data get cluster −1
    and '자료 부족'. k is lowered to half the number of areas (two areas per type at least) and to the
    number of distinct paths; clusters whose centres get the same shape name share it.
    `.attrs` holds the window and centres.
    """
    sido_code = str(sido_code)
    window = quarter_window(indicators["quarter"], quarters, quarter)
    paths, names = index_paths(indicators, sido_code, window)
    ok = paths.notna().all(axis=1) if paths.shape[1] else pd.Series(False, index=paths.index)
    good = paths[ok]
    labels = pd.Series(-1, index=paths.index, dtype=int)
    centres = pd.DataFrame(columns=window, dtype=float)
    if len(good):
        X = good.to_numpy()
        n_distinct = len(np.unique(np.round(X, 6), axis=0))
        # At least two areas per type on average: a "type" of one area tells a council nothing.
        k_eff = max(1, min(int(k), len(good) // 2, n_distinct))
        if k_eff == 1:
            raw = np.zeros(len(good), dtype=int)
            cents = X.mean(axis=0, keepdims=True)
        else:
            from sklearn.cluster import KMeans

            km = KMeans(n_clusters=k_eff, n_init=10, random_state=seed).fit(X)
            raw, cents = km.labels_, km.cluster_centers_
        # Deterministic numbering: the centre that fell most is cluster 0.
        order = np.argsort(cents[:, -1] - cents[:, 0], kind="stable")
        remap = {int(old): new for new, old in enumerate(order)}
        labels[good.index] = [remap[int(c)] for c in raw]
        centres = pd.DataFrame(cents[order], columns=window)
    type_of = {c: describe_path(centres.loc[c].to_numpy()) for c in centres.index}
    # Clusters whose centres have the same shape name are one type for the reader: they share the label.
    change = (paths.iloc[:, -1] - paths.iloc[:, 0]) if paths.shape[1] else pd.Series(np.nan, index=paths.index)
    out = pd.DataFrame({
        "area_id": paths.index.astype(str),
        "area_name": names.reindex(paths.index).astype(str).to_numpy(),
        "cluster": labels.to_numpy(),
        "type_label": [type_of.get(c, "자료 부족") for c in labels],
        "change_pct": change.to_numpy(),
    })
    out = out.sort_values(["cluster", "change_pct", "area_id"]).reset_index(drop=True)
    out.attrs = {"quarters": window, "sido_code": sido_code, "centres": centres.to_dict("index")}
    return out

