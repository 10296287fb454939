"""One optimisation loop for every stage: Adam, shuffled batches, validation-based early
stopping that restores the best epoch's weights."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from videoaffect.core.errors import ModelError
from videoaffect.models.config import RunSettings, TrainConfig
from videoaffect.training.log import TrainingLog


@dataclass
class FitResult:
    best_epoch: int
    best_val_loss: float
    epochs_run: int


class TrainingError(ModelError, RuntimeError):
    pass


def fit(
    *,
    stage: str,
    modules: list[nn.Module],
    train_items: np.ndarray,
    batch_loss: Callable[[np.ndarray], torch.Tensor],
    val_loss: Callable[[], float],
    cfg: TrainConfig,
    rng: np.random.Generator,
    log: TrainingLog,
    lr: float | None = None,
    batch_size: int | None = None,
    run: RunSettings | None = None,
    max_epochs: int | None = None,
) -> FitResult:
    """Train the parameters of ``modules`` (all of them: freeze others by leaving them out).
    ``lr``, ``batch_size`` and ``max_epochs`` override the config's for this stage."""
    params = [p for m in modules for p in m.parameters() if p.requires_grad]
    if not params:
        raise TrainingError(f"{stage}: nothing to train")
    if len(train_items) == 0:
        raise TrainingError(f"{stage}: no training items")
    run = run or RunSettings()
    with scoped_torch_settings(run, params[0].device.type):
        return _fit(stage, modules, params, train_items, batch_loss, val_loss, cfg, rng, log, lr, batch_size, run,
                    max_epochs or cfg.max_epochs)


def native_bfloat16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 matrix products natively: an x86 CPU with
    AVX512-BF16 or AMX, or a CUDA device with bfloat16 support (Ampere or newer)."""
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported(including_emulation=False))
    if device.type == "cpu":
        probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
        return any(bool(probe()) for probe in probes if probe is not None)
    return False


def training_dtype(compute_dtype: str, device: torch.device) -> torch.dtype:
    """The arithmetic of the training passes for ``TrainConfig.compute_dtype`` on ``device``."""
    if compute_dtype == "auto":
        return torch.bfloat16 if native_bfloat16(device) else torch.float32
    return torch.bfloat16 if compute_dtype == "bfloat16" else torch.float32


@contextmanager
def scoped_torch_settings(run: RunSettings, device_type: str) -> Iterator[None]:
    """Deterministic kernels on CPU (same seed, same weights) and the requested thread count,
    for the duration of one fit only: both are process-wide torch switches, so the caller's
    settings are restored afterwards."""
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    try:
        if device_type == "cpu":
            torch.use_deterministic_algorithms(True)
        if run.num_threads:
            torch.set_num_threads(run.num_threads)
        yield
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        if run.num_threads:
            torch.set_num_threads(threads)


def _fit(stage, modules, params, train_items, batch_loss, val_loss, cfg: TrainConfig, rng, log: TrainingLog,
         lr, batch_size, run: RunSettings, max_epochs: int) -> FitResult:
    opt = torch.optim.Adam(params, lr=lr or cfg.lr, weight_decay=cfg.weight_decay)
    bs = batch_size or cfg.batch_size
    best_loss, best_epoch, bad = math.inf, 0, 0
    best_state = [copy.deepcopy(m.state_dict()) for m in modules]
    epoch = 0
    # Only the training passes: autocast records its casts in the forward pass and the backward
    # pass follows them; validation (``val_loss``) runs outside, in float32.
    device = params[0].device
    bfloat16 = training_dtype(cfg.compute_dtype, device) == torch.bfloat16
    for epoch in range(1, max_epochs + 1):
        for m in modules:
            m.train()
        order = rng.permutation(train_items)
        total, count = 0.0, 0
        steps = range(0, len(order), bs)
        bar = tqdm(steps, desc=f"{stage} epoch {epoch}", leave=False, disable=not run.progress, unit="batch")
        for a in bar:
            idx = order[a : a + bs]
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bfloat16):
                loss = batch_loss(idx)
            if not torch.isfinite(loss):
                raise TrainingError(
                    f"{stage}: loss became {loss.item()} at epoch {epoch}; lower the learning rate "
                    "or check the features for extreme values"
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            count += len(idx)
        for m in modules:
            m.eval()
        with torch.no_grad():
            v = float(val_loss())
        improved = v < best_loss
        log.write("epoch", stage=stage, epoch=epoch, train_loss=total / count, val_loss=v, best=improved)
        # Keep the best weights seen, but only a drop of more than min_delta resets patience.
        bad = 0 if v < best_loss - cfg.min_delta else bad + 1
        if improved:
            best_loss, best_epoch = v, epoch
            best_state = [copy.deepcopy(m.state_dict()) for m in modules]
        if bad >= cfg.patience:
            break
    for m, state in zip(modules, best_state):
        m.load_state_dict(state)
        m.eval()
    log.write("stage_done", stage=stage, best_epoch=best_epoch, best_val_loss=best_loss, epochs=epoch,
              compute_dtype="bfloat16" if bfloat16 else "float32")
    return FitResult(best_epoch, best_loss, epoch)


def set_trainable(module: nn.Module, trainable: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(trainable)
