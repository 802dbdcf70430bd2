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


# When the types are worth showing (issue 11): the grouping must be real, every type big enough to
# speak of, and the types' centre paths must end apart. Below any of these, the brief says so and
# shows no typology.
MIN_SILHOUETTE = 0.25  # mean silhouette of the areas under the shown types (scikit-learn, Euclidean)
MIN_TYPE_AREAS = 3  # areas in the smallest type
MIN_END_GAP = 3.0  # index points between the closest two type centres at the last quarter


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
    out.attrs = {"quarters": window, "sido_code": sido_code, "centres": centres.to_dict("index"),
                 **typology_distinctness(out, paths)}
    return out


def typology_distinctness(typology: pd.DataFrame, paths: pd.DataFrame) -> dict:
    """Whether the shown types (clusters sharing a label count as one) really differ:
    silhouette ≥ `MIN_SILHOUETTE`, every type ≥ `MIN_TYPE_AREAS` areas and the closest two type centres
    ≥ `MIN_END_GAP` index points apart at the last quarter. Returns `distinct`, `criterion_text` (a
    Korean sentence with the criterion and the measured values), `silhouette`, `smallest_type`,
    `end_gap` and `n_types`."""
    valid = typology[typology["cluster"] >= 0]
    X = paths.reindex(valid["area_id"]).to_numpy(dtype=float)
    types = valid["type_label"].to_numpy()
    names = sorted(set(types))
    sizes = [int((types == t).sum()) for t in names]
    sil = np.nan
    if 2 <= len(names) < len(valid):
        from sklearn.metrics import silhouette_score

        sil = float(silhouette_score(X, types))
    ends = sorted(float(np.nanmean(X[types == t, -1])) for t in names) if len(X) and X.shape[1] else []
    gap = float(np.min(np.diff(ends))) if len(ends) >= 2 else np.nan
    checks = [
        (len(names) >= 2, f"유형 {len(names)}개"),
        (not np.isnan(sil) and sil >= MIN_SILHOUETTE, f"실루엣 {sil:.2f} {'≥' if sil >= MIN_SILHOUETTE else '<'} "
                                                     f"{MIN_SILHOUETTE:.2f}"),
        (bool(sizes) and min(sizes) >= MIN_TYPE_AREAS, f"가장 작은 유형 {min(sizes) if sizes else 0}곳 "
                                                      f"{'≥' if sizes and min(sizes) >= MIN_TYPE_AREAS else '<'} "
                                                      f"{MIN_TYPE_AREAS}곳"),
        (not np.isnan(gap) and gap >= MIN_END_GAP, f"마지막 분기 유형 중심 간 최소 차이 {gap:.1f}포인트 "
                                                  f"{'≥' if gap >= MIN_END_GAP else '<'} {MIN_END_GAP:g}포인트"),
    ]
    distinct = all(ok for ok, _ in checks)
    if distinct:
        text = "유형 간 차이가 뚜렷해 유형을 구분했습니다(" + ", ".join(t for _, t in checks[1:]) + ")."
    else:
        failed = [t for ok, t in checks if not ok and "nan" not in t]
        text = f"유형 간 차이가 뚜렷하지 않아({', '.join(failed) or '자료 부족'}) 유형 구분을 생략했습니다."
    return {"distinct": distinct, "criterion_text": text, "silhouette": sil,
            "smallest_type": min(sizes) if sizes else 0, "end_gap": gap, "n_types": len(names)}


def typology_summary(typology: pd.DataFrame, max_names: int = 8) -> pd.DataFrame:
    """One row per shown type for the brief's table: type_label, description, count, examples (at
    most `max_names` area names, the largest fall first) and more (how many names were left out, for
    '외 N곳'). Types in cluster order (the type that fell most first); areas without data last."""
    rows = []
    if typology.empty:
        return pd.DataFrame(columns=["type_label", "description", "count", "examples", "more"])
    order = typology.groupby("type_label")["cluster"].min().map(lambda c: c if c >= 0 else 10**6).sort_values()
    for label in order.index:
        grp = typology[typology["type_label"] == label].sort_values(["change_pct", "area_id"])
        names = grp["area_name"].astype(str).tolist()
        rows.append({"type_label": label, "description": TYPE_DESCRIPTIONS.get(label, ""), "count": len(names),
                     "examples": names[:max_names], "more": max(len(names) - max_names, 0)})
    return pd.DataFrame(rows)

