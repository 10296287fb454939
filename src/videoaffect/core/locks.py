"""An output directory is written by one process at a time.

A lock is a file holding the owner's pid and host.  It is created with O_EXCL, so of two
processes started together exactly one gets it.  A lock whose process is gone (killed, crashed)
is stale: the next process says so and takes it over, so a SIGKILL never blocks the resume.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from videoaffect.core.errors import BusyError

LOCK_NAME = ".videoaffect.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class OutputLock:
    """``with OutputLock(directory, "train --out"):`` holds ``directory/.videoaffect.lock``."""

    def __init__(self, directory: str | os.PathLike, what: str) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_NAME
        self.what = what
        self.took_over: dict | None = None
        self._nested = False

    def _owner(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None

    def acquire(self) -> "OutputLock":
        self.directory.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.what,
              "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
        for _attempt in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = self._owner()
                if owner is None:
                    # Being written this instant by its creator, or left empty by a kill between
                    # create and write: wait a moment, then treat an empty file as stale.
                    time.sleep(0.2)
                    owner = self._owner()
                if owner is not None and owner.get("host") == me["host"] and owner.get("pid") == os.getpid():
                    # This process already holds it (a command and the library function it calls).
                    self._nested = True
                    return self
                if owner is not None and owner.get("host") == me["host"] and _alive(int(owner.get("pid", -1))):
                    raise BusyError(
                        f"{self.directory} is being written by another videoaffect process (pid {owner['pid']}, "
                        f"`{owner.get('command', '?')}` since {owner.get('since', '?')}); wait for it to finish "
                        f"or choose another output. If no such process runs, delete {self.path}"
                    )
                if owner is not None and owner.get("host") != me["host"]:
                    raise BusyError(
                        f"{self.directory} is locked by pid {owner.get('pid')} on host {owner.get('host')} "
                        f"(`{owner.get('command', '?')}`); if that job is over, delete {self.path}"
                    )
                self.took_over = owner or {}
                try:
                    self.path.unlink()
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w") as fh:
                json.dump(me, fh)
            return self
        raise BusyError(f"could not take {self.path}: other processes keep creating it; retry")

    def release(self) -> None:
        if self._nested:
            return
        owner = self._owner()
        if owner is not None and owner.get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
