"""PlotView on its own: it draws frames it is given and reports zoom through a callback (no widget)."""

from __future__ import annotations

import numpy as np

from lossplot_widget import LiveLossWidget
from lossplot_widget.control.scope import LoopControl
from lossplot_widget.core.history import History
from lossplot_widget.render.builder import FrameBuilder
from lossplot_widget.render.frame import FrameOptions
from lossplot_widget.view.plot import PlotView


def _view(zooms: list) -> PlotView:
    view = PlotView(
        FrameOptions(smoothing=0.0), height="200px", control=LoopControl(hooks=False),
        current_step=lambda: 3, on_change=lambda now: zooms.append((view.zoom.ranges(), now)),
    )
    return view


def _frame(options: FrameOptions, notes: tuple[str, ...] = ()):
    h = History()
    for i in range(20):
        h.append({"loss": 1.0 / (i + 1), "val_loss": 2.0 / (i + 1), "acc": i / 20}, None, None)
        if i in (4, 9):
            h.advance_epoch()
    return FrameBuilder(h).build(options, notes=notes)


def test_view_draws_a_frame_panels_marks_notes_and_summary(recorder):
    view = _view([])
    options = FrameOptions(smoothing=0.0)
    view.apply(_frame(options, notes=("a <b>note</b>",)))
    assert list(view.panels) == ["loss", "acc"]
    assert [b.children[1] for b in view.panel_box.children] == [view.panels[t].figure for t in ("loss", "acc")]
    assert [b.children[0].children[0].description for b in view.panel_box.children] == ["\u25be loss", "\u25be acc"]
    assert view.children == (view.toolbar, view.notes, view.panel_box, view.run_table.box, view.summary)
    raw = view.panels["loss"].marks("loss").raw
    np.testing.assert_array_equal(np.asarray(raw.y), (1.0 / np.arange(1, 21)).astype(np.float32))  # wire dtype
    assert view.panels["loss"].marks("val_loss").raw.line_style == "dashed"
    assert "a &lt;b&gt;note&lt;/b&gt;" in view.notes.value
    assert view.summary.value.count('class="lossplot-row"') == 3
    assert view.panels["acc"].rules.x[:, 0].tolist() == [4.5, 9.5]  # the frame's epoch rules


def test_a_browser_zoom_reaches_the_callback_and_reset_asks_to_draw_now(recorder):
    zooms: list = []
    view = _view(zooms)
    options = FrameOptions(smoothing=0.0)
    view.apply(_frame(options))
    view.panels["loss"].x_scale.set_state({"min": 2.0, "max": 9.0})  # what a PanZoom drag sends
    assert zooms[-1] == ({"loss": (2.0, 9.0)}, False)
    view.zoom.reset_button.click()
    assert zooms[-1] == ({}, True) and view.panels["loss"].x_scale.min is None


def test_view_close_closes_everything_it_made(recorder):
    view = _view([])
    options = FrameOptions(smoothing=0.5, log_y=True)
    view.apply(_frame(options))
    opened = {m["comm_id"] for m in recorder.messages if m["msg_type"] == "comm_open"}
    view.close()
    closed = {m["comm_id"] for m in recorder.messages if m["msg_type"] == "comm_close"}
    assert opened and opened <= closed


def test_widget_shares_an_hbox_row_instead_of_claiming_it(recorder):
    import ipywidgets as widgets

    w = LiveLossWidget()
    # a 0% basis: in an HBox the widget takes its share of the row, not the panels' full width
    assert w.layout.flex == "1 1 0%" and w.layout.min_width == "320px"
    mine = LiveLossWidget(layout=widgets.Layout(flex="2 1 auto", min_width="100px"))
    assert (mine.layout.flex, mine.layout.min_width) == ("2 1 auto", "100px")  # the user's layout wins
