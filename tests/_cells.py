"""Run code as notebook cells in a real kernel (nbclient), as a reader who pastes it would."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _frameworks import require

nbformat = require("nbformat")
nbclient = require("nbclient")
require("ipykernel")

__all__ = ["WIDGET_VIEW", "run_cells", "views"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def run_cells(cells: Sequence[str], cwd: Path, timeout: int = 240, **env: str) -> Any:
    """Execute ``cells`` in order in one new kernel (cwd ``cwd``); returns the executed notebook.
    A cell that raises fails the call with the kernel's traceback."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in cells])
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=timeout, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute(env={**os.environ, "LOSSPLOT_FAST": "1", "LOSSPLOT_OFFLINE": "1", **env})
    return nb


def views(cell: Any) -> list[str]:
    """The model ids of the widget views a cell output shows (the hidden picture views, id "", left out)."""
    return [
        o["data"][WIDGET_VIEW]["model_id"] for o in cell.outputs
        if o.output_type == "display_data" and WIDGET_VIEW in o.get("data", {})
        and o["data"][WIDGET_VIEW]["model_id"]
    ]
