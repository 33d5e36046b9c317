"""Make ``runs_yesterday.sqlite``: the run store of an earlier session of tutorial 01 (gradient descent on the
tutorial's regression data, learning rate 0.01, 400 steps), which the tutorial opens to show yesterday's run beside
today's. Run from the repository root: ``python notebooks/data/make_runs_yesterday.py``."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import torch

from lossplot_widget import RunWriter
from lossplot_widget.datasets import regression_data

OUT = Path(__file__).with_name("runs_yesterday.sqlite")
LR, STEPS, START = 0.01, 400, (0.0, 3.0)

for suffix in ("", "-wal", "-shm"):
    if os.path.exists(f"{OUT}{suffix}"):
        os.remove(f"{OUT}{suffix}")
x, y = regression_data(n=100, seed=0)
X, Y = torch.from_numpy(x), torch.from_numpy(y)
w = torch.tensor(START[0], requires_grad=True)
b = torch.tensor(START[1], requires_grad=True)
opt = torch.optim.SGD([w, b], lr=LR)
with RunWriter(OUT, f"lr={LR}", config={"lr": LR, "steps": STEPS}, project="01_mse_regression") as run:
    for step in range(STEPS):
        loss = torch.mean((Y - (w * X + b)) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.log(loss=loss)
con = sqlite3.connect(OUT)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # one self-contained file
con.execute("PRAGMA journal_mode=DELETE")
con.execute("VACUUM")
con.close()
print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
