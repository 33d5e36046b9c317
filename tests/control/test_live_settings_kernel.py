"""Every control acts while a cell blocks (ipykernel >= 7.4: the widget's comms are served by a subshell).

A real kernel runs a blocking loop; the test sends what the page sends when a person moves the
smoothing slider, presses log y, picks the time axis, types a filter, folds a panel, unticks a run,
zooms and resets. The loop itself records when each change reached the widget: every one must
arrive while the cell still runs (latencies are printed with ``-s``).
"""

from __future__ import annotations

import time

import pytest
from _frameworks import require

require("jupyter_client")
require("ipykernel")

from _kernel import Kernel, new_widget  # noqa: E402


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory):
    k = Kernel(tmp_path_factory.mktemp("kernel"))
    k.run("import time\nfrom lossplot_widget import LiveLossWidget")
    if k.value("__import__('ipykernel').version_info[:2]") < (7, 4):
        k.close()
        pytest.skip("per-comm routing to subshells needs ipykernel >= 7.4 (older kernels: Stop/Pause only)")
    yield k
    k.close()


def ids(k: Kernel, exprs: dict[str, str]) -> dict[str, str]:
    return {name: k.value(f"{expr}.model_id") for name, expr in exprs.items()}


def _all_applied_while_running(kernel: Kernel, loop: str, sent: dict[str, float], label: str = "") -> float:
    """Read the loop's ``RESULT (seen, ended)``: each change sent reached the widget while the cell still ran,
    within 2 s (latencies printed with ``-s``). Returns when the loop ended."""
    res = kernel.result(loop)
    assert res["status"] == "ok", res
    line = next(line for line in res["stdout"].splitlines() if line.startswith("RESULT "))
    seen, ended = eval(line[len("RESULT "):])  # noqa: S307
    for name, at in sent.items():
        assert name in seen, f"{name} never reached the widget while the cell ran: {seen}"
        print(f"\n{label}{name}: applied {1000 * (seen[name] - at):.1f} ms after it was sent (cell still running)")
        assert seen[name] <= ended and seen[name] - at < 2.0
    return ended


SETTINGS_LOOP = """
print("STARTED", flush=True)
seen = {{}}
t_end = time.time() + {seconds}
i = 0
while time.time() < t_end:
    time.sleep(0.001)
    with w.run("a"):
        w.log(loss=1.0 / (i + 1), val_loss=1.5 / (i + 1))
    with w.run("b"):
        w.log(loss=2.0 / (i + 1))
    i += 1
    state = {{
        "smoothing": w.smoothing == 0.0, "log_y": w.log_y, "x_axis": w.x_axis == "time",
        "filter": w.panel_filter == "loss", "fold": "loss" in w._view.collapsed, "run": "b" in w._hidden,
        "zoom": "loss" in w._view.zoom.ranges(), "reset": "zoom" in seen and not w._view.zoom.ranges(),
        "sort": w._view.run_table.descending,
    }}
    for key, value in state.items():
        if value and key not in seen:
            seen[key] = time.time()
    if len(seen) == len(state):
        break
print("RESULT", repr((seen, time.time())))
"""


def test_every_setting_acts_while_a_cell_blocks(kernel: Kernel) -> None:
    new_widget(kernel, smoothing=0.6, refresh_interval=0.05)
    kernel.run("with w.run('a'): w.log(loss=1.0, val_loss=1.5)\nwith w.run('b'): w.log(loss=2.0)\nw.flush()")
    assert kernel.value("w.loop_control.mechanism") == "subshell"
    comms = ids(kernel, {
        "smoothing": "w._view.smoothing", "log_y": "w._view.log_y", "x_axis": "w._view.x_axis",
        "filter": "w._view.panel_filter", "fold": "w._view.panels['loss'].header",
        "run": "w._view.run_table.checks['b']", "zoom": "w._view.panels['loss'].x_scale",
        "reset": "w._view.zoom.reset_button", "sort": "w._view.run_table._buttons['run']",
    })
    loop = kernel.submit(SETTINGS_LOOP.format(seconds=30))
    kernel.wait_output(loop, "STARTED")
    time.sleep(0.3)
    sent = {}
    sends = [
        ("smoothing", lambda c: kernel.update(c, value=0.0)),
        ("log_y", lambda c: kernel.update(c, value=True)),
        ("x_axis", lambda c: kernel.update(c, index=2)),
        ("filter", lambda c: kernel.update(c, value="loss")),
        ("fold", kernel.click),
        ("run", lambda c: kernel.update(c, value=False)),
        ("zoom", lambda c: kernel.update(c, min=2.0, max=10.0)),
        ("reset", kernel.click),
        ("sort", kernel.click),
    ]
    for name, send in sends:
        sent[name] = send(comms[name])
        time.sleep(0.25)
    ended = _all_applied_while_running(kernel, loop, sent)
    assert ended - sent["smoothing"] < 15  # the loop ended because every change arrived, not at its deadline
    # the widget and its toolbar agree once the cell is over (nothing replayed out of order afterwards)
    kernel.settle()
    state = kernel.value(
        "(w.smoothing, w.log_y, w.x_axis, w.panel_filter, sorted(w._view.collapsed), sorted(w._hidden), w._view.zoom.ranges())"
    )
    assert state == (0.0, True, "time", "loss", ["loss"], ["b"], {})


def test_a_setting_draws_at_once_without_a_log_call(kernel: Kernel) -> None:
    new_widget(kernel, smoothing=0.6, refresh_interval=0.05)
    kernel.run("w.log(loss=1.0); w.log(loss=0.5); w.flush()")
    slider = kernel.value("w._view.smoothing.model_id")
    loop = kernel.submit(
        'print("STARTED", flush=True)\n'
        "n0 = w.frames_sent; t_end = time.time() + 20\n"
        "while time.time() < t_end and w.smoothing != 0.0: time.sleep(0.002)\n"
        "changed = time.time()\n"
        "while time.time() < t_end and w.frames_sent == n0: time.sleep(0.002)\n"
        "print('RESULT', repr((changed, time.time(), w.frames_sent - n0)))\n"
    )
    kernel.wait_output(loop, "STARTED")
    time.sleep(0.3)
    sent = kernel.update(slider, value=0.0)
    res = kernel.result(loop)
    line = next(line for line in res["stdout"].splitlines() if line.startswith("RESULT "))
    changed, drawn, frames = eval(line[len("RESULT "):])  # noqa: S307
    print(f"\nsmoothing -> 0 applied {1000 * (changed - sent):.1f} ms, frame drawn {1000 * (drawn - sent):.1f} ms "
          "after it was sent, with no log() call")
    assert frames >= 1 and drawn - sent < 2.0


SECTIONS_LOOP = """
print("STARTED", flush=True)
seen = {{}}
t_end = time.time() + {seconds}
i = 0
while time.time() < t_end:
    time.sleep(0.002)
    w.log(loss=1.0 / (i + 1), **{{f"grad/w{{k}}": k / (i + 1) for k in range(40)}})
    i += 1
    panels = w._view.panels
    state = {{"open": "grad/w0" in panels, "page": "grad/w12" in panels and "grad/w0" not in panels,
              "overlay": "grad/*" in panels and "grad/w12" not in panels}}
    for key, value in state.items():
        if value and key not in seen:
            seen[key] = time.time()
    if len(seen) == len(state):
        break
print("RESULT", repr((seen, time.time())))
"""


def test_a_section_opens_pages_and_overlays_while_a_cell_blocks(kernel: Kernel) -> None:
    new_widget(kernel, smoothing=0.6, refresh_interval=0.05)
    # the section's tools are made when it first opens: open it and fold it again before the cell
    kernel.run("w.log(loss=1.0, **{f'grad/w{k}': 1.0 for k in range(40)}); w.flush()\n"
               "w._view.toggle_section('grad'); w._view.toggle_section('grad')")
    assert kernel.value("sorted(w._view.panels)") == ["loss"]
    header = "w._view.headers['grad']"
    comms = ids(kernel, {"open": f"{header}.fold", "page": f"{header}.next", "overlay": f"{header}.overlay"})
    loop = kernel.submit(SECTIONS_LOOP.format(seconds=30))
    kernel.wait_output(loop, "STARTED")
    time.sleep(0.3)
    sent = {}
    for name in ("open", "page", "overlay"):
        sent[name] = kernel.click(comms[name])
        time.sleep(0.4)
    _all_applied_while_running(kernel, loop, sent, "section ")
    kernel.settle()
    assert kernel.value("sorted(w._view.panels)") == ["grad/*", "loss"]
