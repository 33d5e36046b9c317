"""Close a tree of widgets: every widget reachable through synced traits, layouts and styles included.

ipywidgets' ``Widget.close()`` closes the widget's own comm only. A ``Button`` also made a
``Layout`` and a ``ButtonStyle``, a bqplot ``Figure`` its default scales and layout, a
``Scatter`` its ``Tooltip`` (which has a layout of its own): each is a comm the browser
keeps until closed. :func:`close_tree` walks the synced traits (``children``, ``marks``,
``axes``, ``scales``, ``layout``, ``style``, ``tooltip``, ...) and closes everything it finds.

>>> import ipywidgets as widgets
>>> box = widgets.VBox([widgets.Button(description="x")])
>>> close_tree(box) >= 5       # the box, its layout, the button, its layout and its style
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import ipywidgets as widgets

__all__ = ["close_tree", "walk"]


def _widgets_in(value: Any) -> Iterator[widgets.Widget]:
    if isinstance(value, widgets.Widget):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _widgets_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _widgets_in(item)


def walk(
    *roots: widgets.Widget | Iterable[widgets.Widget], skip: Iterable[widgets.Widget] = ()
) -> Iterator[widgets.Widget]:
    """``roots`` and every widget reachable from them through synced traits, each once (not ``skip``).

    >>> box = widgets.HBox([widgets.Button()])
    >>> sorted(type(w).__name__ for w in walk(box))
    ['Button', 'ButtonStyle', 'HBox', 'Layout', 'Layout']
    """
    seen = {id(w) for w in skip}
    stack = [w for root in roots for w in _widgets_in(root)]
    while stack:
        w = stack.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        for name in w.keys:
            stack.extend(_widgets_in(getattr(w, name, None)))
        yield w


def close_tree(*roots: widgets.Widget | Iterable[widgets.Widget], keep: Iterable[widgets.Widget] = ()) -> int:
    """Close ``roots`` and every widget reachable from them (except ``keep``); return how many were open."""
    closed = 0
    for w in list(walk(*roots, skip=keep)):
        if w.comm is not None:
            closed += 1
            w.close()
    return closed
