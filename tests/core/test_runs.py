"""Runs as a dimension of the data: per-run steps, statuses, threads, the active run."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest

from lossplot_widget import LiveLossWidget
from lossplot_widget.core.runset import RunSet


def test_five_runs_three_metrics_from_five_threads_keep_every_value_in_order():
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    n = 2000
    barrier = threading.Barrier(5)

    def train(k: int) -> None:
        barrier.wait()
        with w.run(f"r{k}", config={"k": k}):
            for i in range(n):
                # the thread's run: w.log() inside the with block of this thread
                w.log(loss=k * 1e6 + i, val_loss=-(k * 1e6 + i), acc=i / n)

    threads = [threading.Thread(target=train, args=(k,)) for k in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w.flush()
    assert sorted(w.runs) == [f"r{k}" for k in range(5)]
    for k in range(5):
        h = w.runs[f"r{k}"].history
        assert h.names == ["loss", "val_loss", "acc"]
        np.testing.assert_array_equal(h["loss"].values, k * 1e6 + np.arange(n))
        np.testing.assert_array_equal(h["val_loss"].values, -(k * 1e6 + np.arange(n)))
        np.testing.assert_array_equal(h["loss"].steps, np.arange(n))  # each run starts at step 0
        assert w.runs[f"r{k}"].status == "finished"
    view = w._view
    assert list(view.panels) == ["loss", "acc"]  # metric families, not runs x families
    loss = view.panels["loss"]
    assert len(loss.series) == 10
    legend = loss.legend.value
    assert legend.count('class="lossplot-legend-item"') == 5  # one legend entry per run
    assert all(f">{name}<" in legend for name in w.runs)
    assert len({m.raw.colors[0] for m in loss.series.values()}) == 5  # colour encodes the run
    assert {m.raw.line_style for (r, name), m in loss.series.items() if name == "val_loss"} == {"dashed"}


def test_hiding_a_run_removes_its_lines_from_the_next_frame(recorder):
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    for name in ("a", "b", "c"):
        with w.run(name):
            for i in range(50):
                w.log(loss=float(i))
    w.flush()
    panel = w._view.panels["loss"]
    assert len(panel.marks("loss", run="b").raw.x) == 50
    recorder.clear()
    w._view.run_table.checks["b"].value = False  # the run table's box
    w.flush()
    assert len(panel.marks("loss", run="b").raw.x) == 0
    assert len(panel.marks("loss", run="a").raw.x) == 50
    assert "b" not in {sf.run for sf in w._builder.build(w._options()).panels["loss"]}
    # a frame after that sends nothing for the hidden run (nor for the unchanged ones)
    recorder.clear()
    w._redraw()
    w.flush()
    assert recorder.updates(panel.marks("loss", run="b").raw.model_id) == []
    assert recorder.updates(panel.marks("loss", run="a").raw.model_id) == []
    w.set_run_visible("b", True)
    w.flush()
    assert len(panel.marks("loss", run="b").raw.x) == 50
    assert w._view.run_table.checks["b"].value is True
    with pytest.raises(KeyError, match="no run named"):
        w.set_run_visible("nope")


def test_statuses_finished_failed_interrupted_and_plain_calls():
    w = LiveLossWidget()
    with w.run("ok") as r:
        w.log(loss=1.0)
    assert r.status == "finished" and r.ended is not None and r.ended >= r.started
    with pytest.raises(ZeroDivisionError), w.run("bad"):
        w.log(loss=1.0)
        1 / 0  # noqa: B018
    assert w.runs["bad"].status == "failed" and w.runs["bad"].error.startswith("ZeroDivisionError")
    with pytest.raises(KeyboardInterrupt), w.run("ctrl-c"):
        raise KeyboardInterrupt
    assert w.runs["ctrl-c"].status == "interrupted"
    r = w.run("plain", config={"lr": 0.1})
    w.log(loss=3.0)  # the current run: the one started last
    r.log(loss=2.0)
    assert w.history is r.history and r.history["loss"].values.tolist() == [3.0, 2.0]
    r.finish()
    assert r.status == "finished" and w._runs._started is None  # the next log() goes elsewhere
    # continuing a run by name goes on after its last step
    with w.run("plain") as again:
        w.log(loss=1.0)
    assert again is r and r.history["loss"].steps.tolist() == [0, 1, 2] and r.status == "finished"
    with pytest.raises(ValueError, match="non-empty"):
        w.run("  ")
    with pytest.raises(TypeError, match="config"):
        w.run("x", config=[("lr", 1)])


def test_stop_during_run_two_of_a_sweep_stops_it_and_ends_the_sweep():
    """Documented choice: Stop ends the whole cell's sweep; run 2 is ``stopped``, run 3 ends at once."""
    w = LiveLossWidget()
    steps_done = {}
    for k, lr in enumerate((0.1, 0.01, 0.001), start=1):
        with w.run(f"lr={lr}") as run:
            n = 0
            for i in w.steps(range(100)):
                w.log(loss=lr * i)
                n += 1
                if k == 2 and i == 9:
                    w.request_stop()  # what the Stop button does
            steps_done[run.name] = n
    assert [r.status for r in w.runs.values()] == ["finished", "stopped", "stopped"]
    assert steps_done == {"lr=0.1": 100, "lr=0.01": 10, "lr=0.001": 0}


