"""``w.log()`` inside a ``torch.compile``'d step: the widget is never traced, frames draw, nothing is printed."""

from __future__ import annotations

import warnings

import pytest
from _frameworks import require

torch = require("torch")

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.render.schedule import FrameLoop  # noqa: E402


@pytest.fixture
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def test_a_compiled_step_that_logs_draws_frames_quietly(fresh_dynamo, recorder, capfd):
    torch.manual_seed(0)
    w = LiveLossWidget(refresh_interval=0.0)
    w.widget  # a view: frames are painted on bqplot marks
    run = w.run("compiled")
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = torch.randn(64, 4), torch.randn(64, 1)

    @torch.compile
    def step(xb, yb):
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        w.log(loss=loss, half=loss / 2)  # the widget's entry points run eagerly, between two graphs
        run.log(twice=loss * 2, step=None)
        return loss

    expected = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(30):
            loss = step(x, y)
            loss.backward()
            opt.step()
            opt.zero_grad()
            expected.append(float(loss))
            w.flush()
    out, err = capfd.readouterr()
    assert [str(c.message) for c in caught if issubclass(c.category, RuntimeWarning)] == []
    assert "Graph break" not in err and "inductor" not in err.lower() and "Traceback" not in err, err[-2000:]
    assert w.draw_error is None
    assert w.frames_sent >= 30
    assert w.history["loss"].values.tolist() == pytest.approx(expected, rel=1e-6)
    assert w.history["half"].values.tolist() == pytest.approx([v / 2 for v in expected], rel=1e-6)
    assert w.history["twice"].values.tolist() == pytest.approx([v * 2 for v in expected], rel=1e-6)
    # the last frame drew the last value
    panel = w._view.panels["loss"]
    assert panel.marks("loss", run="compiled").raw.y[-1] == pytest.approx(expected[-1], rel=1e-6)


def test_draw_error_is_cleared_once_a_frame_succeeds():
    outcomes = [RuntimeError("boom"), False, True]

    def paint(final):
        out = outcomes.pop(0)
        if isinstance(out, Exception):
            raise out
        return out

    loop = FrameLoop(paint, version=lambda: 1, interval=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loop.flush()
    assert isinstance(loop.error, RuntimeError)
    loop.flush()  # no view to paint on (paint returned False), but nothing failed
    assert loop.error is None
    loop.flush()
    assert loop.error is None and loop.frames == 1
