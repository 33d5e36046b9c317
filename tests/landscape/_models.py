"""Small models and a few training steps for the landscape tests (built from code, never downloaded)."""

from __future__ import annotations

import torch
from torch import nn


def mlp(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))


def bn_net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))


def data(n: int = 128, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
    return x, y


def train(net: nn.Module, opt: torch.optim.Optimizer, steps: int, scape=None, batch: int = 32) -> list[float]:
    x, y = data(512, seed=2)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    net.train()
    for step in range(steps):
        i = (step * batch) % len(x)
        loss = loss_fn(net(x[i:i + batch]), y[i:i + batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if scape is not None:
            scape.track(step)
    return losses
