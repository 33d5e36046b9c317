"""The Keras tests again on every other Keras backend (JAX, TensorFlow), each in a subprocess.

Keras picks its backend once per process (``KERAS_BACKEND``), so ``test_keras.py`` runs here in a fresh
interpreter per backend; in-process it runs on torch. JAX runs from this venv; TensorFlow from a second venv
(``make test`` builds ``.venv-tf`` and names its interpreter in ``LOSSPLOT_TF_PYTHON``), since TensorFlow's
pins beside torch and JAX would fight over numpy.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _frameworks import require

HERE = Path(__file__).parent


def _interpreter(backend: str) -> str:
    if backend == "jax":
        require("jax")
        require("keras")
        return sys.executable
    python = os.environ.get("LOSSPLOT_TF_PYTHON", "")
    if not (python and Path(python).exists()):
        if os.environ.get("CI"):
            raise AssertionError("CI runs the Keras tests on TensorFlow: LOSSPLOT_TF_PYTHON (make test) is missing")
        pytest.skip("no TensorFlow venv (make test builds .venv-tf and sets LOSSPLOT_TF_PYTHON)")
    return python


@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_keras_tests_pass_on_backend(backend):
    python = _interpreter(backend)
    env = {**os.environ, "KERAS_BACKEND": backend}
    out = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
         str(HERE / "test_keras.py")],
        capture_output=True, text=True, env=env, cwd=HERE.parent.parent, timeout=600,
    )
    tail = (out.stdout + out.stderr)[-4000:]
    assert out.returncode == 0, tail
    ran = re.search(r"(\d+) passed", out.stdout)
    assert ran and int(ran.group(1)) >= 10 and "skipped" not in out.stdout, tail
