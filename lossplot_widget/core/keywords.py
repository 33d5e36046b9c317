"""Misspelled options fail loudly: a ``TypeError`` that names the closest valid option.

``LiveLossWidget(smothing=0.9)`` and ``LiveLossCallback(per_bach=False)`` raise at once instead of being
accepted (traitlets only warns about unknown keyword arguments, and Python names no alternative).

>>> check_keywords("LiveLossWidget", {"smothing": 0.9}, ["smoothing", "log_y"])
Traceback (most recent call last):
...
TypeError: LiveLossWidget() got an unexpected keyword argument 'smothing'; did you mean 'smoothing'?
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

__all__ = ["check_keywords", "keyword_names", "strict_keywords", "unknown_keyword"]

F = TypeVar("F", bound=Callable[..., Any])


def unknown_keyword(owner: str, name: str, valid: Iterable[str]) -> TypeError:
    """The error for keyword ``name`` given to ``owner``: the closest valid name, else the valid ones."""
    names = sorted(set(valid))
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"valid options: {', '.join(names)}"
    return TypeError(f"{owner}() got an unexpected keyword argument {name!r}; {hint}")


def check_keywords(owner: str, given: Mapping[str, object], valid: Iterable[str]) -> None:
    """Raise :func:`unknown_keyword`'s error for the first name of ``given`` not in ``valid``."""
    valid = set(valid)
    for name in given:
        if name not in valid:
            raise unknown_keyword(owner, name, valid)


def keyword_names(func: Callable[..., Any]) -> list[str]:
    """The parameters of ``func`` that may be passed by keyword (``self`` and ``**kwargs`` left out)."""
    params = inspect.signature(func).parameters
    return [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and n != "self"]


def strict_keywords(init: F) -> F:
    """Wrap an ``__init__`` so an unknown keyword argument names the closest of its parameters.

    >>> class Callback:
    ...     @strict_keywords
    ...     def __init__(self, widget=None, *, run=None, per_batch=True): ...
    >>> Callback(per_bach=False)
    Traceback (most recent call last):
    ...
    TypeError: Callback() got an unexpected keyword argument 'per_bach'; did you mean 'per_batch'?
    """
    valid = keyword_names(init)

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        check_keywords(type(self).__name__, kwargs, valid)  # the class made, not the mixin defining __init__
        init(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
