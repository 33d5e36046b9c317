"""The background thread: it keeps to its time budget, draws the newest slice asked for, gives way to
compute(), and survives a failing slice."""

from __future__ import annotations

import threading
import time

import pytest
from _frameworks import require

torch = require("torch")
from _models import data, mlp
from torch import nn

from lossplot_widget.landscape.evaluate import LossSurface
from lossplot_widget.landscape.slices import plan
from lossplot_widget.landscape.trajectory import Trajectory
from lossplot_widget.landscape.worker import SliceWorker
from lossplot_widget.render.throttle import Throttle


class SlowLoss:
    """Cross-entropy that takes ``delay`` seconds a point (and can be told to fail)."""

    def __init__(self, delay: float) -> None:
        self.delay, self.fail, self.calls = delay, False, 0

    def __call__(self, out, target):
        self.calls += 1
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("loss exploded")
        return nn.functional.cross_entropy(out, target)


def _job(net, step: int, resolution: int = 20):
    params, buffers = LossSurface.params_of(net), LossSurface.buffers_of(net)
    job, _ = plan("1d", step, params, buffers, params, Trajectory(), resolution, 1.0)
    return job


def _worker(delay: float, mode: str = "thread", **kw):
    net = mlp()
    loss = SlowLoss(delay)
    surface = LossSurface(net, loss, data(), method="loop")
    done = []
    worker = SliceWorker(surface, done.append, mode=mode, **kw)
    return net, loss, worker, done


class RecordingThrottle(Throttle):
    """The worker's bucket, recording each chunk it is charged: (time, cost, loss calls so far)."""

    def __init__(self, loss: SlowLoss, budget: float, burst: float) -> None:
        super().__init__(interval=0.0, budget=budget, burst=burst)
        self.loss, self.sends = loss, []

    def sent(self, now: float, cost: float) -> None:
        self.sends.append((now, cost, self.loss.calls))
        super().sent(now, cost)


def _recording(worker: SliceWorker, loss: SlowLoss) -> RecordingThrottle:
    old = worker.throttle
    worker.throttle = RecordingThrottle(loss, old.budget, old.burst)
    return worker.throttle


def _check_charges(throttle: RecordingThrottle, points: int, delay: float) -> float:
    """What the worker charged its bucket: every point, chunk by chunk, at no less than it cost; and the bucket's
    promise, checked on those charges (no wall-clock bound): whenever a chunk was charged (at the end of a
    ``"thread"`` chunk, the start of a ``"steps"`` one), the chunks before it had cost at most
    ``burst + budget * (time since the first charge)``. Without the rests, they cost about all of that time.
    Returns the total charged."""
    sends = throttle.sends
    calls = [c for _, _, c in sends]
    per_chunk = [b - a for a, b in zip([0, *calls], calls)]
    assert sum(per_chunk) == points and len(sends) >= points // 4
    assert all(1 <= n <= 4 for n in per_chunk), per_chunk  # a chunk (~20 ms: 1-4 points), never the whole slice
    assert all(cost >= 0.99 * delay * n for (_, cost, _), n in zip(sends, per_chunk))  # each point sleeps `delay`
    first, spent = sends[0][0], 0.0
    for k, (now, cost, _) in enumerate(sends):
        allowed = throttle.burst + throttle.budget * (now - first)
        assert spent <= allowed + 1e-3, f"chunk {k}: {spent:.3f} s spent before it, {allowed:.3f} s allowed"
        spent += cost
    return spent


def _in_thread(target, *args):
    """Run ``target`` on a daemon thread; returns (thread, results, errors)."""
    results, errors = [], []

    def run():
        try:
            results.append(target(*args))
        except BaseException as exc:
            errors.append(exc)

    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th, results, errors


def test_thread_keeps_to_its_share_of_wall_time():
    net, loss, worker, done = _worker(0.01, budget=0.25, burst=0.05)
    throttle = _recording(worker, loss)
    job = _job(net, 1, resolution=40)
    start = time.perf_counter()
    worker.submit(job)
    assert worker.wait(60)
    wall = time.perf_counter() - start
    cost = done[0].seconds
    assert cost >= 40 * 0.01
    charged = _check_charges(throttle, len(job.points), 0.01)
    assert charged <= cost  # the slice's time includes its centre's loss, never charged
    # the worker rests after its last chunk too: the whole run spread over >= (charged - burst) / budget
    assert wall >= (charged - 0.05) / 0.25 - 0.01, (wall, charged)
    print(f"\nthread, budget 25%: {cost:.2f} s of evaluation spread over {wall:.2f} s")
    worker.close()


