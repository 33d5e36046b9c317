"""Sections by prefix: which panels a frame shows with hundreds of metrics (folded, paged, overlaid, filtered)."""

from __future__ import annotations

import numpy as np

from lossplot_widget.core.grouping import assign_panels, section_of
from lossplot_widget.core.history import History
from lossplot_widget.core.runset import RunSet
from lossplot_widget.render.builder import MIN_OVERLAY_POINTS, OVERLAY_LINES, FrameBuilder
from lossplot_widget.render.frame import FrameOptions
from lossplot_widget.render.sections import FOLD_OVER, PAGE_SIZE, overlay_title, plan
from lossplot_widget.render.static import frame_to_svg

GRADS = [f"grad_2.0_norm/layers.{i}.weight" for i in range(30)]


def _layout(names, groups=None):
    return assign_panels(names, groups or {})


def test_sections_are_title_prefixes_and_twins_still_share_a_panel():
    names = ["loss", "val_loss", "train/acc", "val/acc", "Loss/train", "Loss/test", "train/grad/w", "val/grad/w",
             "grad/v", "lr-Adam/pg1", "/odd", "odd/"]
    layout = _layout(names)
    assert layout["acc"] == ["train/acc", "val/acc"]
    assert layout["Loss"] == ["Loss/train", "Loss/test"]  # SummaryWriter-style suffixes: the main section
    assert layout["grad/w"] == ["train/grad/w", "val/grad/w"]  # train/val twins inside a section
    assert {t: section_of(t) for t in layout} == {
        "loss": "", "acc": "", "Loss": "", "grad/w": "grad", "grad/v": "grad", "lr-Adam/pg1": "lr-Adam",
        "/odd": "", "odd/": "",
    }
    p = plan(layout, FrameOptions())
    assert p.main == ("loss", "acc", "Loss", "/odd", "odd/")
    assert [(s.name, s.panels, s.metrics, s.open) for s in p.sections] == [
        ("grad", 2, 3, True), ("lr-Adam", 1, 1, True)]  # small sections start open
    assert list(p.shown) == ["loss", "acc", "Loss", "/odd", "odd/", "grad/w", "grad/v", "lr-Adam/pg1"]


def test_a_large_section_starts_folded_and_the_person_opens_and_folds_any():
    layout = _layout(["loss", *GRADS, *[f"small/m{i}" for i in range(FOLD_OVER)]])
    p = plan(layout, FrameOptions())
    grad, small = p.sections
    assert (grad.open, grad.titles, small.open, len(small.titles)) == (False, (), True, FOLD_OVER)
    assert list(p.shown) == ["loss", *[f"small/m{i}" for i in range(FOLD_OVER)]]
    p = plan(layout, FrameOptions(sections={"grad_2.0_norm": True, "small": False}))
    grad, small = p.sections
    assert grad.open and not small.open
    assert list(p.shown) == ["loss", *GRADS[:PAGE_SIZE]]


def test_an_open_section_shows_a_page_at_a_time_and_the_page_is_clamped():
    layout = _layout(["loss", *GRADS])
    for page, expected in ((0, GRADS[:12]), (1, GRADS[12:24]), (2, GRADS[24:]), (7, GRADS[24:]), (-3, GRADS[:12])):
        p = plan(layout, FrameOptions(sections={"grad_2.0_norm": True}, pages={"grad_2.0_norm": page}))
        (s,) = p.sections
        assert list(s.titles) == expected and s.pages == 3
        assert list(p.shown)[1:] == expected


def test_the_filter_finds_a_metric_in_a_folded_section_unless_the_person_folded_it():
    layout = _layout(["loss", *GRADS])
    p = plan(layout, FrameOptions(panel_filter=r"layers\.17\."))
    (s,) = p.sections
    assert list(p.shown) == ["grad_2.0_norm/layers.17.weight"]
    assert (s.open, s.matched, s.panels) == (True, 1, 30)
    assert p.filtered == frozenset({"loss"})
    p = plan(layout, FrameOptions(panel_filter=r"layers\.17\.", sections={"grad_2.0_norm": False}))
    assert list(p.shown) == [] and p.sections[0].matched == 1
    # a filter that matches more than a page pages its matches
    p = plan(layout, FrameOptions(panel_filter="layers.1", pages={"grad_2.0_norm": 0}))
    assert p.sections[0].matched == 11 and len(p.shown) == 11


def test_overlay_is_one_panel_with_every_matched_series_of_the_section():
    layout = _layout(["loss", *GRADS])
    opts = FrameOptions(sections={"grad_2.0_norm": True}, overlays=frozenset({"grad_2.0_norm"}))
    p = plan(layout, opts)
    assert list(p.shown) == ["loss", overlay_title("grad_2.0_norm")]
    assert p.shown[overlay_title("grad_2.0_norm")] == GRADS
    p = plan(layout, FrameOptions(overlays=frozenset({"grad_2.0_norm"}), panel_filter="layers.2"))
    assert p.shown[overlay_title("grad_2.0_norm")] == [g for g in GRADS if "layers.2" in g]
    # a folded overlay builds nothing
    p = plan(layout, FrameOptions(overlays=frozenset({"grad_2.0_norm"})))
    assert list(p.shown) == ["loss"]


