"""Where runs are stored by default, and which project a new run belongs to.

- The store: ``LiveLossWidget(store=PATH)``; else the environment variable ``LOSSPLOT_STORE`` (a file, or a
  directory to hold ``runs.sqlite``; ``off`` turns the store off); else ``runs.sqlite`` in the per-user data
  directory (``~/.local/share/lossplot_widget`` on Linux, from :mod:`platformdirs`), never the current directory.
- The project (which stored runs a new widget lists): ``project=``; else the notebook's path (``JPY_SESSION_NAME``,
  set by Jupyter for every kernel), the script's path, or the current directory.

>>> import os
>>> os.environ["LOSSPLOT_STORE"] = "off"; store_path() is None
True
>>> os.environ["LOSSPLOT_STORE"] = "/tmp/x.sqlite"; store_path()
'/tmp/x.sqlite'
>>> store_path("/data/runs.db")
'/data/runs.db'
"""

from __future__ import annotations

import os
import sys

__all__ = ["DEFAULT", "ENV", "default_project", "store_path"]

#: the environment variable naming the default store (``off`` for none)
ENV = "LOSSPLOT_STORE"
#: "no ``store=`` given": the environment variable or the per-user default
DEFAULT = "default"
_OFF = ("off", "none", "0", "false", "no")


def store_path(store: str | os.PathLike[str] | None = DEFAULT) -> str | None:
    """The store file for ``store=`` (``None``: no store)."""
    if store is None:
        return None
    if isinstance(store, str) and store == DEFAULT:
        env = os.environ.get(ENV, "").strip()
        if env.lower() in _OFF and env:
            return None
        if env:
            store = env
        else:
            import platformdirs

            return os.path.join(platformdirs.user_data_dir("lossplot_widget", appauthor=False), "runs.sqlite")
    path = os.path.expanduser(os.fspath(store))
    return os.path.join(path, "runs.sqlite") if os.path.isdir(path) else path


def default_project() -> str:
    """The notebook's path, else the script's, else the current directory."""
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        return session
    main = sys.argv[0] if sys.argv else ""
    if main.endswith(".py") and os.path.exists(main):
        return os.path.abspath(main)
    return os.getcwd()
