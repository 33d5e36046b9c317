"""JupyterLab config for the browser tests: galata's test settings (no token, test helper extension)."""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (``c`` is injected by the config loader)
