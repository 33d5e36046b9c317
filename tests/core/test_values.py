from __future__ import annotations

import fractions

import numpy as np
import pytest

from lossplot_widget import LiveLossWidget
from lossplot_widget.core.values import coerce_epoch, coerce_step, coerce_value


@pytest.mark.parametrize(
    "value, expected",
    [
        (1, 1.0),
        (0.25, 0.25),
        (np.float32(0.5), 0.5),
        (np.int64(7), 7.0),
        (np.array(3.5), 3.5),
        (np.array([2.0]), 2.0),
        (fractions.Fraction(1, 4), 0.25),
        (float("nan"), None),
        (float("inf"), float("inf")),
    ],
)
def test_accepted_values(value, expected):
    out = coerce_value("loss", value)
    assert isinstance(out, float)
    if expected is None:
        assert np.isnan(out)
    else:
        assert out == expected


@pytest.mark.parametrize(
    "value, error, fragment",
    [
        ("0.5", TypeError, "str"),
        (None, TypeError, "NoneType"),
        (True, TypeError, "bool"),
        (np.bool_(False), TypeError, "bool"),
        (1 + 2j, TypeError, "complex"),
        (np.array([1.0, 2.0]), ValueError, "shape (2,)"),
        (np.array(["a"]), TypeError, "dtype"),
        ([1.0], TypeError, "list"),
    ],
)
def test_rejected_values_name_the_metric(value, error, fragment):
    with pytest.raises(error) as info:
        coerce_value("my_metric", value)
    assert "my_metric" in str(info.value)
    assert fragment in str(info.value)


@pytest.mark.parametrize("step", [1.0, "3", None, True, 2.5])
def test_steps_must_be_integers(step):
    with pytest.raises(TypeError, match="step must be an integer"):
        coerce_step(step)


def test_large_steps_are_kept_exactly():
    assert coerce_step(2**53 + 1) == 2**53 + 1
    assert coerce_step(np.int64(5)) == 5
    with pytest.raises(ValueError):
        coerce_step(2**64)


def test_epochs():
    assert coerce_epoch(3) == 3.0
    assert coerce_epoch(1.5) == 1.5
    for bad in ("1", None, True):
        with pytest.raises(TypeError):
            coerce_epoch(bad)
    with pytest.raises(ValueError):
        coerce_epoch(float("nan"))


@pytest.mark.parametrize(
    "call",
    [
        lambda w: w.log(loss=0.1, acc="high"),
        lambda w: w.log({"loss": 0.1, 3: 0.2}),
        lambda w: w.log({"loss": 0.1, "": 0.2}),
        lambda w: w.log(loss=0.1, step=1.5),
        lambda w: w.log(loss=0.1, epoch="one"),
        lambda w: w.log({"loss": 0.1}, loss=0.2),
        lambda w: w.log([("loss", 0.1)]),
        lambda w: w.log(),
        lambda w: w.log(loss=np.ones(3)),
    ],
)
def test_a_rejected_call_appends_nothing(call):
    w = LiveLossWidget()
    w.log(loss=1.0)
    before = w.to_dict()
    with pytest.raises((TypeError, ValueError)):
        call(w)
    assert w.to_dict() == before
    assert w.history.next_step == 1


def test_non_string_name_message():
    w = LiveLossWidget()
    with pytest.raises(TypeError, match="metric names must be str, got int: 3"):
        w.log({3: 0.2})
