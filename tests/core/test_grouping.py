from __future__ import annotations

import pytest

from lossplot_widget.core.grouping import assign_panels, is_validation, normalize_groups, panel_of


@pytest.mark.parametrize(
    "name, panel",
    [
        ("loss", "loss"),
        ("val_loss", "loss"),
        ("acc", "acc"),
        ("val_acc", "acc"),
        ("accuracy", "accuracy"),
        ("val_accuracy", "accuracy"),
        ("train/loss", "loss"),
        ("val/loss", "loss"),
        ("train_mae", "mae"),
        ("val_mae", "mae"),
        ("lr", "lr"),
        ("val_", "val_"),
    ],
)
def test_panel_of(name, panel):
    assert panel_of(name) == panel


def test_assign_auto_and_override():
    names = ["loss", "acc", "val_loss", "val_acc", "lr", "aux"]
    assert assign_panels(names, {}) == {
        "loss": ["loss", "val_loss"],
        "acc": ["acc", "val_acc"],
        "lr": ["lr"],
        "aux": ["aux"],
    }
    overrides = normalize_groups({"losses": ["loss", "val_loss", "aux"]})
    assert assign_panels(names, overrides)["losses"] == ["loss", "val_loss", "aux"]
    assert normalize_groups([["a", "b"], ["c"]]) == {"a": "a", "b": "a", "c": "c"}


def test_bad_groups():
    for bad in ("loss", [["a"], "b"], {"x": "loss"}, {"x": [1]}, 5):
        with pytest.raises(TypeError):
            normalize_groups(bad)
    with pytest.raises(ValueError):
        normalize_groups([["a"], ["a"]])


def test_is_validation():
    assert is_validation("val_loss") and is_validation("val/acc")
    assert not is_validation("loss") and not is_validation("value")


def test_summarywriter_suffixes_share_a_panel_and_test_is_dashed() -> None:
    from lossplot_widget.core.grouping import assign_panels, is_validation

    assert assign_panels(["Loss/train", "Loss/test", "Accuracy/train"], {}) == {
        "Loss": ["Loss/train", "Loss/test"], "Accuracy": ["Accuracy/train"],
    }
    assert is_validation("Loss/test") and is_validation("Loss/val") and not is_validation("Loss/train")
    assert assign_panels(["train", "runA/loss"], {}) == {"train": ["train"], "runA/loss": ["runA/loss"]}
