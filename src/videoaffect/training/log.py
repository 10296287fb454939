"""Training log: one JSON object per line in the model directory, and readable lines on stderr."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

logger = logging.getLogger("videoaffect.training")


class TrainingLog:
    def __init__(self, path: str | Path | None = None, echo: bool = True) -> None:
        self.records: list[dict] = []
        self.path = Path(path) if path is not None else None
        self.echo = echo
        self._t0 = time.perf_counter()

    def write(self, event: str, **fields) -> None:
        rec = {"event": event, "t": round(time.perf_counter() - self._t0, 3), **fields}
        self.records.append(rec)
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec) + "\n")
        if self.echo:
            text = " ".join(f"{k}={_fmt(v)}" for k, v in fields.items())
            # one line per epoch is detail (`-v`); stage results are the story (default)
            logger.log(logging.DEBUG if event == "epoch" else logging.INFO, "%s %s", event, text)

    def epochs(self, stage: str) -> list[dict]:
        return [r for r in self.records if r["event"] == "epoch" and r.get("stage") == stage]


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)
