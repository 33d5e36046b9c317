"""Stop and Pause against a real ipykernel, clicked over the shell channel exactly as a browser does.

A blocking loop runs in one cell; while it blocks, the test sends ``comm_msg`` messages for the Stop
and Pause buttons (``{method: custom, content: {event: click}}``). Latencies are printed (run with
``-s``); assertions only check that a loop stopped well before it would have ended, and that the
kernel's queue semantics are unchanged. Each test runs on three kernels: one choosing its mechanism
(``subshell`` on ipykernel >= 7.4), and two forced to the fallbacks (``hook``, ``peek``).
"""

from __future__ import annotations

import time

import pytest
from _frameworks import require

require("jupyter_client")
require("ipykernel")

from _kernel import Kernel, new_widget  # noqa: E402

LOOP_SECONDS = 30  # the loops below would run this long without a Stop


@pytest.fixture(scope="module", params=["auto", "hook", "peek"])
def kernel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A kernel choosing its mechanism itself, and kernels forced to the fallbacks (tested on ipykernel 7.4)."""
    forced = {} if request.param == "auto" else {"LOSSPLOT_CONTROL_MECHANISM": request.param}
    k = Kernel(tmp_path_factory.mktemp("kernel"), **forced)
    k.forced = request.param
    k.run("import time, threading\nfrom lossplot_widget import LiveLossWidget")
    new_widget(k)
    k.mechanism = k.value("bar.mechanism")
    yield k
    k.close()


BLOCKING_LOOP = """
print("STARTED", flush=True)
t0 = time.time(); stopped_at = None; steps = 0
for i in range(int({seconds} * 1000)):
    time.sleep(0.001)
    w.log(loss=1.0 / (i + 1))
    steps += 1
    if w.should_stop:
        stopped_at = time.time()
        break
