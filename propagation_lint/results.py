"""A file's result of the per-file pass, what the runner, the cache and the project pass pass
around (kept apart from ``engine``, which imports libcst: a run that takes its report from the cache
imports neither)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from .findings import InternalError
from .rule import Candidate

# the facts' key of a file's whole-program summary (``program/summary.py``)
PROGRAM_KEY = "program"


@dataclass
class FileResult:
    path: str
    status: str = "linted"  # linted | skipped | error
    candidates: List[Candidate] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    internal_errors: List[InternalError] = field(default_factory=list)
    # skipped files only: what they import, as ``[level, module, name-or-""]`` rows, so the
    # runner can lint them after all when they use a name another file gave project facts for
    imports: List[list] = field(default_factory=list)
    # warnings about the file's noqa comments, as ``[line, message]`` rows (printed on stderr)
    notices: List[list] = field(default_factory=list)
    # the run's own bookkeeping, never cached: (the file's stat when read, its entry's key, the entry's
    # JSON body) when the file may be recorded in the cache's file index (``cache.FileIndex``)
    origin: Optional[tuple] = field(default=None, compare=False, repr=False)
    # a hash of the cached entry's content (``cache.body_digest``): equal results, equal digests; None
    # when the result is not cached (no cache, an internal error)
    digest: Optional[str] = field(default=None, compare=False, repr=False)
    # the file's stat when it was read, or its result taken from the file index by (``cache.file_stat``),
    # when settled (``cache.settled``): the result holds for the file while its stat is this
    seen: Optional[tuple] = field(default=None, compare=False, repr=False)