def test_a_single_implicit_run_looks_like_before_and_a_second_run_compares():
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    w.log(loss=1.0)
    w.log_epoch(val_loss=2.0)
    w.flush()
    assert list(w.runs) == ["run-1"] and not w._runs.comparing
    panel = w._view.panels["loss"]
    assert [m.raw.labels for m in panel.series.values()] == [["loss"], ["val_loss"]]
    assert panel.marks("loss").raw.colors != panel.marks("val_loss").raw.colors  # colour per series
    assert w._view.run_table.box.layout.display == "none"
    assert "lossplot-row" in w._view.summary.value
    with w.run("second"):
        w.log(loss=0.5)
    w.flush()
    assert w._runs.comparing
    assert panel.marks("loss").raw.colors == panel.marks("val_loss").raw.colors  # now colour = run
    assert [m.raw.labels for m in panel.series.values()][0] == ["run-1"]
    assert w._view.run_table.box.layout.display == "flex"
    assert w._view.summary.value == ""
    w.log(loss=0.25)  # outside any run: the implicit run again
    assert w.runs["run-1"].history["loss"].values.tolist() == [1.0, 0.25]


def test_run_table_rows_sort_by_clicking_a_column_and_show_last_and_best():
    w = LiveLossWidget()
    w.widget
    for name, values in (("a", [3.0, 1.0, 2.0]), ("b", [0.5, 0.7, 0.9]), ("c", [5.0, 4.0, 4.5])):
        with w.run(name, config={"opt": name.upper()}):
            for v in values:
                w.log(loss=v, accuracy=1 - v / 10)
    w.flush()
    table = w._view.run_table
    labels = [b.description.split(" ")[0] for b in table.header.children]
    assert labels[:3] == ["run", "status", "opt"]
    rows = {name: table.row_html(name) for name in ("a", "b", "c")}
    assert 'data-status="finished"' in rows["a"]
    assert "1 @ 1" in rows["a"]  # loss: the min is best, at step 1
    assert "0.95 @ 0" in rows["b"]  # accuracy: the max is best
    best = next(b for b in table.header.children if b.description.startswith("loss best"))
    best.click()
    assert table.order == ["b", "a", "c"]
    best.click()  # again: the other way round
    assert table.order == ["c", "a", "b"]


def test_runset_without_a_widget_and_a_fresh_name_per_unnamed_run():
    runs = RunSet()
    a, b = runs.start(), runs.start()
    assert (a.name, b.name) == ("run-1", "run-2") and not a.named
    runs.remove("run-1")
    assert list(runs) == ["run-2"]
    runs.clear()
    assert len(runs) == 0 and runs.start().index == 0


def test_static_svg_colours_runs_and_names_them_once():
    from lossplot_widget.render.builder import FrameBuilder
    from lossplot_widget.render.frame import FrameOptions
    from lossplot_widget.render.palette import hex_color
    from lossplot_widget.render.static import frame_to_svg

    runs = RunSet()
    for name in ("adam", "sgd"):
        with runs.start(name) as r:
            for i in range(20):
                r.log(loss=1.0 / (i + 1))
            r.log_epoch(val_loss=0.5)
    svg = frame_to_svg(FrameBuilder(runs).build(FrameOptions(smoothing=0.0)))
    lines = re.findall(r'<polyline [^>]*stroke="(#[0-9a-f]+)"', svg)
    assert sorted(lines) == sorted([hex_color(0), hex_color(1)])  # one line per run, in its colour
    # the legend: one entry per run, in the run's colour (not one per line)
    assert f'fill="{hex_color(0)}">adam</text>' in svg and f'fill="{hex_color(1)}">sgd</text>' in svg
    assert f'fill="{hex_color(0)}">loss</text>' not in svg and "val_loss</text>" not in svg
    assert "adam · loss: last 0.05 at step 19" in svg


def test_clear_forgets_every_run_and_shows_a_fresh_view():
    w = LiveLossWidget()
    w.widget
    for name in ("a", "b"):
        with w.run(name):
            w.log(loss=1.0)
    w.flush()
    old = w._view
    w.clear()
    assert len(w.runs) == 0 and w._view is not old and w._view.panels == {}
    assert old.panel_box.comm is None  # the old view's widgets are closed
    w.log(loss=2.0)  # logging goes on into a new implicit run
    w.flush()
    assert list(w.runs) == ["run-1"] and list(w._view.panels) == ["loss"]


def test_cells_end_runs_implicit_finished_interrupted_and_an_explicit_run_failed():
    from _frameworks import require

    require("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from lossplot_widget import LiveLossWidget\nw = LiveLossWidget()\nw.log(loss=1.0)\n")
        w = shell.user_ns["w"]
        assert w.runs["run-1"].status == "finished"  # the implicit run ends with its cell
        shell.run_cell("for i in range(10):\n    w.log(loss=float(i))\n    if i == 4: raise KeyboardInterrupt\n")
        assert w.runs["run-1"].status == "interrupted" and len(w.runs["run-1"].history["loss"]) == 6
        # a run started without `with` (as the Keras callback does) that an exception leaves running fails
        shell.run_cell("r = w.run('fit')\nw.log(loss=1.0)\nraise ValueError('bad batch')\n")
        assert w.runs["fit"].status == "failed" and w.runs["fit"].error == "ValueError: bad batch"
        shell.run_cell("w.runs['fit'].log(loss=0.5)")  # logging into it again reopens it
        assert w.runs["fit"].status == "running"
    finally:
        InteractiveShell.clear_instance()


def test_more_runs_than_a_legend_can_hold_leave_naming_to_the_run_table():
    from lossplot_widget.render.runstyle import MAX_LEGEND_RUNS

    w = LiveLossWidget(smoothing=0.0)
    w.widget
    for k in range(MAX_LEGEND_RUNS + 1):
        with w.run(f"r{k}"):
            w.log(loss=1.0)
            w.log(loss=0.5)
    w.flush()
    marks = list(w._view.panels["loss"].series.values())
    assert "lossplot-legend-item" not in w._view.panels["loss"].legend.value
    assert [m.raw.labels[0] for m in marks] == [f"r{k}" for k in range(MAX_LEGEND_RUNS + 1)]  # still labelled
    assert w._runs.comparing and len(w._view.run_table.checks) == MAX_LEGEND_RUNS + 1


def test_config_values_are_kept_as_given_not_as_later_changed_in_place():
    lrs, arr = [0.1, 0.01], np.array([1.0, 2.0])
    w = LiveLossWidget()
    run = w.run("a", config={"lrs": lrs, "arr": arr, "opt": "adam"})
    lrs.append(0.001)
    arr[0] = 9.0
    assert run.config["lrs"] == [0.1, 0.01] and run.config["arr"].tolist() == [1.0, 2.0]
    assert run.config["opt"] == "adam"
