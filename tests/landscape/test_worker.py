"""The background thread: it keeps to its time budget, draws the newest slice asked for, gives way to
compute(), and survives a failing slice."""

from __future__ import annotations

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


def test_thread_keeps_to_its_share_of_wall_time():
    net, loss, worker, done = _worker(0.01, budget=0.25, burst=0.05)
    start = time.perf_counter()
    worker.submit(_job(net, 1, resolution=40))
    assert worker.wait(60)
    wall = time.perf_counter() - start
    cost = done[0].seconds
    assert cost >= 40 * 0.01
    # over a stretch T the bucket allows budget * T + burst: T >= (cost - burst - one chunk) / budget
    assert wall >= 0.9 * (cost - 0.05 - 0.03) / 0.25, (wall, cost)
    print(f"\nthread, budget 25%: {cost:.2f} s of evaluation spread over {wall:.2f} s")
    worker.close()


def test_between_steps_the_training_loop_pauses_only_for_its_share():
    net, loss, worker, done = _worker(0.01, mode="steps", budget=0.25, burst=0.05)
    worker.submit(_job(net, 1, resolution=40))
    start = time.perf_counter()
    in_poll, longest, steps = 0.0, 0.0, 0
    while not done and steps < 100_000:
        time.sleep(0.002)  # a training step
        t0 = time.perf_counter()
        worker.poll()
        spent = time.perf_counter() - t0
        in_poll, longest, steps = in_poll + spent, max(longest, spent), steps + 1
    wall = time.perf_counter() - start
    assert done and done[0].step == 1 and loss.calls >= 40
    assert in_poll <= 0.25 * wall + 0.05 + longest + 0.02, (in_poll, wall)
    assert longest < 0.2  # a chunk is sized to ~20 ms (here 2 points of 10 ms), never the whole slice
    print(f"\nsteps, budget 25%: {in_poll:.2f} s inside poll() over {wall:.2f} s, longest pause {longest * 1e3:.0f} ms")
    worker.close()


@pytest.mark.parametrize("mode", ["thread", "steps"])
def test_newest_job_replaces_the_waiting_one(mode):
    net, loss, worker, done = _worker(0.005, mode=mode, budget=1.0)
    worker.submit(_job(net, 1))
    if mode == "thread":
        time.sleep(0.02)  # job 1 is running
    else:
        worker.poll()  # job 1 has begun
    worker.submit(_job(net, 2))
    worker.submit(_job(net, 3))
    assert worker.wait(30)
    assert [s.step for s in done] == [1, 3]
    worker.close()


@pytest.mark.parametrize("mode", ["thread", "steps"])
def test_run_now_does_not_wait_for_the_budget(mode):
    net, loss, worker, done = _worker(0.01, mode=mode, budget=0.01, burst=0.0)  # 1%: a 20-point job takes ~20 s
    worker.submit(_job(net, 1))
    if mode == "thread":
        time.sleep(0.1)
    else:
        worker.poll()
    t0 = time.perf_counter()
    s = worker.run_now(_job(net, 2))
    assert s.step == 2 and time.perf_counter() - t0 < 8
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
