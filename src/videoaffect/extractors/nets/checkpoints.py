"""Checking a loaded state dict against the shapes a network expects, listing every problem."""

from __future__ import annotations

from collections.abc import Mapping

import torch


def shape_problems(state: Mapping[str, object], expected: Mapping[str, torch.Size]) -> list[str]:
    """Missing keys, non-tensor values and misshaped tensors of ``state`` (extra keys allowed)."""
    problems: list[str] = []
    missing = [k for k in expected if k not in state]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    for key, shape in expected.items():
        value = state.get(key)
        if value is None:
            continue
        if not isinstance(value, torch.Tensor):
            problems.append(f"{key} is a {type(value).__name__}, not a tensor")
        elif value.shape != shape:
            problems.append(f"{key} has shape {tuple(value.shape)}, expected {tuple(shape)}")
    return problems


def checked_tensor(value: object) -> torch.Tensor:
    """A state-dict value that :func:`shape_problems` has already found to be a tensor."""
    assert isinstance(value, torch.Tensor), "check the state with shape_problems first"
    return value
