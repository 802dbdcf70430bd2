"""Text labels next to points, placed with adjustText so they overlap neither each other nor the
things they must keep off (markers, legends); and checkers that find overlapping text boxes and
covered legends in a drawn figure (used by the tests on every brief chart).

Shared by the province map and the quadrant chart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib.text import Text
from matplotlib.transforms import Bbox

_LABEL_BOX = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}
_LEADER = {"arrowstyle": "-", "color": "#555555", "lw": 0.6}


def marker_boxes(ax, xs, ys, sizes_pt2) -> list[Bbox]:
    """Display-space boxes of scatter markers of area `sizes_pt2` (pt²) at data points (xs, ys)."""
    pts = ax.transData.transform(np.column_stack([xs, ys])) if len(xs) else np.empty((0, 2))
    px_per_pt = ax.figure.dpi / 72
    boxes = []
    for (px, py), s in zip(pts, sizes_pt2):
        r = math.sqrt(max(float(s), 1.0)) / 2 * px_per_pt
        boxes.append(Bbox([[px - r, py - r], [px + r, py + r]]))
    return boxes


def _label_box(t: Text, renderer) -> Bbox:
    """The drawn box of a label: its background patch when it has one, else the text itself."""
    patch = t.get_bbox_patch()
    if patch is not None:
        t.update_bbox_position_size(renderer)
        try:
            return patch.get_window_extent(renderer)
        except ValueError:  # matplotlib cannot bound some degenerate rounded boxes; their corners can
            pts = patch.get_transform().transform(patch.get_path().vertices)
            if len(pts):
                return Bbox([pts.min(axis=0), pts.max(axis=0)])
    return Text.get_window_extent(t, renderer)


def place_labels(ax, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *, fontsize: float = 8,
                 avoid_px: Iterable[Bbox] = (), keep_off_px: Iterable[Bbox] = (),
                 points: tuple[Sequence[float], Sequence[float]] | None = None,
                 color: str = "#111111", iterations: int = 40) -> list[Text | None]:
    """Write `texts` next to the points (xs, ys) and let adjustText push them apart, away from the
    `points` to keep clear (data coordinates, default the labelled points) and the display boxes
    `avoid_px` (markers: avoided where possible) and `keep_off_px` (legends, notes: never covered),
    with a leader line when a label moved away from its point.

    A label that still overlaps a kept label or a `keep_off_px` box afterwards is removed (None in the
    returned list), so the chart never shows two labels on top of each other; callers count the Nones.
    """
    from adjustText import adjust_text

    if not len(texts):
        return []
    labels = [ax.text(x, y, t, fontsize=fontsize, color=color, zorder=20, bbox=dict(_LABEL_BOX))
              for x, y, t in zip(xs, ys, texts)]
    px, py = points if points is not None else (xs, ys)
    keep_off_px = list(keep_off_px)
    to_data = ax.transData.inverted()
    objects = [b.transformed(to_data) for b in [*avoid_px, *keep_off_px]]  # adjustText expects data-space boxes
    # adjustText nudges with numpy's global generator and stops on a clock by default: seed it (and put
    # the caller's state back) and stop after a fixed number of steps, so a brief is the same every run.
    state = np.random.get_state()
    np.random.seed(0)
    try:
        _, arrows = adjust_text(labels, x=np.asarray(px, float), y=np.asarray(py, float), objects=objects or None,
                                ax=ax, avoid_self=True, expand=(1.2, 1.5), force_text=(0.3, 0.5),
                                force_static=(0.2, 0.4), ensure_inside_axes=True, iter_lim=iterations,
                                min_arrow_len=8, arrowprops=_LEADER)
    finally:
        np.random.set_state(state)
    for a in arrows or []:
        a.set_zorder(19)
    return _drop_overlapping(ax, labels, keep_off_px + legend_boxes(ax), arrows or [])


def legend_boxes(ax) -> list[Bbox]:
    """Display boxes of the axes' legends (labels must never cover them)."""
    from matplotlib.legend import Legend

    renderer = ax.figure.canvas.get_renderer()
    legends = [a for a in ax.artists if isinstance(a, Legend)] + ([ax.get_legend()] if ax.get_legend() else [])
    return [lg.get_window_extent(renderer) for lg in legends]


def _drop_overlapping(ax, labels: list[Text], keep_off_px: list[Bbox], arrows: list) -> list[Text | None]:
    """Keep labels in order (most important first) while they overlap nothing kept or kept off and stay
    inside the axes (a label's background may stick out by a few pixels); remove the others with
    their leader lines."""
    renderer = ax.figure.canvas.get_renderer()
    inside = ax.patch.get_window_extent(renderer).padded(6)
    kept: list[Bbox] = []
    out: list[Text | None] = []
    for t in labels:
        box = _label_box(t, renderer)
        ok = (inside.x0 - 1 <= box.x0 and box.x1 <= inside.x1 + 1 and inside.y0 - 1 <= box.y0
              and box.y1 <= inside.y1 + 1)
        if ok and not any(_overlap(box, o) for o in kept + keep_off_px):
            kept.append(box)
            out.append(t)
            continue
        for a in arrows:
            if getattr(a, "patchA", None) is t:
                a.remove()
        t.remove()
        out.append(None)
    return out


def _overlap(a: Bbox, b: Bbox, tol: float = 0.5) -> bool:
    """Whether two display boxes overlap by more than `tol` pixels in both directions."""
    return min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol


# ---------------------------------------------------------------------------------------------
# Checkers: what a reader would see as text on text, or a legend covered.


def drawn_texts(fig) -> list[tuple[Text, Bbox]]:
    """Every non-empty text the figure actually draws (titles, labels, ticks, legends, annotations,
    notes) with its box in display pixels, as measured by the renderer during a full draw."""
    drawn: list[tuple[Text, Bbox]] = []
    original = Text.draw

    def recording_draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, Text.get_window_extent(self, renderer)))

    Text.draw = recording_draw
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    return drawn


def overlapping_labels(fig, tol: float = 0.5) -> list[tuple[Text, Text]]:
    """Pairs of drawn texts whose boxes overlap (by more than `tol` px both ways): labels on labels,
    a caption on an axis title, a label on a legend entry, tick labels running into each other."""
    drawn = drawn_texts(fig)
    out = []
    for i, (a, ba) in enumerate(drawn):
        for b, bb in drawn[i + 1:]:
            if a is not b and _overlap(ba, bb, tol):
                out.append((a, b))
    return out


def covered_legends(fig, tol: float = 0.5) -> list[tuple[object, object]]:
    """(artist, legend) pairs where a text that is not the legend's own, or a scatter marker, lies
    over a legend's frame."""
    from matplotlib.collections import PathCollection
    from matplotlib.legend import Legend

    drawn = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    legends = [lg for lg in fig.findobj(Legend) if lg.get_visible()]
    out: list[tuple[object, object]] = []
    for lg in legends:
        frame = lg.get_window_extent(renderer)
        own = set(map(id, lg.get_texts())) | {id(lg.get_title())}
        out += [(t, lg) for t, box in drawn if id(t) not in own and _overlap(box, frame, tol)]
        for ax in fig.axes:
            for coll in ax.collections:
                if not isinstance(coll, PathCollection) or not coll.get_visible() or not len(coll.get_offsets()):
                    continue
                pts = coll.get_offset_transform().transform(coll.get_offsets())
                hit = ((pts[:, 0] > frame.x0) & (pts[:, 0] < frame.x1) & (pts[:, 1] > frame.y0)
                       & (pts[:, 1] < frame.y1))
                if hit.any():
                    out.append((coll, lg))
    return out
