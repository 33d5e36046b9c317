"""Every tutorial notebook is committed without outputs, valid, on the project's kernel."""

from __future__ import annotations

import nbformat
from _notebooks import KERNEL, NOTEBOOKS


def test_committed_notebooks_are_clean() -> None:
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"
        assert nb.metadata.kernelspec.name == KERNEL, path.name


