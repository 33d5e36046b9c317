"""Log a run into a run store from a script or a job: no widget, no Jupyter.

A notebook shows it live with ``w.follow(path)``, or lists it in any new widget on that store.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "runs.sqlite")
>>> with RunWriter(path, "job-1", config={"lr": 0.1}) as r:
...     for step in range(3):
...         r.log(loss=1.0 / (step + 1))
>>> [(s.name, s.status, s.points) for s in RunStore(path).runs()]
[('job-1', 'finished', 3)]
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from ..core.history import History
from ..core.run import Run
from ..core.runset import RunSet
from .db import RunStore
from .location import DEFAULT, default_project, store_path
from .sync import WRITE_EVERY, StoreSync, write_loop

__all__ = ["RunWriter"]


class RunWriter:
    """One run written to a run store as it is logged (``log``/``log_epoch`` as on the widget).

    Parameters
    ----------
    store : str or path-like
        The store file; default: the widget's default (``LOSSPLOT_STORE`` or the per-user data directory).
    name : str, optional
        The run's name (default: a fresh ``run-N``). A name the project's runs in the store hold continues the
        newest such run (a resumed job): its steps go on.
    config : dict, optional
        Hyper-parameters shown in the run table.
    project : str, optional
        Which project's widgets list the run (default: this script's path).
    interval : float
        Seconds between writes while logging (also the most a killed process loses).

    Raises
    ------
    StoreError
        The store cannot be opened (a script has nobody to show a note to: it fails early instead).
    ValueError
        No store is named (``store=None``, or ``LOSSPLOT_STORE=off`` and no ``store``).
    """

    def __init__(
        self, store: str | os.PathLike[str] = DEFAULT, name: str | None = None, config: Mapping[str, Any] | None = None,
        *, project: str | None = None, interval: float = WRITE_EVERY,
    ) -> None:
        self._runs = RunSet(after_log=self._after_log)
        path = store_path(store)
        if path is None:
            raise ValueError("RunWriter needs a store: store=None or LOSSPLOT_STORE=off names none")
        sync = StoreSync(RunStore(path), self._runs, project=default_project() if project is None else project)
        self._sync: StoreSync = sync
        self._runs.restore = lambda run: sync.load(run, continuing=True)
        if name is not None:
            sync.resume(name)  # a name the store holds: that run continues (a resumed job)
        else:
            self._runs.reserved.update(sync.store.names())  # a fresh run-N is a name the store does not hold
        self._loop = write_loop(sync, interval)
        #: the run being written
        self.run: Run = self._runs.start(name, config)
        self._loop.flush()  # the run is listed (``running``) from its start

    @property
    def store(self) -> RunStore:
        return self._sync.store

    @property
    def history(self) -> History:
        return self.run.history

    def log(self, values: Mapping[str, object] | None = None, /, *, step: int | None = None,
            epoch: float | None = None, **metrics: object) -> None:
        """Record one value per metric (see ``LiveLossWidget.log``)."""
        self.run.log(values, step=step, epoch=epoch, **metrics)

    def log_epoch(self, values: Mapping[str, object] | None = None, /, **metrics: object) -> None:
        """Record end-of-epoch metrics at the current step, then start the next epoch."""
        self.run.log_epoch(values, **metrics)

    def _after_log(self) -> None:
        loop = self._loop
        now = time.monotonic()
        if now >= loop.throttle.next_at or not loop.armed:
            loop.poke(now)

    def flush(self) -> None:
        """Write everything logged so far now."""
        self._loop.flush()

    def finish(self, status: str | None = None, error: str | None = None) -> None:
        """End the run (``finished`` by default) and write it."""
        self.run.finish(status, error)
        self.flush()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None:
            self.run.finish()
        else:
            self.run.fail(exc)
        self.close()

    def close(self) -> None:
        """Write everything and close the store file (the end of a ``with`` block does it)."""
        self._loop.cancel()
        self._sync.close()

    def __repr__(self) -> str:
        return f"RunWriter({self.store.path!r}, {self.run.name!r}, status={self.run.status!r})"
