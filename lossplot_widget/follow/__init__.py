"""Following logs written elsewhere: the follower thread (:mod:`.follower`), runs and writers in a log
directory (:mod:`.logruns`), TensorBoard event files (:mod:`.tbevents`), CSV logs (:mod:`.csvtail`), the
shared file tail (:mod:`.tail`) and inotify wake-ups (:mod:`.inotify`). Numpy only; it never imports the
widget: what it reads goes to a :class:`~.follower.FollowSink`."""

from __future__ import annotations

from .follower import Follower, FollowSink, FollowWarning
from .tbevents import CorruptRecord, CorruptRecordWarning

__all__ = ["CorruptRecord", "CorruptRecordWarning", "FollowSink", "FollowWarning", "Follower"]
