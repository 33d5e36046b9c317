"""Reference lines (``add_reference``) and best-point markers: in the frame, the live view and the static picture,
under zoom, log y and several runs."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
from traitlets import TraitError

from lossplot_widget import LiveLossWidget
from lossplot_widget.core.history import History
from lossplot_widget.core.run_summary import best_of
from lossplot_widget.render.builder import FrameBuilder
from lossplot_widget.render.frame import FrameOptions, Reference
from lossplot_widget.render.marks import MAX_BEST_LABELS, best_point, label_sides, panel_references
from lossplot_widget.render.palette import css_color, hex_color
from lossplot_widget.render.static import frame_to_svg

VAL = [0.9, 0.5, 0.3, 0.35, 0.42, 0.6]  # a U: lowest after the third epoch
ACC = [0.5, 0.7, 0.82, 0.80, 0.79, 0.75]


def _train(w: LiveLossWidget, run: str | None = None, shift: float = 0.0, per_epoch: int = 10) -> None:
    target = w if run is None else w.run(run)
    step = 0
    for v, a in zip(VAL, ACC):
        for _ in range(per_epoch):
            target.log(loss=2.0 / (1 + step) + shift, accuracy=a)
            step += 1
        target.log_epoch(val_loss=v + shift, val_accuracy=a - shift)
    if run is not None:
        target.finish()


def _drawn(w: LiveLossWidget, timeout: float = 5.0) -> None:
    w.flush()
    deadline = time.monotonic() + timeout
    while w.dirty and time.monotonic() < deadline:
        time.sleep(0.01)


# ------------------------------------------------------------------------------------------- the frame
def test_a_reference_goes_to_the_panel_of_its_metric_or_title() -> None:
    panels = {"loss": [], "acc": []}
    refs, notes = panel_references(FrameOptions(references={
        "val_loss": {"chance": math.log(10)}, "acc": {"target": 0.95}, "nowhere": {"x": 1.0},
    }), panels)
    assert refs == {"loss": [Reference(math.log(10), "chance")], "acc": [Reference(0.95, "target")]}
    assert notes == []
    # the same line named twice (by metric and by title) is drawn once
    refs, _ = panel_references(FrameOptions(references={"loss": {"c": 1.0}, "val_loss": {"c": 1.0}}), panels)
    assert refs == {"loss": [Reference(1.0, "c")]}


def test_log_y_leaves_out_a_reference_at_or_below_zero_with_a_note() -> None:
    options = FrameOptions(log_y=True, references={"loss": {"zero": 0.0, "neg": -1.0, "ok": 0.5}})
    refs, notes = panel_references(options, {"loss": []})
    assert refs == {"loss": [Reference(0.5, "ok")]}
    assert len(notes) == 2 and all("log y" in n for n in notes) and "'zero'" in notes[0]
    # on a linear axis all three are drawn
    refs, notes = panel_references(FrameOptions(references=options.references), {"loss": []})
    assert [r.value for r in refs["loss"]] == [0.0, -1.0, 0.5] and notes == []


def test_the_y_range_always_holds_the_references() -> None:
    h = History()
    for i in range(50):
        h.append({"loss": 1.0 + 0.01 * i}, None, None)
    builder = FrameBuilder(h)
    plain = builder.build(FrameOptions(smoothing=0.0))
    assert plain.axes["loss"].y.hi < 2.0
    frame = builder.build(FrameOptions(smoothing=0.0, references={"loss": {"chance": 2.303, "floor": 0.1}}))
    y = frame.axes["loss"].y
    assert y.lo <= 0.1 and y.hi >= 2.303
    log = builder.build(FrameOptions(smoothing=0.0, log_y=True, references={"loss": {"chance": 20.0, "bad": -1}}))
    assert log.axes["loss"].y.hi >= 20.0 and any("'bad'" in n for n in log.notes)


def test_best_point_is_the_run_tables_best_for_losses_and_accuracies() -> None:
    w = LiveLossWidget(smoothing=0.0)
    _train(w)
    h = w.history
    h.commit()
    frame = w._builder.build(w._options())
    best = {sf.name: sf.best for sf in frame.panels["loss"] + frame.panels["accuracy"]}
    # only validation series are marked
    assert best["loss"] is None and best["accuracy"] is None
    for name, pick in (("val_loss", np.argmin), ("val_accuracy", np.argmax)):
        values = h[name].values
        k = int(pick(values))
        value, step = best_of(name, h[name].stats())
        assert best[name].y == value == values[k] and step == h[name].steps[k]
        assert best[name].x == step  # on the step axis
        assert best[name].label == f"best {value:.4g} (epoch {k + 1})"
    assert best["val_loss"].label == "best 0.3 (epoch 3)" and best["val_accuracy"].label == "best 0.82 (epoch 3)"


def test_best_point_on_the_epoch_and_time_axes_and_without_epochs() -> None:
    h = History()
    for v in VAL:
        for _ in range(4):
            h.append({"loss": 1.0}, None, None)
        h.append({"val_loss": v}, h.last_step, None)
        h.advance_epoch()
    h.commit()
    s = h["val_loss"]
    from lossplot_widget.core.epochs import epoch_step_bounds

    on_epochs = best_point(s, FrameOptions(x_axis="epoch"), epoch_step_bounds(h))
    assert on_epochs is not None and on_epochs.x == 3.0  # the end of the third epoch sits at 3 on the epoch axis
    on_time = best_point(s, FrameOptions(x_axis="time"), {})
    assert on_time is not None and on_time.x == float(s.times[2])
    # a run without epochs: the label names the step
    flat = History()
    for i, v in enumerate([3.0, 1.0, 2.0]):
        flat.append({"val_loss": v}, 10 * i, None)
    flat.commit()
    assert best_point(flat["val_loss"], FrameOptions(), {}).label == "best 1 (step 10)"
    # log y cannot show a best value <= 0; NaN never is the best
    neg = History()
    for i, v in enumerate([0.5, -1.0, float("nan")]):
        neg.append({"val_loss": v}, i, None)
    neg.commit()
    assert best_point(neg["val_loss"], FrameOptions(log_y=True), {}) is None
    assert best_point(neg["val_loss"], FrameOptions(), {}).y == -1.0
    # a single point is no choice between epochs: not marked
    one = History()
    one.append({"val_loss": 0.5}, 0, None)
    one.commit()
    assert best_point(one["val_loss"], FrameOptions(), {}) is None


def test_labels_grow_away_from_the_nearer_edge() -> None:
    assert label_sides([0.0, 4.9, 5.1, 10.0][:3], 0.0, 10.0) == ["start", "start", "end"]
    assert label_sides([], 0.0, 1.0) == []
    assert label_sides([0.5] * (MAX_BEST_LABELS + 1), 0.0, 1.0) == []


def test_mark_best_false_marks_nothing() -> None:
    w = LiveLossWidget(smoothing=0.0, mark_best=False)
    _train(w)
    frame = w._builder.build(w._options())
    assert all(sf.best is None for series in frame.panels.values() for sf in series)


def test_bad_references_are_refused() -> None:
    w = LiveLossWidget()
    for bad in ({"loss": 1.0}, {"loss": {"a": float("nan")}}, {"loss": {"a": "1"}}, {"loss": {"a": True}}):
        with pytest.raises(TraitError):
            w.references = bad
    with pytest.raises(TraitError):
        w.add_reference("loss", math.inf)
    w.add_reference("loss", 0.25)
    assert w.references == {"loss": {"0.25": 0.25}}  # the value is the default label


# ------------------------------------------------------------------------------------------- live view
def test_live_view_draws_references_across_the_plot_whatever_the_zoom(recorder) -> None:
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    _train(w)
    w.add_reference("loss", math.log(10), "chance: ln 10")
    _drawn(w)
    panel = w._view.panels["loss"]
    assert np.atleast_2d(panel.ref_lines.y).tolist() == [[math.log(10)] * 2]
    assert list(panel.ref_labels.text) == ["chance: ln 10"]
    assert panel.ref_lines.scales["x"] is panel.ref_scale and (panel.ref_scale.min, panel.ref_scale.max) == (0, 1)
    assert panel.lin_scale.max >= math.log(10)
    # a zoom moves the panel's x scale, never the references' own: the line still spans the plot
    panel.x_scale.set_state({"min": 20.0, "max": 30.0})
    _drawn(w)
    assert np.atleast_2d(panel.ref_lines.x).tolist() == [[0.0, 1.0]]
    assert panel.lin_scale.max >= math.log(10)
    # log y: the marks move to the log scale; a reference <= 0 is left out and the notes say so
    w.add_reference("loss", 0.0, "zero")
    w.log_y = True
    _drawn(w)
    assert panel.ref_lines.scales["y"] is panel.log_scale and panel.best_dots.scales["y"] is panel.log_scale
    assert list(panel.ref_labels.text) == ["chance: ln 10"]
    assert "reference line &#x27;zero&#x27;" in w._view.notes.value or "'zero'" in w._view.notes.value
    w.references = {}
    _drawn(w)
    assert len(panel.ref_lines.y) == 0 and list(panel.ref_labels.text) == []


def test_live_view_marks_each_runs_best_point_in_its_colour(recorder) -> None:
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    _train(w, "a")
    _train(w, "b", shift=0.1)
    _drawn(w)
    panel = w._view.panels["loss"]
    frame = w._builder.build(w._options())
    marked = [sf for sf in frame.panels["loss"] if sf.best is not None]
    assert [sf.run for sf in marked] == ["a", "b"]
    assert np.asarray(panel.best_dots.y).tolist() == pytest.approx([0.3, 0.4])
    assert list(panel.best_dots.colors) == [css_color(sf.color) for sf in marked]
    assert len(set(panel.best_dots.colors)) == 2  # each run its own colour
    # both best points (step 29 of 0..59) lie in the left half of the plot: their labels grow rightwards
    assert list(panel.best_labels["start"].text) == ["best 0.3 (epoch 3)", "best 0.4 (epoch 3)"]
    assert list(panel.best_labels["end"].text) == []
    # hiding a run hides its marker
    w.set_run_visible("b", False)
    _drawn(w)
    assert list(panel.best_labels["start"].text) == ["best 0.3 (epoch 3)"]
    # zoomed so that the best point sits in the right half: its label grows leftwards, away from the edge
    panel.x_scale.set_state({"min": 0.0, "max": 40.0})
    _drawn(w)
    assert list(panel.best_labels["end"].text) == ["best 0.3 (epoch 3)"] and list(panel.best_labels["start"].text) == []


def test_many_best_points_keep_their_dots_and_drop_their_labels(recorder) -> None:
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    for k in range(MAX_BEST_LABELS + 1):
        _train(w, f"r{k}", shift=0.05 * k)
    _drawn(w)
    panel = w._view.panels["loss"]
    assert len(panel.best_dots.x) == MAX_BEST_LABELS + 1
    assert all(list(label.text) == [] for label in panel.best_labels.values())
    svg = frame_to_svg(w._builder.build(w._options()))
    assert svg.count('class="lossplot-best"') == 2 * (MAX_BEST_LABELS + 1) and ">best " not in svg


# ---------------------------------------------------------------------------------------- static picture
def test_static_picture_draws_references_and_best_points() -> None:
    w = LiveLossWidget(smoothing=0.0)
    _train(w)
    w.add_reference("val_loss", math.log(10), "chance: ln 10")
    svg = frame_to_svg(w._builder.build(w._options()))
    assert svg.count('class="lossplot-reference"') == 1 and ">chance: ln 10<" in svg
    assert svg.count('class="lossplot-best"') == 2  # val_loss and val_accuracy
    assert ">best 0.3 (epoch 3)<" in svg and ">best 0.82 (epoch 3)<" in svg
    # the marker is drawn at the best point: the same pixel row as the line's value there
    cy = [float(v) for v in re.findall(r'class="lossplot-best" cx="[\d.]+" cy="([\d.]+)"', svg)]
    ref_y = float(re.search(r'class="lossplot-reference" x1="\d+" x2="[\d.]+" y1="([\d.]+)"', svg).group(1))
    assert ref_y < cy[0]  # ln 10 is above the best validation loss (smaller pixel y is higher)
    # zoomed away from the best point: no marker outside the plot
    zoomed = FrameBuilder(w._runs).build(FrameOptions(smoothing=0.0, x_ranges={"loss": (0.0, 5.0)}))
    assert frame_to_svg(zoomed).count('class="lossplot-best"') == 1  # the accuracy panel is not zoomed
    # log y: a reference <= 0 is not drawn
    log = FrameBuilder(w._runs).build(FrameOptions(smoothing=0.0, log_y=True, references={"loss": {"z": 0.0}}))
    assert 'class="lossplot-reference"' not in frame_to_svg(log) and log.notes
    assert hex_color(0) in svg
