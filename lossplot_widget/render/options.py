"""The drawing options of a LiveLossWidget, as traitlets (set in the constructor or later).

Every trait named like a :class:`~lossplot_widget.render.frame.FrameOptions` field is a drawing option
(:data:`DRAWING_OPTIONS`): :meth:`DrawingTraits.frame_options` copies it into the frame options and the
widget redraws when it changes. A new drawing option is a trait here, a field there, and the code that
draws it (plus a control in :class:`~lossplot_widget.view.plot.PlotView` if the toolbar shows it).

>>> t = DrawingTraits(smoothing=0.9); t.smoothing, t.ignore_outliers
(0.9, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import traitlets

from .frame import DEFAULT_MAX_POINTS, X_AXES, FrameOptions

__all__ = ["DRAWING_OPTIONS", "DrawingTraits"]


class DrawingTraits(traitlets.HasTraits):
    """Smoothing, y axis, x axis, point and byte budgets, window and panel filter."""

    smoothing = traitlets.Float(0.6, min=0.0, help="TensorBoard-style EMA weight in [0, 1); 0 = off")
    smooth_by_steps = traitlets.Bool(
        True, help="smooth a panel's sparser series (e.g. validation) over the same steps as its densest one "
        "(False: TensorBoard's per-point EMA for every series)"
    )
    log_y = traitlets.Bool(False, help="logarithmic y axes (values <= 0 are drawn as gaps)")
    ignore_outliers = traitlets.Bool(
        True, help="fit the y axis to the bulk of the visible data and the latest values (False: the whole range)"
    )
    x_axis = traitlets.Enum(X_AXES, default_value="step", help="x axis: step, epoch or time")
    max_points = traitlets.Int(
        DEFAULT_MAX_POINTS, min=16, help="at most this many points per line per frame (a min/max pair per column)"
    )
    refresh_interval = traitlets.Float(0.25, min=0.0, help="minimum seconds between two frames")
    window = traitlets.Int(
        None, allow_none=True, min=1, help="follow the latest N steps (None: the whole run); a zoom takes precedence"
    )
    panel_filter = traitlets.Unicode("", help="show only panels matching this regex (else text); '' shows all")
    frame_bytes = traitlets.Int(160_000, min=0, help="bytes of line data one frame may send (0: no limit)")
    bytes_per_second = traitlets.Int(800_000, min=0, help="bytes of line data sent per second (0: no limit)")
    references = traitlets.Dict(
        help="labelled horizontal lines, {metric or panel title: {label: value}} (see LiveLossWidget.add_reference)"
    )
    mark_best = traitlets.Bool(
        True, help="mark each validation series' best point (min; max for accuracy-like names), as the run table"
    )

    @traitlets.validate("references")
    def _check_references(self, proposal: Mapping[str, Any]) -> dict[str, dict[str, float]]:
        clean: dict[str, dict[str, float]] = {}
        for metric, lines in proposal["value"].items():
            if not isinstance(metric, str) or not isinstance(lines, Mapping):
                raise traitlets.TraitError(
                    f"references must be {{metric: {{label: value}}}}, got {metric!r}: {lines!r}"
                )
            clean[metric] = {}
            for label, value in lines.items():
                if not isinstance(label, str) or isinstance(value, bool) or not isinstance(value, (int, float)) \
                        or not math.isfinite(value):
                    raise traitlets.TraitError(
                        f"references[{metric!r}]: a label and a finite number, got {label!r}: {value!r}"
                    )
                clean[metric][label] = float(value)
        return clean

    @traitlets.validate("smoothing")
    def _check_smoothing(self, proposal: Mapping[str, Any]) -> float:
        if not proposal["value"] < 1.0:
            raise traitlets.TraitError(f"smoothing must be in [0, 1), got {proposal['value']!r}")
        return float(proposal["value"])

    def frame_options(self, **state: Any) -> FrameOptions:
        """These traits as :class:`~lossplot_widget.render.frame.FrameOptions`, plus ``state`` (zoom, hidden runs)."""
        return FrameOptions(**{name: getattr(self, name) for name in DRAWING_OPTIONS}, **state)


#: the traits that are drawing options (also fields of :class:`~lossplot_widget.render.frame.FrameOptions`)
DRAWING_OPTIONS = tuple(f.name for f in fields(FrameOptions) if DrawingTraits.class_traits().get(f.name) is not None)
