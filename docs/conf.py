"""Sphinx configuration: MyST pages and the tutorial notebooks (myst-nb), the API from the numpy-style
docstrings (autodoc + napoleon). Built by ``make docs`` into ``docs/_build/html``, warnings as errors.

The tutorials are copied from ``notebooks/`` into ``docs/tutorials/`` (generated, not committed) and executed
in fast mode (``LOSSPLOT_FAST=1``), offline (``LOSSPLOT_OFFLINE=1``). A page without a kernel cannot run a
widget, so it shows the static SVG each plot's output carries beside its live view.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from docutils import nodes

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(REPO))

import lossplot_widget  # noqa: E402

project = "lossplot_widget"
author = "the lossplot_widget developers"
copyright = "2026, " + author
release = version = lossplot_widget.__version__

extensions = ["myst_nb", "sphinx-mathjax-offline", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
html_theme = "furo"
html_title = f"lossplot_widget {release}"
html_static_path = ["_static"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# ---- the tutorials: copied from notebooks/, executed in fast mode, offline
os.environ.setdefault("LOSSPLOT_FAST", "1")
os.environ.setdefault("LOSSPLOT_OFFLINE", "1")
# every page runs in a kernel of its own from this folder: with the default run store, each page's widgets would
# list the runs of the pages built before it; pages that show the store pass their own store= file
os.environ["LOSSPLOT_STORE"] = "off"
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("PYTHONPATH", str(REPO))
TUTORIALS = DOCS / "tutorials"
TUTORIALS.mkdir(exist_ok=True)
for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
    target = TUTORIALS / notebook.name
    if not target.exists() or target.read_bytes() != notebook.read_bytes():
        shutil.copyfile(notebook, target)  # only when changed: Sphinx then rebuilds only that page

nb_execution_mode = "force"
if os.environ.get("LOSSPLOT_DOCS_TUTORIALS") == "0":  # a quick build while writing pages: tutorials not run
    nb_execution_excludepatterns = ["tutorials/*"]
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_kernel_rgx_aliases = {".*": "python3"}
# no widget-manager JavaScript offline: show each plot's static SVG, never a "Loading widget..." placeholder
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # nor load require.js and the widget manager from a CDN

# ---- API reference
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options: dict[str, object] = {}  # members are listed in api.md: none inherited from frameworks
autodoc_inherit_docstrings = False
napoleon_numpy_docstring = True
napoleon_google_docstring = False
nitpicky = False


_WIDGET_REPR = re.compile(r"^(LiveLossWidget|LandscapeWidget)\(|^\w+\(children=\(.*(LiveLossWidget|LandscapeWidget)\(")


def _drop_widget_reprs(app: object, doctree: nodes.document) -> None:
    """A live view's text fallback (``LiveLossWidget(...)``, ``HBox(children=(LiveLossWidget(...``) says
    nothing on a page that shows the plot's picture: drop it."""
    for block in list(doctree.findall(nodes.literal_block)):
        if "text_plain" in block.get("classes", []) and _WIDGET_REPR.match(block.astext()):
            block.parent.remove(block)


def setup(app: object) -> None:
    app.connect("doctree-read", _drop_widget_reprs)  # type: ignore[attr-defined]
