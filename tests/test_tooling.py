"""The package passes its own linters: ruff (pyflakes, imports sorted, pyupgrade, ...) and mypy --strict.

Both are configured in pyproject.toml; this runs them as the README's test command does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _frameworks import require

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_passes_on_the_package_tests_and_benchmarks():
    require("ruff")
    done = _run("ruff", "check", "lossplot_widget", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_passes_on_the_package():
    require("mypy")
    done = _run("mypy")  # files and strict = true from [tool.mypy]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_test_module_names_are_unique():
    """tests/ has no __init__.py files: pytest imports each test module by its basename, so two
    test_x.py in different folders break collection of the whole suite."""
    from collections import Counter
    from pathlib import Path

    names = Counter(p.name for p in (Path(__file__).parent).rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []
