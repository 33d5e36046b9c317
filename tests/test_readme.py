"""Every Python block of the README runs as written, each as one notebook cell in a fresh kernel, as a reader
pastes it; a block that makes a widget shows it (the display rule), once. The docs' code blocks run in the docs
build (``make docs``, warnings and cell errors fail it); ``test_docs_have_no_unexecuted_python`` keeps them
there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _cells import run_cells, views
from _frameworks import require

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
FRAMEWORKS = ("torch", "keras", "lightning", "transformers", "jax")


def blocks(path: Path, language: str = "python") -> list[str]:
    return [code for lang, code in FENCE.findall(path.read_text()) if lang == language]


README_BLOCKS = blocks(REPO / "README.md")


def _first_line(code: str) -> str:
    return next(line for line in code.splitlines() if line.strip() and not line.startswith("import"))[:40]


def test_readme_has_its_blocks() -> None:
    # the quickstart, PyTorch, Keras, Lightning, Hugging Face, runs, follow()
    assert len(README_BLOCKS) >= 7


@pytest.mark.parametrize("code", README_BLOCKS, ids=[f"{i}-{_first_line(c)}" for i, c in enumerate(README_BLOCKS)])
def test_readme_block_runs_and_shows_one_widget(code: str, tmp_path: Path) -> None:
    for name in FRAMEWORKS:
        if re.search(rf"^(import|from) [\w, ]*\b{name}\b", code, re.M):
            require(name)
    nb = run_cells([code], cwd=tmp_path, KERAS_BACKEND="torch")  # a cell that raises fails here
    (cell,) = nb.cells
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert not errors
    if "LiveLossWidget()" in code or "LiveLossCallback()" in code:
        assert len(views(cell)) == 1, "the block's widget is displayed once, by its first log()"
        pictures = [o for o in cell.outputs if "image/svg+xml" in o.get("data", {})]
        assert len(pictures) == 1 and "<polyline" in pictures[0]["data"]["image/svg+xml"], "curves were drawn"


def test_quickstart_is_first_and_needs_no_framework() -> None:
    code = README_BLOCKS[0]
    assert "LiveLossWidget()" in code and not any(re.search(rf"\b{n}\b", code) for n in FRAMEWORKS)


def test_follow_block_reads_every_line(tmp_path: Path) -> None:
    (code,) = [c for c in README_BLOCKS if ".follow(" in c]
    nb = run_cells([code], cwd=tmp_path)
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    assert "100 points followed" in text


def test_docs_have_no_unexecuted_python() -> None:
    # a docs page's Python is a {code-cell} (run by the docs build), never a plain fence nobody runs
    pages = sorted((REPO / "docs").glob("*.md"))
    assert pages
    plain = {p.name: len(blocks(p)) + len(blocks(p, "py")) + len(blocks(p, "ipython3")) for p in pages}
    assert not any(plain.values()), plain
    for page in pages:
        if "{code-cell}" in page.read_text():
            assert "file_format: mystnb" in page.read_text(), f"{page.name} runs no cells without its front matter"

