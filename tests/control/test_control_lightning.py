"""Stop and Pause reach a Lightning Trainer through LiveLossCallback (``trainer.should_stop``)."""

from __future__ import annotations

import threading
import time

from _frameworks import require

torch = require("torch")
pl = require("lightning.pytorch")

from _lightning import StopAt  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.lightning import LiveLossCallback  # noqa: E402


class Module(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.net(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def trainer(callbacks, epochs=50):
    return pl.Trainer(
        max_epochs=epochs, callbacks=callbacks, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, accelerator="cpu", num_sanity_val_steps=0,
    )


def loader():
    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    return DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=8)


def test_stop_request_ends_fit_after_the_next_batch():
    w = LiveLossWidget()
    stopper = StopAt(w, 5)
    t = trainer([LiveLossCallback(w), stopper])
    t.fit(Module(), loader())
    assert t.should_stop
    assert stopper.seen == 6 and int(t.global_step) == 6  # of 50 epochs x 8 batches


def test_pause_holds_the_trainer_until_resume():
    w = LiveLossWidget()
    w.check_controls()  # the run is active
    w.pause()
    t = trainer([LiveLossCallback(w)], epochs=1)
    th = threading.Thread(target=t.fit, args=(Module(), loader()), daemon=True)
    th.start()
    time.sleep(1.0)
    assert th.is_alive() and int(t.global_step) <= 1  # held at the end of the first batch
    w.resume()
    th.join(timeout=60)
    assert not th.is_alive() and int(t.global_step) == 8