print("RESULT", repr((stopped_at, steps, time.time() - t0)))
"""


def parse_result(stdout: str) -> tuple[float | None, int, float]:
    line = next(line for line in stdout.splitlines() if line.startswith("RESULT "))
    return eval(line[len("RESULT "):])  # noqa: S307


def test_mechanism_is_chosen_by_the_kernel_version(kernel: Kernel) -> None:
    new_widget(kernel)
    version = kernel.value("__import__('ipykernel').version_info[:2]")
    expected = kernel.forced if kernel.forced != "auto" else "subshell" if version >= (7, 4) else "peek"
    print(f"\nipykernel {version}: {kernel.value('bar.mechanism')}")
    assert kernel.value("bar.mechanism") == expected
    assert "control: live" in kernel.value("bar.status.value")
    new_widget(kernel, "w_off", control_hooks=False)
    assert kernel.value("bar.mechanism") == "handler"
    assert "between cells" in kernel.value("bar.status.value")


def test_stop_click_stops_a_blocking_loop_and_queued_cells_keep_order(kernel: Kernel) -> None:
    stop_id, _ = new_widget(kernel)
    kernel.run("late_clicks, queued_at = [], []\nbar.stop.on_click(lambda b: late_clicks.append(time.time()))")
    loop = kernel.submit(BLOCKING_LOOP.format(seconds=LOOP_SECONDS))
    queued = [kernel.submit(f"queued_at.append(time.time()); print('queued', {n}, w.should_stop)") for n in range(3)]
    kernel.wait_output(loop, "STARTED")
    time.sleep(0.5)
    clicked = kernel.click(stop_id)
    res = kernel.result(loop)
    stopped_at, steps, elapsed = parse_result(res["stdout"])
    assert stopped_at is not None, res["stdout"]
    latency_ms = (stopped_at - clicked) * 1000
    print(f"\n[{kernel.mechanism}] Stop click -> blocking loop stopped: {latency_ms:.1f} ms (after {steps} steps, {elapsed:.2f} s)")
    assert elapsed < LOOP_SECONDS / 3
    assert 0 <= latency_ms < 2000
    # the queued cells ran afterwards, in order, each with its own output; their runs were not stopped
    counts = [res["execution_count"]]
    for n, msg_id in enumerate(queued):
        r = kernel.result(msg_id)
        assert r["status"] == "ok"
        assert r["stdout"] == f"queued {n} False\n"
        counts.append(r["execution_count"])
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    # on_click ran once: on the subshell while the loop ran (it may end a few us after the loop saw the
    # flag the widget's own handler set first: the two threads race), so before the queued cells;
    # elsewhere on its normal route, after the loop
    kernel.settle()
    late = kernel.value("late_clicks")
    assert len(late) == 1
    assert late[0] < min(kernel.value("queued_at")) if kernel.mechanism == "subshell" else late[0] > stopped_at
    # ... and that late delivery did not stop the next run
    stopped_at, steps, _ = parse_result(kernel.run(BLOCKING_LOOP.format(seconds=0.3))["stdout"])
    assert stopped_at is None and steps == 300
    assert "stopped at step" not in kernel.value("bar.status.value")


def test_click_while_idle_does_not_stop_the_next_run(kernel: Kernel) -> None:
    stop_id, pause_id = new_widget(kernel)
    kernel.click(stop_id)
    kernel.click(pause_id)
    kernel.settle()
    assert kernel.value("(w.paused, bar.pause.description)") == (False, "❚❚")  # a pause with no run: ignored
    stopped_at, steps, _ = parse_result(kernel.run(BLOCKING_LOOP.format(seconds=0.3))["stdout"])
    assert stopped_at is None and steps == 300


def test_pause_resume_pause_resume_then_stop(kernel: Kernel) -> None:
    stop_id, pause_id = new_widget(kernel)
    loop = kernel.submit(
        'print("STARTED", flush=True)\n'
        "times = []\n"
        f"for i in w.steps(range({LOOP_SECONDS * 1000})):\n"
        "    time.sleep(0.001)\n"
        "    w.log(loss=1.0 / (i + 1))\n"
        "    times.append(time.time())\n"
        "gaps = sorted(range(len(times) - 1), key=lambda k: times[k + 1] - times[k])[-2:]\n"
        "print('RESULT', repr(([(times[k], times[k + 1]) for k in sorted(gaps)], len(times), times[-1])))\n"
    )
    kernel.wait_output(loop, "STARTED")
    clicks = []
    for _ in range(2):  # Pause, Resume, Pause, Resume: the same button, clicked as a person does
        time.sleep(0.3)
        clicks.append(kernel.click(pause_id))
        time.sleep(0.8)
        clicks.append(kernel.click(pause_id))
    time.sleep(0.3)
    stopped = kernel.click(stop_id)
    res = kernel.result(loop)
    assert res["status"] == "ok", res
    pauses, steps, last = parse_result(res["stdout"])
    for n, (start, end) in enumerate(pauses):
        paused, resumed = clicks[2 * n], clicks[2 * n + 1]
        print(f"\n[{kernel.mechanism}] Pause {n + 1} took effect {1000 * (start - paused):.1f} ms after the click; "
              f"Resume {1000 * (end - resumed):.1f} ms")
        assert end - start > 0.5  # the loop did not advance while paused
        assert start >= paused - 0.01 and end >= resumed - 0.01
    print(f"[{kernel.mechanism}] Stop {1000 * (last - stopped):.1f} ms")
    assert steps < LOOP_SECONDS * 1000 / 3 and last - stopped < 2
    kernel.settle()
    assert kernel.value("(w.paused, bar.pause.description)") == (False, "❚❚")


def test_stop_while_paused_ends_the_wait(kernel: Kernel) -> None:
    stop_id, pause_id = new_widget(kernel)
    loop = kernel.submit(BLOCKING_LOOP.format(seconds=LOOP_SECONDS))
    kernel.wait_output(loop, "STARTED")
    time.sleep(0.3)
    kernel.click(pause_id)
    time.sleep(0.5)
    clicked = kernel.click(stop_id)
    stopped_at, steps, elapsed = parse_result(kernel.result(loop)["stdout"])
    assert stopped_at is not None
    print(f"\n[{kernel.mechanism}] Stop while paused: {1000 * (stopped_at - clicked):.1f} ms")
    assert elapsed < LOOP_SECONDS / 3


def test_error_after_stop_still_aborts_the_queue(kernel: Kernel) -> None:
    stop_id, _ = new_widget(kernel)
    loop = kernel.submit(BLOCKING_LOOP.format(seconds=LOOP_SECONDS) + "raise RuntimeError('after stop')\n")
    queued = kernel.submit("print('must not run')")
    kernel.wait_output(loop, "STARTED")
    time.sleep(0.3)
    kernel.click(stop_id)
    res = kernel.result(loop)
    assert res["status"] == "error" and res["ename"] == "RuntimeError"
    q = kernel.result(queued)
    assert q["status"] == "aborted" and q["stdout"] == ""
    kernel.settle()
    assert kernel.value("w.loop_control.scope is None")


def test_interrupt_while_paused_still_aborts_the_queue(kernel: Kernel) -> None:
    _, pause_id = new_widget(kernel)
    loop = kernel.submit(BLOCKING_LOOP.format(seconds=LOOP_SECONDS))
    queued = kernel.submit("print('must not run')")
    kernel.wait_output(loop, "STARTED")
    time.sleep(0.3)
    kernel.click(pause_id)
    time.sleep(0.5)
    interrupted = time.monotonic()
    kernel.km.interrupt_kernel()
    res = kernel.result(loop)
    print(f"\n[{kernel.mechanism}] Interrupt while paused: reply after {1000 * (time.monotonic() - interrupted):.0f} ms")
    assert res["status"] == "error" and res["ename"] == "KeyboardInterrupt"
    assert kernel.result(queued)["status"] == "aborted"
    kernel.settle()
    assert kernel.value("(w.paused, w.loop_control.scope is None, bar.pause.description)") == (False, True, "❚❚")


def test_without_hooks_a_blocking_loop_is_not_stopped_and_the_late_click_is_ignored(kernel: Kernel) -> None:
    stop_id, _ = new_widget(kernel, control_hooks=False)
    loop = kernel.submit(BLOCKING_LOOP.format(seconds=1.0))
    kernel.wait_output(loop, "STARTED")
    time.sleep(0.2)
    kernel.click(stop_id)
    stopped_at, steps, _ = parse_result(kernel.result(loop)["stdout"])
    assert stopped_at is None and steps == 1000  # the click waited for the cell to end
    kernel.settle()
    stopped_at, steps, _ = parse_result(kernel.run(BLOCKING_LOOP.format(seconds=0.3))["stdout"])
    assert stopped_at is None and steps == 300


@pytest.mark.parametrize("hooks", [True, False], ids=["hook", "handler"])
def test_stop_training_in_a_background_thread(kernel: Kernel, hooks: bool) -> None:
    stop_id, _ = new_widget(kernel, control_hooks=hooks)
    kernel.run(
        "result = {}\n"
        "def train():\n"
        f"    for i in w.steps(range({LOOP_SECONDS * 1000})):\n"
        "        time.sleep(0.001)\n"
        "        w.log(loss=1.0 / (i + 1))\n"
        "    result['stopped_at'] = time.time(); result['steps'] = i + 1\n"
        "th = threading.Thread(target=train, daemon=True); th.start()\n"
    )
    time.sleep(0.5)
    clicked = kernel.click(stop_id)
    res = kernel.value("(th.join(timeout=20), result)[1]")
    assert res["steps"] < LOOP_SECONDS * 1000 / 3
    print(f"\n[{kernel.mechanism if hooks else 'handler'}] Stop of a background-thread loop: "
          f"{1000 * (res['stopped_at'] - clicked):.1f} ms")


def test_stop_training_started_by_a_button_then_start_again(kernel: Kernel) -> None:
    """Voilà-style: a Start button's handler runs the loop on the main thread, inside a comm message."""
    stop_id, _ = new_widget(kernel)
    kernel.run(
        "import ipywidgets\n"
        "start = ipywidgets.Button(description='Start'); display(start)\n"
        "runs = []\n"
        "def on_start(_):\n"
        "    t0 = time.time(); n = 0\n"
        "    for i in w.steps(range(int(float(start.tooltip or 30) * 1000))):\n"
        "        time.sleep(0.001); w.log(loss=1.0); n += 1\n"
        "    runs.append((time.time(), n, time.time() - t0))\n"
        "start.on_click(on_start)\n"
    )
    start_id = kernel.value("start.model_id")
    kernel.click(start_id)
    time.sleep(0.8)
    clicked = kernel.click(stop_id)
    deadline = time.monotonic() + 20
    while not kernel.value("runs") and time.monotonic() < deadline:
        time.sleep(0.2)
    (ended, steps, elapsed), = kernel.value("runs")
    print(f"\n[{kernel.mechanism}] Stop of a button-started loop: {1000 * (ended - clicked):.1f} ms")
    assert elapsed < LOOP_SECONDS / 3
    # a second Start runs a fresh run: the earlier stop does not carry over
    kernel.run("start.tooltip = '0.3'")
    kernel.click(start_id)
    deadline = time.monotonic() + 20
    while len(kernel.value("runs")) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kernel.value("runs[1][1]") == 300
