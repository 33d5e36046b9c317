"""Session-wide test setup, for tests/ and the doctests collected from lossplot_widget/."""

from __future__ import annotations

import importlib.util
import os

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
