"""Text labels next to points, placed greedily so they overlap neither each other nor the markers.

Shared by the province map and the quadrant chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

_OFFSETS = [(7, 7), (7, -9), (-7, 7), (-7, -9), (10, 0), (-10, 0), (0, 11), (0, -12)]
_OFFSETS += [(int(r * dx), int(r * dy)) for r in (16, 28, 42) for dx, dy in
             ((1, 1), (1, -1), (-1, 1), (-1, -1), (1.5, 0), (-1.5, 0), (0, 1.2), (0, -1.2))]


def _place_labels(ax, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *,
                  fontsize: float = 8, obstacles_px: Sequence | None = None, color: str = "#111111"):
    """Annotate (x, y) points with texts, trying offsets of growing distance (with a leader line) so
    labels overlap neither each other nor, if possible, the markers. A label that would cover another
    label wherever it goes is left out (None in the returned list).

    Candidate boxes are computed arithmetically from one measurement of the text, so placing dozens
    of labels stays fast."""
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    px_per_pt = ax.figure.dpi / 72
    pad = 0.15 * fontsize * px_per_pt + 1
    markers = list(obstacles_px or [])
    labels: list = []
    out = []
    probe = ax.text(0, 0, "", fontsize=fontsize)
    for x, y, t in zip(xs, ys, texts):
        probe.set_text(t)
        ext = probe.get_window_extent(renderer)
        w, h = ext.width + 2 * pad, ext.height + 2 * pad
        px, py = ax.transData.transform((x, y))
        choice = None
        for avoid_markers in (True, False):
            for dx, dy in _OFFSETS:
                ax_ = px + dx * px_per_pt
                ay_ = py + dy * px_per_pt
                x0 = ax_ - pad if dx > 0 else (ax_ - w + pad if dx < 0 else ax_ - w / 2)
                y0 = ay_ - pad if dy > 0 else (ay_ - h + pad if dy < 0 else ay_ - h / 2)
                bb = Bbox([[x0, y0], [x0 + w, y0 + h]])
                inside = ax.bbox.contains(bb.x0, bb.y0) and ax.bbox.contains(bb.x1, bb.y1)
                if not inside or any(bb.overlaps(o) for o in labels):
                    continue
                if avoid_markers and any(bb.overlaps(o) for o in markers):
                    continue
                choice = (dx, dy, bb)
                break
            if choice:
                break
        if choice is None:
            out.append(None)
            continue
        dx, dy, bb = choice
        labels.append(bb)
        out.append(ax.annotate(
            t, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize, color=color,
            ha="left" if dx > 0 else ("right" if dx < 0 else "center"),
            va="bottom" if dy > 0 else ("top" if dy < 0 else "center"), zorder=20,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.5} if abs(dx) + abs(dy) > 20 else None,
        ))
    probe.remove()
    return out


def _marker_boxes(ax, xs, ys, sizes_pt2):
    """Display-space boxes of scatter markers (to keep labels off them)."""
    from matplotlib.transforms import Bbox

    pts = ax.transData.transform(np.column_stack([xs, ys])) if len(xs) else np.empty((0, 2))
    px_per_pt = ax.figure.dpi / 72
    boxes = []
    for (px, py), s in zip(pts, sizes_pt2):
        r = math.sqrt(max(float(s), 1.0)) / 2 * px_per_pt
        boxes.append(Bbox([[px - r, py - r], [px + r, py + r]]))
    return boxes
