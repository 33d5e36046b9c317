"""Start one Jupyter server for the browser tests, on a throwaway copy of the repository.

Usage: ``python tests/browser/serve.py {lab|notebook|voila} PORT``

Playwright's ``webServer`` runs this and stops it after the tests. The server's root is a temporary copy
of the repository (without ``.git``, ``.venv``, ``node_modules``) so that running notebooks in the browser
never touches tracked files; it is deleted when the server exits. Kernels get ``LOSSPLOT_FAST=1`` and no default
run store (``LOSSPLOT_STORE=off``).
The package itself is imported from the (editable) install in the virtual environment.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SKIP = shutil.ignore_patterns(
    ".git", ".venv", ".venv-tf", "node_modules", "test-results", "playwright-report", "artifacts", ".pytest_cache",
    "__pycache__", ".ipynb_checkpoints", "*.egg-info", "build", "dist", "_build",
)
ROOT_FLAG = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def command(kind: str, port: int, root: Path) -> list[str]:
    common = ["--no-browser", f"--port={port}", "--ServerApp.port_retries=0"]
    if kind == "lab":
        # galata's helper config (test extension, no token, no xsrf, app exposed as window.jupyterapp)
        return [sys.executable, "-m", "jupyterlab", f"--config={HERE / 'jupyter_server_config.py'}",
                *common, "--ip=127.0.0.1", *ROOT_FLAG, f"--ServerApp.root_dir={root}"]
    if kind == "notebook":
        return [sys.executable, "-m", "notebook", *common, "--ip=127.0.0.1", *ROOT_FLAG,
                "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
                "--JupyterNotebookApp.expose_app_in_browser=True", f"--ServerApp.root_dir={root}"]
    if kind == "voila":
        return [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                "--VoilaConfiguration.show_tracebacks=True", str(root)]
    raise SystemExit(f"unknown server kind {kind!r} (lab, notebook, voila)")


def main() -> int:
    kind, port = sys.argv[1], int(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix=f"lossplot-{kind}-") as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(REPO, root, ignore=SKIP)
        # no run store by default: a notebook run again by a later spec would list the runs of the earlier run
        # (another kernel, the same notebook); the store's spec passes its own store= path
        env = dict(os.environ, LOSSPLOT_FAST="1", PYTHONUNBUFFERED="1", LOSSPLOT_STORE="off")
        proc = subprocess.Popen(command(kind, port, root), env=env, cwd=root)

        def stop(signum: int, _frame: object) -> None:
            proc.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            return proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    sys.exit(main())
