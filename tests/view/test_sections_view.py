"""Hundreds of metrics in the live view: a folded section costs its header, an open one a page of panels, an
overlay one panel; panels that leave the page are closed; clicks on the section header act; nothing is lost.
Counted on a recording comm: every open comm is a model the browser builds."""

from __future__ import annotations

import io

from lossplot_widget import LiveLossWidget
from lossplot_widget.render.sections import PAGE_SIZE
from lossplot_widget.view.closing import walk
from lossplot_widget.view.overlay import OverlayPanel


def _open_comms(recorder) -> set[str]:
    opened = {m["comm_id"] for m in recorder.messages if m["msg_type"] == "comm_open"}
    closed = {m["comm_id"] for m in recorder.messages if m["msg_type"] == "comm_close"}
    return opened - closed


def _grads(n: int) -> list[str]:
    return [f"grad_2.0_norm/layers.{i}.weight" for i in range(n)]


def _train(n_metrics: int, steps: int = 30) -> LiveLossWidget:
    w = LiveLossWidget(smoothing=0.6)
    w.widget
    grads = _grads(n_metrics - 2)
    for step in range(steps):
        w.log(loss=1.0 / (step + 1), **{g: (i + 1) / (step + 1) for i, g in enumerate(grads)})
        if step % 10 == 9:
            w.log_epoch(val_loss=1.2 / (step + 1))
    w.flush()
    return w


def test_a_thousand_metrics_cost_what_ten_do_until_a_section_opens(recorder):
    counts = {}
    for n in (10, 300, 1000):
        recorder.clear()
        w = _train(n)
        counts[n] = len(_open_comms(recorder))
        assert len(w._view.panels) == (9 if n == 10 else 1)  # 8 gradient panels: a small section, open
        w.close()
        assert _open_comms(recorder) == set()
    assert counts[1000] < 1000
    assert counts[1000] <= 1.2 * counts[300]
    assert counts[1000] <= counts[10]  # nine panels drawn at 10 metrics, one at 1,000


def test_opening_paging_and_overlaying_build_only_what_is_shown(recorder):
    w = _train(300)
    view = w._view
    folded = len(_open_comms(recorder))
    header = view.headers["grad_2.0_norm"]
    header.fold.click()  # the header's button, as a click from the page delivers it
    assert len(view.panels) == 1 + PAGE_SIZE
    assert list(view.panels)[1:3] == ["grad_2.0_norm/layers.0.weight", "grad_2.0_norm/layers.1.weight"]
    page_one = len(_open_comms(recorder))
    assert page_one - folded < 40 * PAGE_SIZE
    assert header.where is not None and "1–12 of 298" in header.where.value
    assert header.next is not None
    header.next.click()
    assert list(view.panels)[1] == "grad_2.0_norm/layers.12.weight" and len(view.panels) == 1 + PAGE_SIZE
    assert len(_open_comms(recorder)) == page_one  # the first page's panels were closed, not hidden
    assert w.frames_sent and w._view.panel_box.children[1] is header.box
    assert header.overlay is not None
    header.overlay.click()
    (title,) = [t for t, p in view.panels.items() if isinstance(p, OverlayPanel)]
    overlay = view.panels[title]
    assert overlay.lines.y.shape[0] == 298  # one mark, a row per series
    assert len(view.panels) == 2 and len(_open_comms(recorder)) < folded + 60
    assert "+293 more" in overlay.legend.value and overlay.legend.value.count("lossplot-legend-item") == 5
    header.fold.click()  # folding closes the overlay panel; the header's tools stay made, hidden
    tools = len(list(walk(header.overlay, header.previous, header.where, header.next)))
    assert list(view.panels) == ["loss"] and len(_open_comms(recorder)) == folded + tools
    w.close()
    assert _open_comms(recorder) == set()


def test_folded_metrics_are_kept_exactly(recorder):
    w = _train(300, steps=12)
    assert len(w.history.names) == 300
    buf = io.StringIO()
    w.to_csv(buf)
    rows = buf.getvalue().strip().splitlines()
    assert len(rows) == 1 + 12 * 299 + 1  # a header, every point of every metric (val_loss once)
    assert w.history["grad_2.0_norm/layers.297.weight"].values.tolist() == [298 / (s + 1) for s in range(12)]


def test_a_removed_runs_section_header_goes(recorder):
    w = LiveLossWidget()
    w.widget
    with w.run("a"):
        w.log(loss=1.0, **dict.fromkeys(_grads(20), 1.0))
    with w.run("b"):
        w.log(loss=2.0)
    w.flush()
    assert list(w._view.headers) == ["grad_2.0_norm"]
    box = w._view.headers["grad_2.0_norm"].box
    w.remove_run("a")
    w.flush()
    assert w._view.headers == {} and box.comm is None
    assert box not in w._view.panel_box.children


def test_the_summary_table_and_the_notes_stay_short_with_hundreds_of_metrics(recorder):
    w = _train(300, steps=5)
    summary = w._view.summary.value
    assert summary.count('class="lossplot-row"') == 1  # loss (no val_loss in 5 steps)
    assert "grad_2.0_norm/…</b>: 298 more metrics" in summary
    w.open_section("grad_2.0_norm")
    summary = w._view.summary.value
    assert summary.count('class="lossplot-row"') == 1 + PAGE_SIZE
    assert 'data-metric="grad_2.0_norm/layers.11.weight"' in summary and "286 more metrics" in summary
    w.log(**{g: float("nan") for g in _grads(298)})
    w.flush()
    notes = w._view.notes.value
    assert notes.count("non-finite value (nan)") == 8 and "and 290 more series with non-finite values" in notes
    w.close()
