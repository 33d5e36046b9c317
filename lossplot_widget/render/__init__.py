"""History -> what is drawn, numpy only: frames (x per axis, smoothing, log masking, decimation) built
from incremental per-series tracks (min/max pyramids, exact EMA), the static SVG, the shared palette,
and when frames are drawn (throttle, frame loop)."""

from __future__ import annotations

from .builder import FrameBuilder
from .frame import Frame, FrameOptions, SeriesFrame

__all__ = ["Frame", "FrameBuilder", "FrameOptions", "SeriesFrame"]
