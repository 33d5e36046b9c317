"""The data side imports without the browser side: core, render and follow need numpy only."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKED = ("ipywidgets", "IPython", "bqplot", "traitlets", "comm", "ipykernel")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    block = "".join(f"sys.modules[{name!r}] = None\n" for name in BLOCKED)  # import of these now fails
    return subprocess.run(
        [sys.executable, "-c", "import sys\n" + block + textwrap.dedent(code)],
        capture_output=True, text=True, timeout=120,
    )


def test_core_render_and_follow_import_with_ipywidgets_and_ipython_blocked():
    done = _run(
        """
        import lossplot_widget.core, lossplot_widget.render, lossplot_widget.follow
        from lossplot_widget.core import History
        from lossplot_widget.render import FrameBuilder, FrameOptions
        h = History()
        for i in range(10):
            h.append({"loss": 1.0 / (i + 1)}, None, None)
        frame = FrameBuilder(h).build(FrameOptions(smoothing=0.0))
        print(float(frame.panels["loss"][0].y[-1]))
        print(sorted(m for m in ("ipywidgets", "IPython", "bqplot", "traitlets") if sys.modules.get(m) is not None))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0.1", "[]"]


def test_the_widget_itself_needs_ipywidgets_and_says_so():
    done = _run(
        """
        import lossplot_widget
        try:
            lossplot_widget.LiveLossWidget
        except ImportError as exc:
            print("ImportError", "ipywidgets" in str(exc))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ImportError", "True"]