def test_between_steps_the_training_loop_pauses_only_for_its_share():
    net, loss, worker, done = _worker(0.01, mode="steps", budget=0.25, burst=0.05)
    throttle = _recording(worker, loss)
    job = _job(net, 1, resolution=40)
    worker.submit(job)
    start = time.perf_counter()
    in_poll, longest, steps = 0.0, 0.0, 0
    while not done and steps < 100_000:
        time.sleep(0.002)  # a training step
        charged = len(throttle.sends)
        t0 = time.perf_counter()
        worker.poll()
        spent = time.perf_counter() - t0
        in_poll, longest, steps = in_poll + spent, max(longest, spent), steps + 1
        assert len(throttle.sends) - charged <= 1  # one chunk per call at most...
        assert all(cost <= spent for _, cost, _ in throttle.sends[charged:])  # ...charged no more than it took
    wall = time.perf_counter() - start
    assert done and done[0].step == 1 and loss.calls >= 40
    _check_charges(throttle, len(job.points), 0.01)  # the training loop gave each chunk only once the budget allowed it
    print(f"\nsteps, budget 25%: {in_poll:.2f} s inside poll() over {wall:.2f} s, longest pause {longest * 1e3:.0f} ms")
    worker.close()


@pytest.mark.parametrize("mode", ["thread", "steps"])
def test_newest_job_replaces_the_waiting_one(mode):
    began, proceed = threading.Event(), threading.Event()

    def on_progress(job, fraction):
        if job.step == 1 and not began.is_set():
            began.set()
            if mode == "thread":
                proceed.wait(10)  # job 1 stays under way until jobs 2 and 3 are submitted

    net, loss, worker, done = _worker(0.005, mode=mode, budget=1.0, on_progress=on_progress)
    worker.submit(_job(net, 1))
    if mode == "steps":
        worker.poll()  # job 1 begins here
    assert began.wait(10)  # job 1 is under way
    worker.submit(_job(net, 2))
    worker.submit(_job(net, 3))
    proceed.set()
    assert worker.wait(30)
    assert [s.step for s in done] == [1, 3]
    worker.close()


@pytest.mark.parametrize("mode", ["thread", "steps"])
def test_run_now_does_not_wait_for_the_budget(mode):
    began = threading.Event()
    # a budget of 1e-6: after its first chunk (~20 ms) job 1 would rest ~20 000 s, so only a run_now() that
    # does not wait for the budget can return (no bound on how fast: a join with a generous timeout)
    net, loss, worker, done = _worker(0.01, mode=mode, budget=1e-6, burst=0.0,
                                      on_progress=lambda job, fraction: job.step == 1 and began.set())
    worker.submit(_job(net, 1))
    if mode == "steps":
        worker.poll()  # job 1 begins here; the next poll() would be due in ~20 000 s
    assert began.wait(10)  # job 1 is under way (in "thread" mode, resting on the budget)
    th, results, errors = _in_thread(worker.run_now, _job(net, 2))
    th.join(60)
    assert not th.is_alive(), "run_now() waited for the budget"
    assert not errors, errors
    assert results[0].step == 2
    assert worker.wait(10) and [d.step for d in done] == [1]  # the job under way finished, unthrottled
    worker.close()


@pytest.mark.parametrize("mode", ["thread", "steps"])
def test_a_failing_slice_is_reported_and_later_ones_still_run(capsys, mode):
    errors = []
    net, loss, worker, done = _worker(0.0, mode=mode, budget=1.0, on_error=errors.append)
    loss.fail = True
    worker.submit(_job(net, 1))
    assert worker.wait(10)
    assert len(errors) == 1 and "loss exploded" in str(errors[0]) and done == []
    assert "landscape slice failed" in capsys.readouterr().err
    loss.fail = False
    worker.submit(_job(net, 2))
    assert worker.wait(10) and [s.step for s in done] == [2] and worker.error is None
    worker.close()
    if mode == "thread":
        assert not worker._thread.is_alive()
    else:
        assert worker._thread is None  # no thread in this mode


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        _worker(0.0, mode="async")
