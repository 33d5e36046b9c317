"""Which panel a metric is drawn in.

Training and validation twins share a panel: ``loss``/``val_loss``,
``acc``/``val_acc``, ``train/x``/``val/x``, ``train_x``/``val_x``, and SummaryWriter-style
suffixes ``Loss/train``/``Loss/test``.

>>> panel_of("val_loss"), panel_of("train/acc"), panel_of("valid_f1"), panel_of("Loss/test")
('loss', 'acc', 'f1', 'Loss')
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence

_PREFIXES = ("train", "training", "val", "valid", "validation", "test", "eval")
_SEPARATORS = ("_", "/", "-", ".")
_VALIDATION = ("val", "valid", "validation", "test", "eval")


def panel_of(name: str) -> str:
    """The panel key of metric ``name``: the name without a train/val/test prefix."""
    lowered = name.lower()
    for prefix in _PREFIXES:
        for sep in _SEPARATORS:
            head = prefix + sep
            if lowered.startswith(head) and len(name) > len(head):
                return name[len(head) :]
    head, sep, last = name.rpartition("/")
    if sep and head and last.lower() in _PREFIXES:  # SummaryWriter style: "Loss/train", "Loss/test"
        return head
    return name


def section_of(title: str) -> str:
    """The section of panel ``title``: its prefix before the first ``/`` (``""``: the main section).

    >>> section_of("grad_2.0_norm/layers.0.weight"), section_of("loss"), section_of(panel_of("val/acc"))
    ('grad_2.0_norm', '', '')
    """
    head, sep, rest = title.partition("/")
    return head if sep and head and rest else ""


@functools.lru_cache(maxsize=8192)  # asked per series per frame: 300 runs ask it 300 times a frame
def is_validation(name: str) -> bool:
    """True for ``val_*``-like names (drawn dashed beside their training twin).

    The last ``/`` part counts too, so a followed run's ``"runA/val_loss"`` is dashed, and so
    does a SummaryWriter-style suffix (``"Loss/test"``).

    >>> is_validation("val/acc"), is_validation("runA/val_loss"), is_validation("runA/loss")
    (True, True, False)
    >>> is_validation("Loss/test"), is_validation("Loss/train")
    (True, False)
    """
    lowered = name.lower()
    last = lowered.rsplit("/", 1)[-1]
    if "/" in lowered and last in _VALIDATION:
        return True
    return any(
        part.startswith(p + s)
        for part in (lowered, last)
        for p in _VALIDATION
        for s in _SEPARATORS
    )


GroupsArg = Mapping[str, Sequence[str]] | Sequence[Sequence[str]] | None


def normalize_groups(groups: GroupsArg) -> dict[str, str]:
    """Turn ``groups=`` into ``{metric: panel title}``; validate its shape.

    ``groups`` is ``{"title": ["m1", "m2"]}`` or ``[["m1", "m2"], ["m3"]]`` (titled by their first metric).
    """
    if groups is None:
        return {}
    if isinstance(groups, Mapping):
        items = list(groups.items())
    elif isinstance(groups, (list, tuple)):
        items = []
        for members in groups:
            if isinstance(members, str) or not isinstance(members, (list, tuple)) or not members:
                raise TypeError(f"groups must be lists of metric names, got {members!r}")
            items.append((members[0], members))
    else:
        raise TypeError(f"groups must be a dict or a list of lists, got {type(groups).__name__}")
    mapping: dict[str, str] = {}
    for title, members in items:
        if not isinstance(title, str) or isinstance(members, str):
            raise TypeError(f"groups: expected str title -> list of names, got {title!r}: {members!r}")
        for member in members:
            if not isinstance(member, str):
                raise TypeError(f"groups: metric names must be str, got {member!r}")
            if member in mapping:
                raise ValueError(f"groups: metric {member!r} is in two groups")
            mapping[member] = title
    return mapping


def panel_title(name: str, overrides: Mapping[str, str]) -> str:
    """The panel metric ``name`` is drawn in: its ``groups=`` title, else :func:`panel_of`."""
    return overrides.get(name) or panel_of(name)


def assign_panels(names: Sequence[str], overrides: Mapping[str, str]) -> dict[str, list[str]]:
    """``{panel title: [metric, ...]}`` in first-seen order."""
    panels: dict[str, list[str]] = {}
    for name in names:
        panels.setdefault(panel_title(name, overrides), []).append(name)
    return panels


def panel_matcher(pattern: str) -> tuple[Callable[[str, Sequence[str]], bool], bool]:
    """A test ``match(title, metrics)`` for the panel filter, and whether ``pattern`` is a valid regex.

    As TensorBoard's tag filter: a case-insensitive regular expression searched in the panel's
    title and its metrics' names; a pattern that is not a valid regex is matched as plain text;
    an empty one matches everything.

    >>> match, ok = panel_matcher("^val|lr"); match("loss", ["loss", "val_loss"]), match("acc", ["acc"]), ok
    (True, False, True)
    >>> match, ok = panel_matcher("acc("); match("acc(top1)", []), ok
    (True, False)
    """
    if not pattern:
        return (lambda title, metrics: True), True
    try:
        regex = re.compile(pattern, re.IGNORECASE)
    except re.error:
        needle = pattern.lower()
        return (lambda title, metrics: any(needle in n.lower() for n in (title, *metrics))), False
    return (lambda title, metrics: any(regex.search(n) for n in (title, *metrics))), True


_HIGHER = ("acc", "accuracy", "f1", "precision", "recall", "auc", "auroc", "iou", "dice", "r2", "bleu", "rouge",
           "map", "score", "top1", "top5", "psnr", "ssim")


@functools.lru_cache(maxsize=8192)
def higher_is_better(name: str) -> bool:
    """True for accuracy-like names (their best is the max); losses and the rest: the min is best.

    >>> higher_is_better("val_acc"), higher_is_better("train/f1_macro"), higher_is_better("val_loss")
    (True, True, False)
    """
    words = [w for w in re.split(r"[^a-z0-9]+", panel_of(name).lower().rsplit("/", 1)[-1]) if w]
    return any(w in _HIGHER or w.startswith(("acc", "top")) for w in words)
