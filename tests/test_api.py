"""The public surface a newcomer guesses: one callback shape, clear errors for misspelled options, a read-only
``runs`` mapping changed only through the widget's verbs, exports of every run, one switch for control hooks."""

from __future__ import annotations

import inspect

import pytest

from lossplot_widget import LiveLossWidget
from lossplot_widget.core.keywords import unknown_keyword
from tests._frameworks import require


# --------------------------------------------------------------------------- unknown options
@pytest.mark.parametrize(
    ("kwargs", "closest"),
    [({"smothing": 0.9}, "smoothing"), ({"log_Y": True}, "log_y"), ({"max_point": 10}, "max_points"),
     ({"refresh_intervall": 1.0}, "refresh_interval"), ({"totl": 5}, "total"), ({"group": {}}, "groups")],
)
def test_a_misspelled_widget_option_raises_naming_the_closest(kwargs, closest):
    with pytest.raises(TypeError, match=f"did you mean {closest!r}"):
        LiveLossWidget(**kwargs)


def test_valid_options_and_vbox_arguments_still_pass():
    w = LiveLossWidget(smoothing=0.3, log_y=True, window=10, layout={"width": "500px"}, total=5)
    assert (w.smoothing, w.log_y, w.window, w.layout.width, w.progress.total) == (0.3, True, 10, "500px", 5)


def test_an_option_far_from_every_name_lists_the_valid_ones():
    err = unknown_keyword("LiveLossWidget", "zzzzzz", ["smoothing", "log_y"])
    assert "valid options: log_y, smoothing" in str(err)


# --------------------------------------------------------------------------- one callback shape
def _check_callback_shape(cls, widget_param_doc="widget"):
    params = inspect.signature(cls.__init__).parameters
    names = [n for n in params if n != "self"]
    assert names[0] == "widget" and params["widget"].default is None
    assert params["run"].kind is inspect.Parameter.KEYWORD_ONLY and params["run"].default is None
    assert all(params[n].kind is inspect.Parameter.KEYWORD_ONLY for n in names[1:])
    w = LiveLossWidget()
    with pytest.raises(TypeError):
        cls(w, "adam")  # a run name must be given by keyword: no positional meaning to guess
    cb = cls(w, run="adam")
    assert cb.widget is w and cb.run_name == "adam" and cb.current_run is None
    with pytest.raises(TypeError, match=r"^LiveLossCallback\(\) got an unexpected keyword argument 'runn'; did you mean 'run'"):
        cls(w, runn="adam")  # named as the class made (the Lightning callback's __init__ is on a shared mixin)


def test_keras_callback_shape(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    require("keras")
    from lossplot_widget.keras import LiveLossCallback

    _check_callback_shape(LiveLossCallback)
    with pytest.raises(TypeError, match="did you mean 'per_batch'"):
        LiveLossCallback(per_bach=False)


def test_lightning_callback_shape():
    require("lightning")
    from lossplot_widget.lightning import LiveLossCallback

    _check_callback_shape(LiveLossCallback)


def test_transformers_callback_shape():
    require("transformers")
    from lossplot_widget.transformers import LiveLossCallback

    _check_callback_shape(LiveLossCallback)


# --------------------------------------------------------------------------- runs: read-only, verbs on the widget
def test_runs_is_a_read_only_mapping():
    w = LiveLossWidget()
    w.run("a").log(loss=1.0)
    runs = w.runs
    assert list(runs) == ["a"] and runs["a"].history["loss"].values.tolist() == [1.0] and len(runs) == 1
    for verb in ("start", "adopt", "push", "pop", "remove", "clear", "ended", "scope_ended", "cell_failed"):
        assert not hasattr(runs, verb), verb
    with pytest.raises(TypeError):
        runs["b"] = runs["a"]  # type: ignore[index]
    w.run("b")
    assert list(runs) == ["a", "b"]  # a live view, not a copy


def test_remove_run_forgets_its_points_and_its_lines():
    w = LiveLossWidget(smoothing=0.0)
    for name in ("a", "b"):
        with w.run(name):
            w.log(loss=1.0); w.log(loss=0.5)
    w.flush()
    assert [sf.run for sf in w._build().panels["loss"]] == ["a", "b"]
    w.set_run_visible("a", False)
    w.remove_run("a")
    w.flush()
    assert list(w.runs) == ["b"] and list(w.to_dict()) == ["b"]
    assert "a" not in w._hidden  # a later run named "a" is not born hidden
    frame = w._build()
    assert [sf.run for sf in frame.panels["loss"]] == ["b"]
    with pytest.raises(KeyError, match="no run named 'a'"):
        w.remove_run("a")


# --------------------------------------------------------------------------- the static picture is the frame
def test_the_svg_draws_the_frames_epoch_rules_and_axis():
    w = LiveLossWidget(smoothing=0.0)
    for epoch in range(3):
        for _ in range(10):
            w.log(loss=1.0)
        w.log_epoch(val_loss=1.0)
    frame = w._build()
    assert frame.epoch_rules == [9.5, 19.5]  # half a step before each epoch's first step
    svg = w._svg()[0]
    assert svg.count('class="lossplot-epoch"') == 2
    w.x_axis = "time"  # no epoch rules on a time axis, and the label says time
    svg = w._svg()[0]
    assert 'class="lossplot-epoch"' not in svg and "wall-clock time (s)" in svg


def test_the_view_takes_a_frame_and_nothing_else():
    from lossplot_widget.view.plot import PlotView

    assert list(inspect.signature(PlotView.apply).parameters) == ["self", "frame"]
    from lossplot_widget.render.static import frame_to_svg

    assert list(inspect.signature(frame_to_svg).parameters) == ["frame"]


def test_a_misspelled_landscape_option_raises_before_anything_starts():
    torch = require("torch")
    from lossplot_widget.landscape import LandscapeWidget

    model = torch.nn.Linear(2, 1)
    batch = (torch.zeros(4, 2), torch.zeros(4, 1))
    with pytest.raises(TypeError, match="did you mean 'resolution'"):
        LandscapeWidget(model, torch.nn.functional.mse_loss, batch, resolutoin=11)
    with pytest.raises(TypeError, match="did you mean 'val_batch'"):
        LandscapeWidget(model, torch.nn.functional.mse_loss, batch, val_bach=batch)
