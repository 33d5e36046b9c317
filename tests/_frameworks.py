"""Import a framework for a test module: skip when it is absent locally, fail on CI (CI=true)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(name: str) -> ModuleType:
    """``pytest.importorskip(name)``, except on CI, where every framework must be installed."""
    if os.environ.get("CI"):
        return importlib.import_module(name)  # an ImportError fails the module on CI
    return pytest.importorskip(name)
