"""``follow()`` as a method of the widget: a mixin over a :class:`~lossplot_widget.follow.follower.FollowSink`.

A class that mixes :class:`FollowMixin` in provides ``_follow_sink`` (where followed points go) and
``_followers`` (the followers it started, stopped when it closes).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .follower import Follower, FollowSink
from .logruns import TagsArg
from .optuna_study import StudyFollower, StudySink, is_study
from .storefollow import StoreFollower, StoreSink, is_store

__all__ = ["FollowMixin"]

PathLike = str | os.PathLike[str]


class FollowMixin:
    """``follow(logdir)``: TensorBoard event files and CSV logs written elsewhere, live."""

    _follow_sink: FollowSink
    _store_sink: StoreSink
    _study_sink: StudySink
    _followers: list[Follower | StoreFollower | StudyFollower]
    _shown: bool

    def _show_on_first_use(self) -> None:
        raise NotImplementedError

    def check_controls(self) -> bool:
        raise NotImplementedError

    @property
    def should_stop(self) -> bool:
        raise NotImplementedError

    def follow(
        self, logdir: PathLike | Any, *, poll: float = 0.25, tags: TagsArg = None,
        csv: bool | str | Sequence[str] = True, rescan: float = 1.0, settle: float = 2.0, corrupt_after: float = 2.0,
        wake: bool = True, study: str | None = None,
    ) -> Follower | StoreFollower | StudyFollower:
        """Follow the runs under ``logdir`` live: TensorBoard event files and CSV logs; or the runs of a run store
        (``logdir`` an SQLite file that :class:`~lossplot_widget.RunWriter` or a widget writes elsewhere: each
        stored run with its status, config and exact points; ``tags``, ``csv`` and the timing options do not apply);
        or the trials of an Optuna study (``logdir`` an ``optuna.Study``, or a storage URL or object with
        ``study=`` its name; each trial a run ``trial-<n>``: see :mod:`lossplot_widget.follow.optuna_study`).

        A background thread polls every ``poll`` seconds; each run directory becomes a run (named
        by its path under ``logdir``; a second simultaneous writer ``"<run>#2"``; a restarted job
        continues its run), each tag a series drawn in the panel of its tag. ``tags``: ``None``
        (every scalar but bookkeeping such as Lightning's ``epoch``), a regex, names/globs, or a
        predicate. ``csv``: follow ``*.csv`` logs too (``False``, or glob(s)). ``rescan``,
        ``settle``, ``corrupt_after``, ``wake``: see :class:`~lossplot_widget.follow.Follower`.
        Needs the ``tensorboard`` package (``pip install lossplot-widget[follow]``).

        >>> import tempfile
        >>> from lossplot_widget import LiveLossWidget
        >>> handle = LiveLossWidget().follow(tempfile.mkdtemp(), poll=0.1)
        >>> handle.stop()
        """
        if study is not None or is_study(logdir):
            return self._follow_study(logdir, study, poll)
        if is_store(logdir):
            store_follower = StoreFollower(self._store_sink, logdir, poll=poll)
            self._followers.append(store_follower)
            if not self._shown:
                self._show_on_first_use()
            return store_follower
        follower = Follower(
            self._follow_sink, logdir, poll=poll, tags=tags, csv=csv, rescan=rescan, settle=settle,
            corrupt_after=corrupt_after, wake=wake,
        )
        self._followers.append(follower)
        if not self._shown:
            self._show_on_first_use()  # from this cell: the follower's thread cannot display
        return follower

    def _follow_study(self, source: Any, name: str | None, poll: float) -> StudyFollower:
        key = ("study", id(source)) if is_study(source) else (
            "storage", source if isinstance(source, str) else id(source), name)
        for old in self._followers:  # a cell run again: the study is followed already (twice would log twice)
            if isinstance(old, StudyFollower) and old.running and getattr(old, "key", None) == key:
                return old
        if not is_study(source):
            import optuna  # a storage URL or object and a study name: Optuna's own loader

            source = optuna.load_study(study_name=name, storage=source)
        self.should_stop  # noqa: B018 - begins a control scope: Stop and Pause act on a study optimized in this cell
        follower = StudyFollower(self._study_sink, source, poll=poll, control=self.check_controls)
        follower.key = key
        self._followers.append(follower)
        if not self._shown:
            self._show_on_first_use()
        return follower
