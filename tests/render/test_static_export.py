"""The final curves survive export: nbclient runs a notebook, nbconvert turns it into HTML."""

from __future__ import annotations

import base64
import re

import nbformat
from _frameworks import require

nbclient = require("nbclient")
nbconvert = require("nbconvert")


def _run(cells: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False)
    client.execute()
    return nb


def test_html_export_without_widget_state_shows_final_curves():
    nb = _run(
        [
            "from lossplot_widget import LiveLossWidget\nw = LiveLossWidget(smoothing=0.0)\nw",
            "for i in range(500):\n    w.log(loss=1.0 / (i + 1))\nw.log_epoch(val_loss=0.25)",
        ]
    )
    outputs = nb.cells[0].outputs
    # two outputs: the live view (never updated in place: JupyterLab's widget renderer would leak a view),
    # and the picture beside a hidden widget view (model id "": the live page shows nothing there)
    assert len(outputs) == 2
    view, picture = outputs[0]["data"], outputs[1]["data"]
    assert view["application/vnd.jupyter.widget-view+json"]["model_id"] and "image/svg+xml" not in view
    assert picture["application/vnd.jupyter.widget-view+json"]["model_id"] == ""
    svg = picture["image/svg+xml"]
    # the output displayed in cell 1 was updated at the end of cell 2 with the final values
    assert "loss: last 0.002 at step 499" in svg
    assert "val_loss: last 0.25 at step 499" in svg
    assert svg.count("<polyline") >= 1
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    # without widget state nbconvert falls back to the picture (embedded as a base64 SVG image)
    images = [base64.b64decode(m).decode() for m in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    assert len(images) == 1
    assert "lossplot-static" in images[0]
    assert "loss: last 0.002 at step 499" in images[0]


def test_markup_in_names_is_escaped_in_the_picture():
    nb = _run(
        [
            "from lossplot_widget import LiveLossWidget\nw = LiveLossWidget()\nw",
            "w.log({'<script>alert(1)</script>': 1.0, 'a&b \"q\" ü/x': 2.0})",
        ]
    )
    svg = nb.cells[0].outputs[1]["data"]["image/svg+xml"]
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "a&amp;b" in svg and "ü/x" in svg
