"""Turn history into what is drawn: x per axis mode, smoothing, log masking, decimation.

Pure numpy; knows nothing about widgets. A :class:`FrameBuilder` keeps the
incremental state of each series between frames (min/max pyramids, smoothing
checkpoints: :mod:`lossplot_widget.render.tracks`), so a frame's cost and size do not
grow with the history; a zoomed x range or a ``window`` selects what is drawn.

>>> from lossplot_widget.core.history import History
>>> from lossplot_widget.render.frame import FrameOptions
>>> h = History(); _ = [h.append({"loss": 1.0 / (i + 1)}, None, None) for i in range(10)]
>>> frame = FrameBuilder(h).build(FrameOptions(smoothing=0.0))
>>> float(frame.panels["loss"][0].y[-1])
0.1
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import fields

import numpy as np

from ..core.epochs import epoch_step_bounds, fractional_epochs, shared_epoch_boundaries
from ..core.grouping import assign_panels, is_validation
from ..core.history import History, Series, Stats
from ..core.progress import ProgressState
from ..core.ranking import Objective
from ..core.run_summary import RunSummary, summarize
from ..core.runset import Run, RunSet
from .axes import PanelAxes, panel_axes
from .frame import (
    DRAW_LIMIT,
    WIRE_BYTES_PER_POINT,
    X_AXES,
    Chooser,
    Frame,
    FrameOptions,
    Reference,
    Section,
    SeriesFrame,
    SeriesKey,
    XAt,
)
from .marks import best_point, panel_references
from .palette import MUTED
from .pyramid import MinMaxPyramid
from .runstyle import MUTED_POINTS, run_colors, style_panels
from .sections import plan
from .tracks import SeriesTrack, position_bound

__all__ = ["FrameBuilder"]


#: options a series' frame does not depend on (as a whole): smoothing enters as the series' weight, x_ranges as
#: its own panel's range; the others pick panels or series, or only set the axes. Every other option (a new one
#: too) is part of a series frame's signature, so changing it rebuilds the series.
_NOT_PER_SERIES = frozenset(
    {"smoothing", "smooth_by_steps", "ignore_outliers", "groups", "x_ranges", "hidden", "panel_filter", "collapsed",
     "references", "sections", "pages", "overlays"}
)
_SERIES_OPTIONS = tuple(f.name for f in fields(FrameOptions) if f.name not in _NOT_PER_SERIES)
#: an overlay panel draws about this many full lines' worth of points in all, and at least
#: ``MIN_OVERLAY_POINTS`` per series (see :mod:`~lossplot_widget.render.sections`)
OVERLAY_LINES = 8
MIN_OVERLAY_POINTS = 32
#: what a panel's axes depend on besides its series frames, its own x range and its reference lines
_AXES_OPTIONS = (*_SERIES_OPTIONS, "ignore_outliers")


def _subsample(x: np.ndarray, y: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` evenly spaced finite points of a line, first and last included (NaN: no dot)."""
    x, y = x[(keep := np.isfinite(y))], y[keep]  # a Scatter draws a NaN as a console error, not a gap
    if len(x) <= limit:
        return x, y
    idx = np.unique(np.linspace(0, len(x) - 1, limit).round().astype(np.int64))
    return x[idx], y[idx]


