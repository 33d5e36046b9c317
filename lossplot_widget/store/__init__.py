"""Runs on disk: every run and every point in one SQLite file, written in batches while the run trains.

See :mod:`.db` (the file), :mod:`.sync` (a run set kept in it), :mod:`.writer` (logging from a script) and
:mod:`.location` (the default file and project).
"""

from .db import RunStore, StoredRun, StoreError
from .location import ENV, default_project, store_path
from .sync import PAST_RUNS, StoreSync, StoreWarning

__all__ = ["ENV", "PAST_RUNS", "RunStore", "StoreError", "StoreSync", "StoreWarning", "StoredRun",
           "default_project", "store_path"]
