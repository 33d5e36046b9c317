"""Session-wide test setup, for tests/ and the doctests collected from lossplot_widget/."""

from __future__ import annotations

import importlib.util
import os

import pytest

# The run store is on by default: tests never write to the user's data directory. Module- and session-scoped
# fixtures (a notebook executed once for its module's tests) run without a store; each test function gets its own
# store file (``_own_run_store`` below), so that no test lists another test's runs.
os.environ["LOSSPLOT_STORE"] = "off"

# Keras runs its tests and doctests on the torch backend (CPU): set before anything imports keras.
os.environ.setdefault("KERAS_BACKEND", "torch")

# Adapter modules import their framework. Locally a missing framework skips their doctests;
# on CI (CI=true) every framework is installed, and a missing one must fail, not skip.
collect_ignore = []
if not os.environ.get("CI"):
    for module, framework in (
        ("keras", "keras"), ("lightning", "lightning"), ("pytorch_lightning", "pytorch_lightning"), ("torch", "torch"),
        ("transformers", "transformers"),
    ):
        if importlib.util.find_spec(framework) is None:
            collect_ignore.append(f"lossplot_widget/{module}.py")


@pytest.fixture(autouse=True)
def _own_run_store(tmp_path_factory, monkeypatch):
    """Each test and doctest writes its runs to a store of its own (the default store is on): a run of one test
    is never listed by the next, and nothing lands in the user's data directory."""
    monkeypatch.setenv("LOSSPLOT_STORE", str(tmp_path_factory.mktemp("store") / "runs.sqlite"))
