"""Stop and Pause reach ``model.fit`` through LiveLossCallback (``model.stop_training``)."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
from _frameworks import require

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = require("keras")

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.keras import LiveLossCallback  # noqa: E402


def small_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    return model, x, x.sum(axis=1, keepdims=True)


class StopAt(keras.callbacks.Callback):
    def __init__(self, widget, batch):
        super().__init__()
        self.widget, self.batch, self.seen = widget, batch, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.batch:
            self.widget.request_stop()


def test_stop_request_ends_fit_at_the_next_batch():
    w = LiveLossWidget()
    model, x, y = small_model()
    stopper = StopAt(w, 5)
    model.fit(x, y, batch_size=8, epochs=50, verbose=0, callbacks=[LiveLossCallback(w), stopper])
    assert stopper.seen == 6  # the stop is seen at the end of the next batch
    assert len(w.history["loss"].values) == 6


def test_pause_holds_fit_until_resume():
    w = LiveLossWidget()
    model, x, y = small_model()
    w.check_controls()  # the run is active
    w.pause()
    done = []
    th = threading.Thread(
        target=lambda: done.append(model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[LiveLossCallback(w)])),
        daemon=True,
    )
    th.start()
    time.sleep(0.5)
    assert not done and "loss" not in w.history.names  # held at the end of the first batch
    w.resume()
    th.join(timeout=30)
    assert done and len(w.history["loss"].values) == 16


def test_stop_click_ends_a_blocking_fit_in_a_kernel(tmp_path):
    require("jupyter_client")
    from _kernel import Kernel, new_widget

    k = Kernel(tmp_path)
    try:
        k.run("import time, numpy as np, keras\nfrom lossplot_widget import LiveLossWidget\n"
              "from lossplot_widget.keras import LiveLossCallback")
        stop_id, _ = new_widget(k)
        fit = k.submit(
            "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16), keras.layers.Dense(1)])\n"
            "model.compile(optimizer='sgd', loss='mse')\n"
            "x = np.random.default_rng(0).normal(size=(256, 4)).astype('float32'); y = x.sum(1, keepdims=True)\n"
            "print('STARTED', flush=True); t0 = time.time()\n"
            "h = model.fit(x, y, batch_size=8, epochs=2000, verbose=0, callbacks=[LiveLossCallback(w)])\n"
            "print('RESULT', repr((time.time(), len(h.epoch), time.time() - t0)))\n"
        )
        k.wait_output(fit, "STARTED")
        time.sleep(2.0)
        clicked = k.click(stop_id)
        res = k.result(fit, timeout=120)
        assert res["status"] == "ok", res
        line = next(s for s in res["stdout"].splitlines() if s.startswith("RESULT "))
        returned, epochs, elapsed = eval(line[len("RESULT "):])  # noqa: S307
        print(f"\nKeras fit returned {1000 * (returned - clicked):.1f} ms after the Stop click ({epochs} epochs)")
        assert epochs < 2000 and returned - clicked < 10
    finally:
        k.close()
