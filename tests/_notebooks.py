"""Shared by the tutorials' tests (``tests/test_notebook_*.py``): run a notebook end to end in fast mode, offline.

Each notebook runs once per test session in a kernel started from this interpreter's environment
(kernel ``python3``, which the ``.venv`` provides), with ``LOSSPLOT_FAST=1`` (fewer steps and images)
and ``LOSSPLOT_OFFLINE=1`` (MNIST from the checksum-verified copy in ``notebooks/data/mnist``).
After the last cell a probe cell prints the values the assertions need as JSON.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from _frameworks import require

nbformat = require("nbformat")
nbclient = require("nbclient")
require("ipykernel")
require("torch")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = "python3"
#: MNIST validation accuracy every fast run must reach on the offline data (it reaches about 0.89)
MNIST_ACCURACY = 0.85
#: the dashboard's 5-epoch MNIST run on 2,000 images (it reaches about 0.90)
DASHBOARD_ACCURACY = 0.80

def needs_keras() -> None:
    # find_spec, not importorskip: importing keras here would pick its default backend (TensorFlow)
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")


_HEADER = "import json as _json, sys as _sys\n_probe = {'sys_prefix': _sys.prefix}\n"
_FOOTER = "\nprint('PROBE:' + _json.dumps(_probe))"


__all__ = ["DASHBOARD_ACCURACY", "KERNEL", "MNIST_ACCURACY", "NOTEBOOKS", "Run", "assert_clean", "needs_keras", "run_notebook", "stdout_of"]


class Run:
    def __init__(self, nb: Any, probe: dict[str, Any], seconds: float) -> None:
        self.nb, self.probe, self.seconds = nb, probe, seconds

    def outputs(self, output_type: str, name: str | None = None) -> list[Any]:
        return [
            o for cell in self.nb.cells if cell.cell_type == "code" for o in cell.outputs
            if o.output_type == output_type and (name is None or o.get("name") == name)
        ]


def run_notebook(filename: str, probe: str) -> Run:
    """Run ``notebooks/<filename>`` cell by cell, then ``probe`` (filling ``_probe``) in the same kernel."""
    nb = nbformat.read(NOTEBOOKS / filename, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name=KERNEL, timeout=240, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    env = {**os.environ, "LOSSPLOT_FAST": "1", "LOSSPLOT_OFFLINE": "1"}
    start = time.perf_counter()
    client.reset_execution_trackers()
    with client.setup_kernel(env=env):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        probe_cell = nbformat.v4.new_code_cell(_HEADER + probe + _FOOTER)
        nb.cells.append(probe_cell)
        client.execute_cell(probe_cell, len(nb.cells) - 1)
    text = "".join(o.text for o in probe_cell.outputs if o.output_type == "stream" and o.name == "stdout")
    line = next(s for s in text.splitlines() if s.startswith("PROBE:"))
    print(f"\n{filename}: {seconds:.1f} s in fast mode")
    return Run(nb, json.loads(line[len("PROBE:"):]), seconds)


def assert_clean(run: Run) -> None:
    assert run.outputs("error") == []
    views = [o for o in run.outputs("display_data") if "application/vnd.jupyter.widget-view+json" in o.data]
    assert views, "no widget was displayed"
    stderr = "".join(o.text for o in run.outputs("stream", "stderr"))
    for bad in ("Traceback", "Exception in thread", "lossplot_widget: final redraw failed"):
        assert bad not in stderr, stderr
    # the kernel ran in this environment (the venv's python3 kernelspec), not some other Python
    assert Path(run.probe["sys_prefix"]).resolve() == Path(sys.prefix).resolve()


def stdout_of(run: Run) -> str:
    """Everything the notebook printed (stdout), in order."""
    return "".join(o.text for o in run.outputs("stream", "stdout"))
