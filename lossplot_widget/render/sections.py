"""Which panels a frame shows when there are hundreds: sections by prefix, folded, paged or overlaid.

Panels whose title has a prefix (``grad_2.0_norm/layers.0.weight``: the part before the first ``/``, see
:func:`~lossplot_widget.core.grouping.section_of`) form a section, as TensorBoard and W&B group tags; the
main section (``loss``, ``acc``, every title without a prefix) is always open. A section of more than
:data:`FOLD_OVER` panels starts folded; the person opens and folds any section. An open section shows its
panels a page of :data:`PAGE_SIZE` at a time, or all its series in one *overlay* panel. A panel filter
that matches panels of a folded section shows them (the filter finds a metric in any section). Only the
panels shown are built and drawn: a folded section costs its header, whatever its size.

Pure data: :func:`plan` is given the panels and the options and says what to show.

>>> from lossplot_widget.render.frame import FrameOptions
>>> layout = {"loss": ["loss", "val_loss"], **{f"grad/w{i}": [f"grad/w{i}"] for i in range(30)}}
>>> p = plan(layout, FrameOptions())
>>> list(p.shown), p.sections[0].name, p.sections[0].open, p.sections[0].panels
(['loss'], 'grad', False, 30)
>>> p = plan(layout, FrameOptions(sections={"grad": True}, pages={"grad": 2}))
>>> list(p.shown)[1:], p.sections[0].page, p.sections[0].pages
(['grad/w24', 'grad/w25', 'grad/w26', 'grad/w27', 'grad/w28', 'grad/w29'], 2, 3)
>>> list(plan(layout, FrameOptions(panel_filter="w17$")).shown)
['grad/w17']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core.grouping import panel_matcher, section_of
from .frame import FrameOptions, Section, SeriesFrame

__all__ = [
    "FOLD_OVER", "LEGEND_TOP", "OVERLAY_SUFFIX", "PAGE_SIZE", "Plan", "drawn_line", "overlay_title", "plan",
    "top_by_last",
]

#: a section of more panels than this starts folded
FOLD_OVER = 8
#: panels per page of an open section
PAGE_SIZE = 12
#: an overlay panel's legend names this many series (largest last value first)
LEGEND_TOP = 5
#: the overlay panel of section ``s`` is titled ``s + OVERLAY_SUFFIX``
OVERLAY_SUFFIX = "/*"


def overlay_title(section: str) -> str:
    """The title of ``section``'s overlay panel (its key for zoom and folding too)."""
    return section + OVERLAY_SUFFIX


@dataclass(frozen=True)
class Plan:
    """What a frame shows: ``{panel title: metrics}`` to build, in order; the sections; the main section's
    titles hidden by the filter; whether the filter is a valid regex."""

    shown: dict[str, list[str]]
    sections: tuple[Section, ...]
    main: tuple[str, ...]
    filtered: frozenset[str]
    filter_valid: bool


def plan(layout: Mapping[str, Sequence[str]], options: FrameOptions) -> Plan:
    """The panels to show for ``layout`` (``{panel title: its metrics}``, in first-seen order)."""
    match, valid = panel_matcher(options.panel_filter)
    grouped: dict[str, list[str]] = {}
    for title in layout:
        grouped.setdefault(section_of(title), []).append(title)
    main = grouped.pop("", [])
    shown: dict[str, list[str]] = {}
    filtered = set()
    for title in main:
        if not match(title, layout[title]):
            filtered.add(title)
        elif title not in options.collapsed:
            shown[title] = list(layout[title])
    sections = []
    filtering = bool(options.panel_filter)
    for name, titles in grouped.items():
        matched = [t for t in titles if match(t, layout[t])]
        chosen = options.sections.get(name)
        is_open = (len(titles) <= FOLD_OVER or (filtering and bool(matched))) if chosen is None else chosen
        overlay = name in options.overlays
        pages = max(1, -(-len(matched) // PAGE_SIZE))
        page = min(max(0, options.pages.get(name, 0)), pages - 1)
        on: tuple[str, ...] = ()
        if is_open and matched:
            if overlay:
                on = (overlay_title(name),)
                if on[0] not in options.collapsed:
                    shown[on[0]] = [m for t in matched for m in layout[t]]
            else:
                on = tuple(matched[page * PAGE_SIZE:(page + 1) * PAGE_SIZE])
                shown.update((t, list(layout[t])) for t in on if t not in options.collapsed)
        sections.append(Section(name, len(titles), sum(len(layout[t]) for t in titles), is_open, overlay,
                                len(matched), page, pages, on))
    return Plan(shown, tuple(sections), tuple(main), frozenset(filtered), valid)


def drawn_line(sf: SeriesFrame) -> tuple[np.ndarray, np.ndarray]:
    """The line an overlay draws of ``sf``: the smoothed one when there is one, else the raw one."""
    return (sf.smooth_x, sf.smooth_y) if len(sf.smooth_x) else (sf.x, sf.y)


def top_by_last(frames: Sequence[SeriesFrame], k: int = LEGEND_TOP) -> list[SeriesFrame]:
    """The ``k`` series whose drawn line ends highest (its last finite value), highest first.

    >>> e = np.empty(0)
    >>> fs = [SeriesFrame(n, np.arange(2.0), np.array([1.0, v]), e, e, e, e, 0, 2) for n, v in
    ...       (("a", 0.5), ("b", 3.0), ("c", np.nan), ("d", 2.0))]
    >>> [sf.name for sf in top_by_last(fs, 2)]
    ['b', 'd']
    """
    def last(sf: SeriesFrame) -> float:
        y = drawn_line(sf)[1]
        finite = y[np.isfinite(y)]
        return float(finite[-1]) if len(finite) else -np.inf

    return sorted(frames, key=last, reverse=True)[:k]
