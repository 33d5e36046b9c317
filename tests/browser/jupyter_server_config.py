"""JupyterLab config for the browser tests: galata's test settings (no token, test helper extension).

Jupyter's config loader runs this file with ``c`` defined; pytest's doctest collection merely imports it.
"""

from jupyterlab.galata import configure_jupyter_server

try:
    config = c  # type: ignore[name-defined]  # noqa: F821
except NameError:  # imported outside Jupyter's config loader
    config = None
if config is not None:
    configure_jupyter_server(config)
