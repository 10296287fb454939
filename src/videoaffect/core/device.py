"""The one place that turns a user's --device into a torch device."""

from __future__ import annotations

from videoaffect.core.errors import ConfigError

DEVICE_HELP = "cpu, cuda, cuda:N or auto (cuda when torch sees one, else cpu)"


def check_device_name(name: str) -> str:
    """Validate the spelling without importing torch (the CLI checks before any work starts)."""
    text = str(name).strip().lower()
    if text in ("cpu", "cuda", "auto") or (text.startswith("cuda:") and text[5:].isdigit()):
        return text
    raise ConfigError(f"--device {name!r} is not a device; use {DEVICE_HELP}")


def resolve_device(name: str):
    import torch

    text = check_device_name(name)
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if text.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {name} asked for CUDA but torch sees no CUDA device; use cpu or auto")
        if ":" in text and int(text.split(":")[1]) >= torch.cuda.device_count():
            raise ConfigError(
                f"--device {name}: torch sees {torch.cuda.device_count()} CUDA device(s), numbered from 0"
            )
    return torch.device(text)
