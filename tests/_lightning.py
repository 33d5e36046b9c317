"""Lightning helpers shared by the adapter and control tests (imports Lightning: use from Lightning tests only)."""

from __future__ import annotations

from _frameworks import require

pl = require("lightning.pytorch")


class StopAt(pl.Callback):
    """Click Stop (``request_stop``) at the end of batch ``batches``."""

    def __init__(self, widget, batches):
        self.widget, self.batches, self.seen = widget, batches, 0

    def on_train_batch_end(self, trainer, *args):
        self.seen += 1
        if self.seen == self.batches:
            self.widget.request_stop()
