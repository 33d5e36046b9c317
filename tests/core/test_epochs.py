"""Epoch boundaries: where they are (pure), and the faint rules drawn at them in every panel."""

from __future__ import annotations

import numpy as np

from lossplot_widget import LiveLossWidget
from lossplot_widget.core.epochs import MAX_RULES, epoch_boundaries
from lossplot_widget.core.history import History


def test_boundaries_half_a_step_before_each_epoch():
    h = History()
    for step in range(1, 9):  # Lightning-like: steps 1..8, 4 per epoch, validation at the epoch's last step
        h.append({"train_loss": 1.0}, step, (step - 1) // 4)
        if step % 4 == 0:
            h.append({"val_loss": 0.5}, step, (step - 1) // 4)
    assert epoch_boundaries(h, "step") == [4.5]
    assert epoch_boundaries(h, "epoch") == [1.0]
    assert epoch_boundaries(h, "time") == []
    assert epoch_boundaries(History(), "step") == []


def test_many_epochs_are_thinned():
    h = History()
    for step in range(10 * MAX_RULES):
        h.append({"loss": 1.0}, step, step // 2)  # 5 * MAX_RULES epochs
    bounds = epoch_boundaries(h, "step")
    assert len(bounds) <= MAX_RULES
    assert bounds == sorted(bounds) and all(b % 2 == 1.5 for b in bounds)


def test_rules_follow_log_epoch_with_one_message_when_they_change(recorder):
    w = LiveLossWidget()
    w.widget
    for _ in range(4):
        w.log(loss=1.0)
    w.log_epoch(val_loss=0.5, val_acc=0.9)
    for _ in range(4):
        w.log(loss=1.0)
    w.flush()
    panels = w._view.panels
    for title in ("loss", "acc"):
        # one vertical segment from the bottom (0) to the top (1) of the panel; bqplot squeezes a single line
        assert np.atleast_2d(panels[title].rules.x).tolist() == [[3.5, 3.5]]
        assert np.atleast_2d(panels[title].rules.y).tolist() == [[0.0, 1.0]]
    rules = panels["loss"].rules
    recorder.clear()
    for _ in range(3):
        w.log(loss=1.0)  # same epoch: the rules do not change, nothing is sent for them
        w.flush()
    assert recorder.updates(rules.model_id) == []
    w.log_epoch(val_loss=0.4, val_acc=0.95)
    w.log(loss=1.0)
    w.flush()
    assert rules.x.tolist() == [[3.5, 3.5], [10.5, 10.5]]
    assert len(recorder.updates(rules.model_id)) == 1  # x and y together
    w.x_axis = "epoch"
    assert rules.x.tolist() == [[1.0, 1.0], [2.0, 2.0]]
    w.x_axis = "time"
    assert rules.x.tolist() == []
