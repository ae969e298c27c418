"""The whole-program model of one run: modules, processes, the call graph, contexts.

Built once in the project pass (``runner.finish``) from every file's summary; the project
(``project.py``) asks it, per candidate finding, whether a context can exist at the line, in which
process role the line runs, and which files share a process with an instrumentor.
"""
from __future__ import annotations

import os
from typing import Callable, Dict, List, Optional, Sequence

from .context import ContextModel, SiteContext, is_test_path
from .modules import ModuleIndex, Processes


class ProgramModel:
    def __init__(self, files: Sequence[tuple], include_tests: bool = False):
        """``files``: ``(filesystem path, display path, module, is_package, summary)``."""
        self.paths = [os.path.realpath(f[0]) for f in files]
        self.displays = [f[1] for f in files]
        self.by_path: Dict[str, int] = {p: i for i, p in enumerate(self.paths)}
        self.by_display: Dict[str, int] = {d: i for i, d in enumerate(self.displays)}
        self.tests = [is_test_path(d) for d in self.displays]
        self.include_tests = include_tests
        self.index = ModuleIndex([(f[0], f[2], f[3], f[4] or {}) for f in files])
        self.processes = Processes(self.index, self.tests)
        tracing = 0
        for i, f in enumerate(files):
            if (f[4] or {}).get("tracing"):
                tracing |= 1 << i
        self._tracing_bits = tracing
        self._process_cache: Dict[int, int] = {}
        self.extra_traced: Callable[[int], bool] = lambda i: False
        self.worker_traced: Callable[[int], bool] = lambda i: False
        self._context: Optional[ContextModel] = None

    # ------------------------------------------------------------------ processes
    def index_of(self, path: str) -> Optional[int]:
        return self.by_path.get(os.path.realpath(path))

    def process_bits(self, i: int) -> int:
        bits = self._process_cache.get(i)
        if bits is None:
            bits = self._process_cache[i] = self.processes.processes_of(i)
        return bits

    def same_process(self, i: int, j: int) -> bool:
        """Do modules ``i`` and ``j`` run in a common process (one loads both)?"""
        return bool((self.process_bits(i) >> j) & 1)

    def traced(self, i: int) -> bool:
        """Does a process that runs module ``i`` use tracing (a tracing import anywhere in it, or
        an instrumentation that covers it)?"""
        return bool(self.process_bits(i) & self._tracing_bits) or self.extra_traced(i)

    # ------------------------------------------------------------------ contexts
    @property
    def context(self) -> ContextModel:
        if self._context is None:
            self._context = ContextModel(self.index, self.tests, self.traced, self.worker_traced)
        return self._context

    def site(self, path: str, line: int) -> Optional[SiteContext]:
        i = self.index_of(path)
        if i is None or not self.index.entries[i][3]:
            return None
        return self.context.site(i, line)

    def is_test(self, path: str) -> bool:
        i = self.index_of(path)
        return self.tests[i] if i is not None else is_test_path(path)