class FrameBuilder:
    """Builds :class:`Frame` objects from a :class:`~lossplot_widget.core.runset.RunSet` (or one History).

    Keeps a :class:`~lossplot_widget.render.tracks.SeriesTrack` per (run, series), so a frame costs
    O(max_points) per drawn series plus the new points since the last frame, whatever the length of
    the history; a series whose points and options did not change since the last frame reuses its
    arrays (``fresh=False``), so finished runs cost (almost) nothing per frame.
    """

    def __init__(self, source: History | RunSet) -> None:
        self.runs = RunSet.of(source) if isinstance(source, History) else source
        self._tracks: dict[tuple[Run, str], SeriesTrack] = {}
        self._last: dict[tuple[Run, str], tuple[tuple[object, ...], SeriesFrame]] = {}
        self._weights: dict[SeriesKey, float] = {}  # this frame's EMA weight per series
        self._titles: dict[SeriesKey, str] = {}  # this frame's panel of each drawn series
        self._limits: dict[str, int] = {}  # this frame's points per series of each overlay panel
        self._muted: set[str] = set()  # runs drawn muted this frame (lean lines)
        self._weight_cache: dict[Run, tuple[tuple[object, ...], dict[SeriesKey, float]]] = {}
        #: per panel: the options and series frames its axes were computed from, and the axes
        self._panel_axes: dict[str, tuple[tuple[object, ...], list[SeriesFrame], PanelAxes]] = {}

    def build(
        self, options: FrameOptions, choose: Chooser | None = None, *, progress: ProgressState | None = None,
        notes: tuple[str, ...] = (),
    ) -> Frame:
        """The frame for ``options``: every visible series of every panel the filter shows, the panels' axes,
        the drawn runs' epoch rules, the run table's rows, and ``progress`` and ``notes`` as given.

        ``choose(changed)`` (e.g. :meth:`~lossplot_widget.render.budget.FrameBudget.choose`) is given the
        changed series as ``((run, metric), estimated wire bytes)`` in panel order and returns those to
        rebuild now; the others keep their last frame (``fresh=False``) and stay changed. Series of
        filtered-out or collapsed panels are not built at all.
        """
        if options.x_axis not in X_AXES:
            raise ValueError(f"x_axis must be one of {X_AXES}, got {options.x_axis!r}")
        runs = self.runs.snapshot()
        comparing = self.runs.comparing
        self._forget(runs)
        names: dict[str, None] = {}
        stats: dict[SeriesKey, Stats] = {}
        summaries = []
        for run in runs:
            h = run.history
            with h.lock:
                h.commit()
                run_stats = {}
                for name in h.names:
                    run_stats[name] = stats[(run.name, name)] = h[name].stats()
                    names.setdefault(name)
            # a past run of a store, its points not loaded: the stored statistics (the run table only)
            saved = run.saved_stats
            summaries.append(summarize(run, run_stats or dict(saved or {}), run.name in options.hidden))
        objective, colors = self._colors(summaries)
        layout = assign_panels(list(names), options.groups)
        shows = plan(layout, options)
        shown = shows.shown
        by_name = {r.name: r for r in runs}
        # the series drawn, in panel order (the budget's order for ties), and the panel each is drawn in
        self._titles = {(r.name, m): t for t, ms in shown.items() for r in runs if r.name not in options.hidden
                        for m in ms if (r.name, m) in stats}
        wanted = list(self._titles)
        self._limits = self._overlay_limits(shows.sections, self._titles, options)
        self._weights = self._smoothing_weights(by_name, shown, options)
        build, deferred = self._choose(by_name, wanted, options, choose)
        drawn: dict[SeriesKey, SeriesFrame] = {}
        for run in runs:
            keys = [k for k in build if k[0] == run.name]
            if not keys:
                continue
            h = run.history
            with h.lock:
                h.commit()
                bounds = epoch_step_bounds(h) if options.x_axis == "epoch" else {}
                for _, name in keys:
                    drawn[(run.name, name)] = self._series_frame(run, h[name], options, bounds)
        for key in wanted:  # unchanged, or changed and left for a later frame: the last frame
            if key in drawn:
                continue
            last = self._last.get((by_name[key[0]], key[1]))
            if last is not None:
                last[1].fresh = False
                drawn[key] = last[1]
        panels: dict[str, list[SeriesFrame]] = {}
        for title, members in shown.items():
            panels[title] = [drawn[(r.name, m)] for r in runs for m in members if (r.name, m) in drawn]
        style_panels(panels, comparing, colors)
        references, skipped = panel_references(options, panels)
        axes = {t: self._axes(t, series, options, references.get(t, [])) for t, series in panels.items()}
        rules = shared_epoch_boundaries([r.history for r in runs if r.name not in options.hidden], options.x_axis)
        return Frame(axes=axes, panels=panels, options=options, stats=stats, runs=summaries, comparing=comparing,
                     layout=list(layout), deferred=deferred, filter_valid=shows.filter_valid,
                     filtered=shows.filtered, epoch_rules=rules, progress=progress, notes=(*notes, *skipped),
                     references=references, main=shows.main, sections=shows.sections, objective=objective)

    @staticmethod
    def _overlay_limits(
        sections: Sequence[Section], titles: Mapping[SeriesKey, str], options: FrameOptions
    ) -> dict[str, int]:
        """Per overlay panel, the points per series (of every run drawn): the panel draws about ``OVERLAY_LINES``
        full lines' worth in all, at least ``MIN_OVERLAY_POINTS`` per series (one line each, no hover readout)."""
        limits = {}
        overlays = {t for s in sections if s.overlay for t in s.titles}
        counts = Counter(t for t in titles.values() if t in overlays)
        for title in overlays:
            n = max(1, counts[title])
            share = OVERLAY_LINES * options.max_points // n
            limits[title] = max(MIN_OVERLAY_POINTS, min(options.max_points, share))
        return limits

    def _smoothing_weights(
        self, by_name: Mapping[str, Run], shown: Mapping[str, list[str]], options: FrameOptions
    ) -> dict[SeriesKey, float]:
        """The EMA weight of each shown series: ``smoothing ** k``, ``k`` its mean step gap over the smallest
        of its run's series in the same panel (rounded; 1 for the densest), so a validation series logged once
        per 30 steps is smoothed over the same steps as the loss logged every step, not over 30x as many.
        A run whose history did not change keeps last frame's weights (a sweep's ended runs, every frame)."""
        weights: dict[SeriesKey, float] = {}
        w = float(options.smoothing)
        panels = tuple(tuple(m) for m in shown.values())
        cache = self._weight_cache
        for run in by_name.values():
            h = run.history
            key = (h.version, w, options.smooth_by_steps, panels)
            hit = cache.get(run)
            if hit is not None and hit[0] == key:
                weights.update(hit[1])
                continue
            mine: dict[SeriesKey, float] = {}
            for members in shown.values():
                gaps = {}
                with h.lock:
                    for m in members:
                        if m in h:
                            s = h[m]
                            n = len(s)
                            gaps[m] = (float(s.steps[-1] - s.steps[0]) / (n - 1)) if n > 1 else 0.0
                unit = min((g for g in gaps.values() if g > 0), default=0.0)
                for m, gap in gaps.items():
                    k = max(1, round(gap / unit)) if options.smooth_by_steps and unit > 0 and gap > 0 else 1
                    mine[(run.name, m)] = w**k if w > 0 else 0.0
            cache[run] = (key, mine)
            weights.update(mine)
        for gone in [r for r in cache if r.name not in by_name or by_name[r.name] is not r]:
            del cache[gone]
        return weights

    def _axes(
        self, title: str, series: list[SeriesFrame], options: FrameOptions, references: list[Reference]
    ) -> PanelAxes:
        """The panel's axes, reused while it draws the very same series frames with the same options."""
        key = (*(getattr(options, name) for name in _AXES_OPTIONS), options.x_ranges.get(title), tuple(references))
        last = self._panel_axes.get(title)
        if last is not None and last[0] == key and len(last[1]) == len(series) and all(
            a is b for a, b in zip(last[1], series)
        ):
            return last[2]
        axes = panel_axes(series, log=options.log_y, ignore_outliers=options.ignore_outliers, x_axis=options.x_axis,
                          x_range=options.x_ranges.get(title), include=[r.value for r in references])
        self._panel_axes[title] = (key, list(series), axes)
        return axes

    def _choose(
        self, by_name: Mapping[str, Run], wanted: list[SeriesKey], options: FrameOptions, choose: Chooser | None
    ) -> tuple[set[SeriesKey], int]:
        """Of the ``wanted`` series, those to build now (every changed one, or ``choose``'s pick of them),
        and how many changed ones wait."""
        changed: list[tuple[SeriesKey, int]] = []
        for key in wanted:
            run = by_name[key[0]]
            s = run.history[key[1]]
            last = self._last.get((run, key[1]))
            if last is not None and last[0] == self._signature(run, s, options, key):
                continue
            n = len(s)
            limit = self._limit(key)
            points = last[1].points if last is not None else (
                2 * min(n, options.max_points) + min(n, options.readout_points) if limit is None else min(n, limit))
            changed.append((key, WIRE_BYTES_PER_POINT * points))
        if choose is None or not changed:
            return {k for k, _ in changed}, 0
        chosen = set(choose(changed))
        return chosen, len(changed) - len(chosen)

    def track(self, name: str, run: str | None = None) -> SeriesTrack:
        """The incremental drawing state of series ``name`` (of run ``run``, default: the first run with it)."""
        for (r, n), track in self._tracks.items():
            if n == name and (run is None or r.name == run):
                return track
        raise KeyError(name)

    def _forget(self, runs: list[Run]) -> None:
        """Drop the state of runs that are gone (removed, cleared)."""
        alive = set(runs)
        for key in [k for k in self._tracks if k[0] not in alive]:
            del self._tracks[key]
            self._last.pop(key, None)

    def _visible(
        self, title: str, run: Run, track: SeriesTrack, x_at: XAt, step_at: XAt, options: FrameOptions
    ) -> tuple[int, int]:
        """Drawn positions ``[lo, hi)`` inside the panel's zoomed x range, or the run's latest ``window`` steps."""
        size = track.size
        zoom = options.x_ranges.get(title)
        if zoom is not None and size:
            xlo, xhi = zoom
            lo = 0 if xlo is None else max(0, position_bound(x_at, size, float(xlo), right=False) - 1)
            hi = size if xhi is None else min(size, position_bound(x_at, size, float(xhi), right=True) + 1)
            return lo, hi
        if options.window is not None and size:
            first = run.history.next_step - options.window
            return position_bound(step_at, size, float(first), right=False), size
        return 0, size

    def _colors(self, summaries: list[RunSummary]) -> tuple[Objective | None, dict[str, int]]:
        """What the runs are judged by, and each run's colour (set on its summary; muted runs remembered)."""
        objective = self.runs.objective  # named only: runs of different metrics (a dashboard of losses) have no judge
        colors = run_colors(summaries, objective)
        for summary in summaries:
            summary.color = colors[summary.name]
        self._muted = {name for name, color in colors.items() if color == MUTED}
        return objective, colors

    def _limit(self, key: SeriesKey) -> int | None:
        """The points of a lean line (an overlay panel's series, a muted run's), else ``None``."""
        limit = self._limits.get(self._titles[key])
        if key[0] in self._muted:
            return MUTED_POINTS if limit is None else min(limit, MUTED_POINTS)
        return limit

    def _signature(self, run: Run, s: Series, options: FrameOptions, key: SeriesKey) -> tuple[object, ...]:
        """Everything a series' frame depends on: equal signatures, equal frames."""
        title = self._titles[key]
        return (
            s.version, len(s), self._weights.get(key, 0.0), title, self._limit(key),
            *(getattr(options, name) for name in _SERIES_OPTIONS), options.x_ranges.get(title),
            run.history.next_step if options.window is not None else None,
            run.history.version if options.x_axis == "epoch" else None,
        )

    def _series_frame(
        self, run: Run, s: Series, options: FrameOptions, bounds: Mapping[float, tuple[int, int]]
    ) -> SeriesFrame:
        title = self._titles[(run.name, s.name)]
        limit = self._limit((run.name, s.name))  # an overlay panel, a muted run: one lean line per series
        key = (run, s.name)
        weight = self._weights.get((run.name, s.name), float(options.smoothing))
        signature = self._signature(run, s, options, (run.name, s.name))  # under the lock: what the arrays show
        track = self._tracks.get(key)
        if track is None:
            track = self._tracks[key] = SeriesTrack()
        track.update(s, weight)

        def step_at(pos: np.ndarray) -> np.ndarray:
            return s.steps[track.hist_index(pos)].astype(np.float64)

        def x_at(pos: np.ndarray) -> np.ndarray:
            index = track.hist_index(pos)
            if options.x_axis == "step":
                return s.steps[index].astype(np.float64)
            if options.x_axis == "time":
                return s.times[index].astype(np.float64)
            return fractional_epochs(s, index, bounds)

        lo, hi = self._visible(title, run, track, x_at, step_at, options)
        log = options.log_y

        def line(pyramid: MinMaxPyramid | None, limit: int) -> tuple[np.ndarray, np.ndarray]:
            """At most ``limit`` points: a min/max pair per bucket (M4 without the redundant first/last)."""
            if pyramid is None:
                return np.empty(0), np.empty(0)
            idx, y = pyramid.select(lo, hi, max(3, (limit - 2) // 2), log, whole=limit)
            if len(idx) > limit:  # many gaps (a third point per bucket): fewer, wider buckets
                idx, y = pyramid.select(lo, hi, max(3, (limit - 2) // 3), log, whole=limit)
            # non-finite values are gaps (an Inf would break the axis' domain); so are values <= 0 on log y
            y = np.where(np.isfinite(y), y, np.nan)
            if log:
                y = np.where(y > 0, y, np.nan)
            # the browser's linear scale overflows on a domain wider than the largest double: clip for drawing
            y = np.clip(y, -DRAW_LIMIT, DRAW_LIMIT)
            return x_at(idx), y

        smooth = None if weight <= 0 else (track.raw if track.constant else track.smooth)
        if limit is not None:  # overlay: the line drawn at full opacity only, ``limit`` points, no readout
            dx, dy = line(track.raw if smooth is None else None, limit)
            sx, sy = line(smooth, limit)
            rx = ry = np.empty(0)
        else:
            # the faint raw line under a smoothed one: a min/max pair per two columns is enough
            dx, dy = line(track.raw, options.max_points if smooth is None else max(16, options.max_points // 2))
            sx, sy = line(smooth, options.max_points)
            # the hover readout: evenly spaced points of the line drawn at full opacity (no third select)
            rx, ry = _subsample(*((sx, sy) if smooth is not None else (dx, dy)), options.readout_points)
        hidden = track.raw.nonpositive if log else 0
        sf = SeriesFrame(s.name, dx, dy, sx, sy, rx, ry, hidden, len(s), track.huge, run=run.name,
                         best=best_point(s, options, bounds) if options.mark_best and is_validation(s.name) else None)
        self._last[key] = (signature, sf)
        return sf

