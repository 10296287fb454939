"""An output directory is written by one process at a time.

The lock is an advisory ``flock`` on ``DIR/.videoaffect.lock``, a file that also names the
owner (pid, host, command) for the message a second process gets.  The kernel drops a flock
when its process dies, however it dies, so a SIGKILLed job never blocks its own resume and there
is no pid guessing (reused pids, zombies).  The file of a killed owner stays behind with its
name in it; the next owner reports it as taken over.

Race-free acquire: lock the open file, then check that the path still names that file (a
releasing owner unlinks it); otherwise start again.  Locks are re-entrant within one process
(a command and the library function it calls may both take it).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from videoaffect.core.errors import BusyError

LOCK_NAME = ".videoaffect.lock"

# path -> [file descriptor, depth] of the locks this process holds
_HELD: dict[str, list[int]] = {}


class OutputLock:
    """``with OutputLock(directory, "train"):`` holds ``directory/.videoaffect.lock``."""

    def __init__(self, directory: str | os.PathLike, what: str) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_NAME
        self.what = what
        # The record a killed owner left behind, when this acquire took its place.
        self.took_over: dict | None = None

    def _key(self) -> str:
        return str(self.path.resolve())

    def acquire(self) -> OutputLock:
        self.directory.mkdir(parents=True, exist_ok=True)
        key = self._key()
        if key in _HELD:
            _HELD[key][1] += 1
            return self
        for _attempt in range(50):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read(fd)
                os.close(fd)
                raise BusyError(self._busy_message(owner)) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the owner released (unlinked) between our open and our lock
                os.close(fd)
                continue
            previous = _read(fd)
            self.took_over = previous or None
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": self.what,
                                      "since": time.strftime("%Y-%m-%dT%H:%M:%S")}).encode(), 0)
            _HELD[key] = [fd, 1]
            return self
        raise BusyError(f"could not take {self.path}: other processes keep taking and releasing it; retry")

    def _busy_message(self, owner: dict) -> str:
        who = f"pid {owner.get('pid', '?')}"
        if owner.get("host") and owner.get("host") != socket.gethostname():
            who += f" on {owner['host']}"
        return (f"{self.directory} is being written by another videoaffect process ({who}, "
                f"`{owner.get('command', '?')}` since {owner.get('since', '?')}); wait for it to finish or "
                "choose another output")

    def release(self) -> None:
        key = self._key()
        held = _HELD.get(key)
        if held is None:
            return
        held[1] -= 1
        if held[1] > 0:
            return
        del _HELD[key]
        # Unlink while still holding the lock, so no one can lock the old file after we leave.
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        os.close(held[0])

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read(fd: int) -> dict:
    try:
        data = os.pread(fd, 4096, 0)
        value = json.loads(data.decode()) if data else {}
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}
