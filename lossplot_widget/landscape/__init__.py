"""The loss landscape of a network, live beside its loss curve (Li et al. 2018; Goodfellow et al. 2015).

Use (see :class:`LandscapeWidget` for a runnable example)::

    from lossplot_widget.landscape import LandscapeWidget
    scape = LandscapeWidget(model, loss_fn, batch=(x_probe, y_probe), kind="2d")
    display(widgets.HBox([curve, scape]))
    for step, (xb, yb) in enumerate(loader):
        ...
        scape.track(step)

Nothing here imports torch at import time: :class:`LandscapeWidget` is loaded on first use (PEP 562)
and its parts import torch inside their functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .slices import Slice
    from .widget import LandscapeWidget

__all__ = ["LandscapeWidget", "Slice"]


def __getattr__(name: str) -> Any:
    if name == "LandscapeWidget":
        from .widget import LandscapeWidget

        return LandscapeWidget
    if name == "Slice":
        from .slices import Slice

        return Slice
    raise AttributeError(f"module 'lossplot_widget.landscape' has no attribute {name!r}")
