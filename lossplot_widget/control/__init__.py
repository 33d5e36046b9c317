"""Stop/Pause scopes and their requests (:mod:`.scope`), the private ipykernel mechanisms that carry a
click to a blocked loop (:mod:`.delivery`, :mod:`.peek`), and end-of-cell hooks (:mod:`.cells`).

No widgets here: the buttons live in :mod:`lossplot_widget.view.control_bar` and are handed in.
"""

from __future__ import annotations

from .scope import ControlScope, LoopControl

__all__ = ["ControlScope", "LoopControl"]
