"""Hugging Face Trainer callback with a real ``transformers.Trainer`` on CPU.

The model is a tiny, randomly initialised BERT built from a config (nothing is downloaded) and the
data are synthetic token sequences.
"""

from __future__ import annotations

import types

import pytest
from _frameworks import require

torch = require("torch")
transformers = require("transformers")
require("accelerate")  # the Trainer needs it

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.transformers import LiveLossCallback  # noqa: E402

N_TRAIN, BATCH = 48, 8  # 6 steps per epoch


class Tokens(torch.utils.data.Dataset):
    """Sequences whose label is whether token 1 appears: learnable, deterministic."""

    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(2, 30, (n, 12), generator=g)
        flip = torch.rand(n, generator=g) < 0.5
        self.ids[flip, 3] = 1
        self.labels = flip.long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.labels[i]}


def tiny_model():
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=32, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=16, num_labels=2,
    )
    return transformers.BertForSequenceClassification(config)


def make_trainer(tmp_path, callbacks, epochs=2, **kw):
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path), per_device_train_batch_size=BATCH, per_device_eval_batch_size=BATCH,
        num_train_epochs=epochs, learning_rate=5e-3, logging_steps=1, eval_strategy="steps", eval_steps=3,
        save_strategy="no", report_to=[], use_cpu=True, disable_tqdm=True, seed=0, **kw,
    )
    return transformers.Trainer(
        model=tiny_model(), args=args, train_dataset=Tokens(N_TRAIN, 0), eval_dataset=Tokens(16, 1),
        callbacks=callbacks,
    )


def col(w, name, key="value"):
    return w.history.to_dict()[name][key]


def history_of(trainer, name):
    return [(h["step"], h[name]) for h in trainer.state.log_history if name in h]


def test_values_equal_the_trainers_log_history(tmp_path, recorder):
    w = LiveLossWidget()
    w.widget
    cb = LiveLossCallback(w, run="bert")
    trainer = make_trainer(tmp_path, [cb])
    trainer.train()
    steps = 2 * N_TRAIN // BATCH
    for name in ("loss", "eval_loss", "learning_rate", "grad_norm"):
        expected = history_of(trainer, name)
        assert expected, name
        assert col(w, name, "step") == [s for s, _ in expected], name
        assert col(w, name) == pytest.approx([v for _, v in expected], rel=1e-6), name
    assert col(w, "loss", "step") == list(range(1, steps + 1))  # state.global_step, as log_history has it
    assert col(w, "eval_loss", "step") == list(range(3, steps + 1, 3))
    # epochs: the Trainer's epoch index
    assert col(w, "loss", "epoch") == [0.0] * 6 + [1.0] * 6
    # bookkeeping and the end-of-training summary are not drawn
    assert not {"epoch", "total_flos", "train_runtime", "train_loss", "eval_runtime"} & set(w.history.names)
    panels = {title: {m for _r, m in p.series} for title, p in w._view.panels.items()}
    assert panels["loss"] == {"loss", "eval_loss"}
    assert (w.progress.total, w.progress.done) == (steps, steps)
    assert w.runs["bert"].status == "finished"


def test_stop_ends_training(tmp_path):
    w = LiveLossWidget()

    class StopAt(transformers.TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step == 4:
                w.request_stop()

    trainer = make_trainer(tmp_path, [StopAt(), LiveLossCallback(w)], epochs=3)
    trainer.train()
    assert trainer.state.global_step == 4 or trainer.state.global_step == 5  # the step after the click at most
    assert col(w, "loss", "step")[-1] == trainer.state.global_step < 18
    assert w.runs["run-1"].status == "stopped"


def test_only_the_main_process_logs():
    cb = LiveLossCallback()
    other = types.SimpleNamespace(is_world_process_zero=False, global_step=1, max_steps=4, epoch=0.25)
    control = types.SimpleNamespace(should_training_stop=False)
    cb.on_train_begin(None, other, control)
    cb.on_step_end(None, other, control)
    cb.on_log(None, other, control, logs={"loss": 0.5, "epoch": 0.25})
    cb.on_evaluate(None, other, control)
    cb.on_train_end(None, other, control)
    assert cb.widget is None and cb.current_run is None

    main = types.SimpleNamespace(is_world_process_zero=True, global_step=1, max_steps=4, epoch=0.25)
    w = LiveLossWidget()
    cb = LiveLossCallback(w)
    cb.on_train_begin(None, main, control)
    cb.on_log(None, main, control, logs={"loss": 0.5, "epoch": 0.25})
    assert col(w, "loss") == [0.5]


def test_import_lossplot_widget_does_not_import_transformers():
    import subprocess
    import sys

    code = "import sys, lossplot_widget; print('transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
