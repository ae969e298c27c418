"""Progress on standard error while a long run lints: ``[1234/4337 files]``, rewritten in place.

Shown only when standard error is a terminal, ``-q`` was not given, and the run has lasted
longer than :data:`DELAY` seconds (a quick run prints nothing extra); the line is erased before
anything else is printed, so it never mixes with the report, and nothing of it reaches a file
or a pipe. ``PROPAGATION_LINT_PROGRESS_AFTER`` (seconds) changes the delay.
"""
from __future__ import annotations

import os
import sys
import time
from typing import IO, Optional

DELAY = 1.0


class Progress:
    def __init__(self, total: int, stream: IO[str], delay: float = DELAY) -> None:
        self.total = total
        self.stream = stream
        self.start = time.monotonic()
        self.delay = delay
        self.shown = False
        self.last = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.start < self.delay or (self.shown and now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        self.shown = True
        self.stream.write(f"\r\x1b[K[{done}/{self.total} files]")
        self.stream.flush()

    def phase(self, text: str) -> None:
        """A step after the files (the whole-program pass), shown once the delay has passed."""
        if time.monotonic() - self.start < self.delay:
            return
        self.shown = True
        self.stream.write(f"\r\x1b[K[{self.total}/{self.total} files] {text}")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def progress_for(total: int, quiet: bool, stream: Optional[IO[str]] = None) -> Optional[Progress]:
    """A :class:`Progress` when it should be shown at all (a terminal, not quiet), else None."""
    stream = stream if stream is not None else sys.stderr
    if quiet:
        return None
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError, OSError):
        return None
    try:
        delay = float(os.environ.get("PROPAGATION_LINT_PROGRESS_AFTER", DELAY))
    except ValueError:
        delay = DELAY
    return Progress(total, stream, delay)