def _history(names, n=500):
    h = History()
    steps = np.arange(n)
    for k, name in enumerate(names):
        h.load(name, steps, np.zeros(n), steps * 1e-3, np.sin(steps / 50 + k) + k)
    return h


def test_the_builder_builds_only_what_is_shown_and_lean_overlay_lines():
    names = ["loss", *[f"grad/w{i}" for i in range(300)]]
    b = FrameBuilder(_history(names))
    frame = b.build(FrameOptions(smoothing=0.0))
    assert list(frame.panels) == ["loss"] and len(b._tracks) == 1  # nothing of the folded section is built
    assert frame.sections[0].panels == 300 and not frame.sections[0].open
    assert len(frame.stats) == 301  # every series is counted (the run table's best values), folded or not
    opts = FrameOptions(smoothing=0.6, sections={"grad": True}, overlays=frozenset({"grad"}))
    frame = b.build(opts)
    lines = frame.panels[overlay_title("grad")]
    assert len(lines) == 300
    limit = max(MIN_OVERLAY_POINTS, OVERLAY_LINES * opts.max_points // 300)
    for sf in lines:  # one line per series (the smoothed one), within its share, no hover readout
        assert len(sf.x) == 0 and 0 < len(sf.smooth_x) <= limit and len(sf.readout_x) == 0
    total = sum(sf.points for sf in lines)
    assert total <= max(OVERLAY_LINES * opts.max_points, 300 * MIN_OVERLAY_POINTS)
    # back to panels: full lines again, a page of them
    frame = b.build(FrameOptions(smoothing=0.6, sections={"grad": True}))
    assert len(frame.panels) == 1 + PAGE_SIZE
    sf = frame.panels["grad/w0"][0]
    assert len(sf.x) > 0 and len(sf.smooth_x) > limit and len(sf.readout_x) > 0


def test_runs_with_a_metric_in_some_runs_only_share_the_sections():
    runs = RunSet()
    a = runs.start("a")
    for s in range(5):
        a.log({"loss": 1.0 / (s + 1), **{f"grad/w{i}": float(i + s) for i in range(20)}})
    a.finish()
    b = runs.start("b")
    for s in range(5):
        b.log({"loss": 2.0 / (s + 1), "grad/w3": 9.0, "grad/extra": 1.0})
    b.finish()
    builder = FrameBuilder(runs)
    frame = builder.build(FrameOptions(smoothing=0.0))
    (s,) = frame.sections
    assert (s.name, s.panels, s.open) == ("grad", 21, False)
    frame = builder.build(FrameOptions(smoothing=0.0, overlays=frozenset({"grad"}), sections={"grad": True}))
    keys = [sf.key for sf in frame.panels["grad/*"]]
    assert len(keys) == 22 and ("b", "grad/w3") in keys and ("b", "grad/extra") in keys and ("a", "grad/w3") in keys


def test_the_static_picture_stays_bounded_and_names_folded_sections():
    names = ["loss", *[f"grad/w{i}" for i in range(1000)]]
    b = FrameBuilder(_history(names, 50))
    svg = frame_to_svg(b.build(FrameOptions(smoothing=0.0)))
    assert "grad: 1000 panels (folded)" in svg
    assert "loss: last" in svg and "grad/w5: last" not in svg
    assert svg.count("<text") < 60 and len(svg) < 40_000
    svg = frame_to_svg(b.build(FrameOptions(smoothing=0.0, sections={"grad": True}, overlays=frozenset({"grad"}))))
    assert "grad · all 1000" in svg and "grad: 1000 panels, drawn in one panel" in svg
    assert 1 <= svg.count(">grad/w") <= 5  # the legend names the highest few, as the live view's


def test_an_overlay_shares_its_points_among_the_series_of_every_run():
    runs = RunSet()
    steps = np.arange(500)
    for name in ("a", "b"):
        r = runs.start(name)
        for i in range(150):
            r.history.load(f"grad/w{i}", steps, np.zeros(500), steps * 1e-3, np.sin(steps / 40 + i))
        r.finish()
    opts = FrameOptions(smoothing=0.0, overlays=frozenset({"grad"}), sections={"grad": True})
    lines = FrameBuilder(runs).build(opts).panels["grad/*"]
    assert len(lines) == 300
    share = max(MIN_OVERLAY_POINTS, OVERLAY_LINES * opts.max_points // 300)  # 300 lines, not 150 metrics
    assert all(0 < len(sf.x) <= share for sf in lines)
