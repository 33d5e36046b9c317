"""The run table at sweep scale: 300 runs cost a page of rows, best first, a best-so-far line, muted curves."""

from __future__ import annotations

import numpy as np

from lossplot_widget import LiveLossWidget
from lossplot_widget.render.palette import MUTED
from lossplot_widget.render.runstyle import DISTINCT
from lossplot_widget.view.closing import walk
from lossplot_widget.view.run_table import PAGE_ROWS


def sweep(n: int, running: int = 1) -> LiveLossWidget:
    w = LiveLossWidget(store=None)
    w.widget
    rng = np.random.default_rng(0)
    for k in range(n):
        r = w.run(f"trial-{k}", config={"lr": float(10 ** rng.uniform(-4, 0)), "width": int(32 * (1 + k % 4))})
        steps = np.arange(100)
        r.history.load("loss", steps, steps // 10, steps * 1e-2, 1 / (1 + steps) + (k * 37 % n) / n)
        if k < n - running:
            r.finish("pruned" if k % 3 else "finished")
    w.rank_by("loss", "min")
    w.flush()
    return w


def comms_of(w: LiveLossWidget) -> int:
    """The widgets (comms) the page holds for ``w``: everything reachable from it, with the run table's rows
    (other widgets' trailing frames in other tests do not count)."""
    table = w._view.run_table
    return sum(1 for _ in walk(w, [row[0] for row in table._rows.values()]))


def test_three_hundred_runs_cost_one_page_of_rows():
    small = comms_of(sweep(21))  # a page of rows, the pager, the best line: a small sweep's comms
    w = sweep(300)
    table = w._view.run_table
    assert len(table.body.children) == PAGE_ROWS == len(table.order)
    # the running trial first, then the best first: the 19 lowest minima, in order (pruned trials after the others)
    best = sorted((n for n in w.runs if n != "trial-299"),
                  key=lambda n: (w.runs[n].status == "pruned", float(w.runs[n].history["loss"].values.min())))
    assert table.order == ["trial-299", *best[:PAGE_ROWS - 1]]
    assert f"Best so far: <b>{best[0]}</b>" in table.best.value
    assert "300 runs" in table.best.value and "pruned" in table.best.value
    # a page of rows and a handful of marks, not 7 widgets per run and 3 marks per curve
    panel = w._view.panels["loss"]
    assert len(panel.series) <= 8
    assert panel.muted is not None and np.isnan(panel.muted.y).sum() == 300 - len(panel.series) - 1  # gaps
    assert comms_of(w) - small < 30  # was ~7 per row and ~4 per curve: 2,000 more


def test_pages_turn_and_a_box_on_page_two_hides_its_own_run():
    w = sweep(50)
    table = w._view.run_table
    first = table.order
    table.turn_page(1)
    second = table.order
    assert len(second) == PAGE_ROWS and not set(first) & set(second)
    assert "runs 21\u201340 of 50" in table.pager.children[1].value
    name = second[3]
    table.checks[name].value = False  # the person unticks the 4th row of page 2
    w.flush()
    assert name in w._hidden and table.order[3] == name and 'data-hidden="true"' in table.row_html(name)
    table.turn_page(5)  # past the end: the last page
    assert len(table.order) == 10
    table.sort_by("run")  # another column: back to page 1
    assert table.page == 0 and table.order[0] == "trial-0"


def test_colours_follow_the_objective():
    w = sweep(30, running=2)
    frame = w._builder.build(w._options())
    color = {s.name: s.color for s in frame.runs}
    ranked = sorted((n for n in w.runs if w.runs[n].status != "running"),
                    key=lambda n: (w.runs[n].status == "pruned", float(w.runs[n].history["loss"].values.min())))
    assert [color[n] for n in ranked[:DISTINCT]] == list(range(DISTINCT))
    assert all(color[n] == MUTED for n in ranked[DISTINCT:])
    assert all(color[n] not in (MUTED, *range(DISTINCT)) for n in w.runs if w.runs[n].status == "running")
    muted = [sf for sf in frame.panels["loss"] if sf.muted]
    assert len(muted) == 30 - DISTINCT - 2 and all(len(sf.x) <= 200 for sf in muted)


def test_few_runs_keep_their_own_colours_and_order():
    w = sweep(5, running=0)
    frame = w._builder.build(w._options())
    assert [s.color for s in frame.runs] == [0, 1, 2, 3, 4]
    assert not any(sf.muted for sf in frame.panels["loss"])


def test_a_sweep_drawn_trial_by_trial_keeps_drawing():
    # each trial runs while drawn, then ends: its marks give way to a row of the muted mark (the panel's scales stay)
    w = LiveLossWidget(store=None)
    w.widget
    w.rank_by("loss", "min")
    for k in range(30):
        r = w.run(f"trial-{k}")
        for step in range(5):
            r.log(loss=1.0 / (step + 1) + k % 7, step=step)
        w._view.apply(w._builder.build(w._options()))
        r.finish()
        w._view.apply(w._builder.build(w._options()))
    panel = w._view.panels["loss"]
    assert w.draw_error is None
    assert len(panel.series) <= DISTINCT + 3 and np.isnan(panel.muted.y).sum() == 30 - len(panel.series) - 1
    assert panel.x_scale.comm is not None and panel.lin_scale.comm is not None


def test_without_a_named_objective_nothing_is_ranked_or_muted():
    # runs of different metrics (a dashboard comparing losses): no judge, colours cycle, the order runs began
    w = LiveLossWidget(store=None)
    w.widget
    for k in range(12):
        with w.run(f"r{k}") as r:
            r.log(**{("MSE" if k % 2 else "MAE"): 1.0 / (k + 1)})
    w.flush()
    frame = w._builder.build(w._options())
    assert frame.objective is None and [s.color for s in frame.runs] == list(range(12))
    assert not any(sf.muted for series in frame.panels.values() for sf in series)
    table = w._view.run_table
    assert table.order == [f"r{k}" for k in range(12)] and table.best is None


def test_a_box_belongs_to_its_run_whatever_the_order_does_meanwhile():
    w = sweep(30, running=0)
    table = w._view.run_table
    box = table.checks[table.order[3]]
    name = table.order[3]
    r = w.run("new-trial")  # a running trial comes first: every row moves down one
    r.log(loss=9.0)
    w.flush()
    assert table.order[4] == name
    box.value = False  # the person's click, sent before the page moved
    w.flush()
    assert w._hidden == {name}


def test_the_objectives_direction_sets_best_and_nothing_is_muted_before_a_score():
    w = LiveLossWidget(store=None)
    w.widget
    w.rank_by("value", "max")
    for k in range(10):
        r = w.run(f"t{k}")
        r.log(other=float(k))  # the objective's metric not logged yet: no run is the best
        r.finish()
    w.flush()
    frame = w._builder.build(w._options())
    assert [s.color for s in frame.runs] == list(range(10))
    r = w.run("t10")
    for v in (0.2, 0.9, 0.5):
        r.log(value=v)
    w.flush()
    assert "0.9 @ 1" in w._view.run_table.row_html("t10")  # maximize: the max is best, whatever the name says
