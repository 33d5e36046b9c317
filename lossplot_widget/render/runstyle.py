"""How runs look: colour per run, dash per validation series, one legend entry per run.

With one implicit run a panel looks as it always did: a colour per series, ``val_*`` dashed, the legend
naming series. When runs are compared (:attr:`~lossplot_widget.core.runset.RunSet.comparing`) the colour
is the run's, validation series are dashed, a run's further training series in the same panel are
dotted, and the legend names each run once per panel.

>>> from lossplot_widget.render.builder import FrameBuilder

>>> from lossplot_widget.render.frame import FrameOptions
>>> from lossplot_widget.core.runset import RunSet
>>> runs = RunSet()
>>> for name in ("a", "b"):
...     r = runs.start(name); r.log(loss=1.0); r.log_epoch(val_loss=2.0); r.finish()
>>> frame = FrameBuilder(runs).build(FrameOptions(smoothing=0.0))
>>> for sf in frame.panels["loss"]:
...     print(sf.run, sf.name, sf.color, sf.style, sf.legend)
a loss 0 solid a
a val_loss 0 dashed None
b loss 1 solid b
b val_loss 1 dashed None
"""

from __future__ import annotations

from collections.abc import Mapping

from ..core.grouping import is_validation
from .frame import SeriesFrame

__all__ = ["EXTRA_STYLES", "MAX_LEGEND_RUNS", "style_panels"]

#: a panel drawing more runs than this shows no legend (the run table's colour swatches name the runs)
MAX_LEGEND_RUNS = 5
#: line styles of a run's second, third, ... training series in one panel
EXTRA_STYLES = ("dotted", "dash_dotted")


def style_panels(panels: Mapping[str, list[SeriesFrame]], comparing: bool, run_index: Mapping[str, int]) -> None:
    """Set ``color``, ``style`` and ``legend`` of every series frame (in place)."""
    for series in panels.values():
        if not comparing:
            for i, sf in enumerate(series):
                sf.color, sf.style, sf.legend = i, "dashed" if is_validation(sf.name) else "solid", sf.name
                sf.show_legend = True
            continue
        seen: dict[str, int] = {}  # run -> training series so far in this panel
        named: set[str] = set()
        for sf in series:
            sf.color = run_index.get(sf.run, 0)
            if is_validation(sf.name):
                sf.style = "dashed"
            else:
                k = seen.get(sf.run, 0)
                seen[sf.run] = k + 1
                sf.style = "solid" if k == 0 else EXTRA_STYLES[(k - 1) % len(EXTRA_STYLES)]
            sf.legend = None if sf.run in named else sf.run
            named.add(sf.run)
        crowded = len(named) > MAX_LEGEND_RUNS  # a legend this long covers the curves: the run table names them
        for sf in series:
            sf.show_legend = not crowded
