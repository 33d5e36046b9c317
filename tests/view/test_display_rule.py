"""The display rule, in a real kernel: a widget never displayed shows itself at its first ``log()`` (or
``follow()``) in a notebook cell, and never twice."""

from __future__ import annotations

from pathlib import Path

from _cells import run_cells, views


def pictures(cell) -> list[str]:
    return [o["data"]["image/svg+xml"] for o in cell.outputs if "image/svg+xml" in o.get("data", {})]


def test_first_log_displays_once_and_only_an_undisplayed_widget(tmp_path: Path) -> None:
    nb = run_cells([
        # 0: the README's quickstart shape: the loop is the cell's last statement
        "from lossplot_widget import LiveLossWidget\n"
        "import ipywidgets as widgets\n"
        "w = LiveLossWidget()\n"
        "for step in range(5):\n    w.log(loss=1 / (step + 1))",
        # 1: logging again, in a later cell: no second display
        "for step in range(5):\n    w.log(loss=0.1)",
        # 2, 3: displayed by the user first, then logged to
        "shown = LiveLossWidget()\nshown",
        "shown.log(loss=1.0)",
        # 4, 5: part of a layout (displayed or not): the layout shows it
        "inner = LiveLossWidget()\nbox = widgets.HBox([inner])",
        "inner.log(loss=1.0)",
        # 6: a run's log() and log_epoch()
        "r = LiveLossWidget()\nwith r.run('a'):\n    r.log(loss=1.0)\n    r.log_epoch(val_loss=1.0)\n    r.log(loss=0.5)",
        # 7: follow() displays from the cell (its thread cannot)
        f"f = LiveLossWidget()\nh = f.follow({str(tmp_path)!r}, poll=0.1)\nh.stop()",
        # 8: the ids to compare with
        "print(w.model_id, r.model_id, f.model_id, shown.model_id)",
    ], cwd=tmp_path)
    cells = nb.cells
    w_id, r_id, f_id, shown_id = cells[8].outputs[0]["text"].split()
    assert views(cells[0]) == [w_id]
    assert views(cells[1]) == []
    assert views(cells[2]) == [shown_id] and views(cells[3]) == []
    assert views(cells[4]) == [] and views(cells[5]) == []
    # ... but leaves its picture (hidden live) where the layout was made, for saved notebooks and the docs
    assert len(pictures(cells[4])) == 1 and pictures(cells[5]) == []
    assert all(len(pictures(cells[i])) == 1 for i in (0, 2, 6, 7)), "a displayed widget has exactly one picture"
    assert views(cells[6]) == [r_id]
    assert views(cells[7]) == [f_id]
    # the saved picture beside the view shows the logged curve (nbconvert's fallback), updated at the cell's end
    assert "<polyline" in pictures(cells[0])[0]


def test_no_display_outside_a_notebook() -> None:
    # a script (or this test process): nothing is printed or displayed, logging just records
    import subprocess
    import sys

    code = ("from lossplot_widget import LiveLossWidget\nw = LiveLossWidget()\nw.log(loss=1.0)\n"
            "print(len(w.history['loss']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "1\n"
