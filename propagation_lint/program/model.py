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
from .summary import checked

# The top-level packages of tracing libraries (``contextvars`` is not one: it is the standard library).
TRACING_PACKAGES = ("opentelemetry", "ddtrace", "opentracing", "jaeger_client", "zipkin", "sentry_sdk")


class ProgramModel:
    def __init__(self, files: Sequence[tuple], include_tests: bool = False):
        """``files``: ``(filesystem path, display path, module, is_package, summary)``."""
        files = [(f[0], f[1], f[2], f[3], checked(f[4])) for f in files]
        self.paths = [os.path.realpath(f[0]) for f in files]
        self.displays = [f[1] for f in files]
        self.by_path: Dict[str, int] = {p: i for i, p in enumerate(self.paths)}
        self.by_display: Dict[str, int] = {d: i for i, d in enumerate(self.displays)}
        self.tests = [is_test_path(d) for d in self.displays]
        self.include_tests = include_tests
        self.index = ModuleIndex([(f[0], f[2], f[3], f[4] or {}) for f in files])
        # test code is no origin of a production context, and not a process root, unless included
        self.excluded = [t and not include_tests for t in self.tests]
        self.processes = Processes(self.index, self.excluded)
        tracing = 0
        for i, f in enumerate(files):
            if (f[4] or {}).get("tracing"):
                tracing |= 1 << i
        self._tracing_bits = tracing
        # functions that return a parameter converted: qname -> [[position, name], ...]
        self.passes: Dict[str, List[list]] = {}
        for f in files:
            for qname, pos, name in (f[4] or {}).get("passes", ()):
                self.passes.setdefault(qname, []).append([pos, name])
        self._process_cache: Dict[int, int] = {}
        self.extra_traced: Callable[[int], bool] = lambda i: False
        self.web_traced: Callable[[int], bool] = lambda i: False
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
            self._context = ContextModel(self.index, self.excluded, lambda i: self.web_traced(i), lambda i: self.worker_traced(i))
        return self._context

    def site(self, path: str, line: int) -> Optional[SiteContext]:
        i = self.index_of(path)
        if i is None or not self.index.entries[i][3]:
            return None
        return self.context.site(i, line)

    def canonical(self, qname: str) -> Optional[str]:
        """Where a project name is defined, through re-exports (``webapp.api.send_mail`` ->
        ``webapp.mail.send_mail``); None when it names no project function or class."""
        hit = self.index.split(qname, 0)
        if hit is None:
            return None
        target = self.context.resolve(hit[0], qname)
        return target[1] if target is not None else None

    def in_tracing_library(self, path: str) -> bool:
        """Is this file part of a tracing library itself (the OpenTelemetry SDK or its
        instrumentations, ddtrace, an OpenTracing tracer)? Their exporters, samplers and flushers
        run background threads that carry no application context."""
        i = self.index_of(path)
        module = self.index.entries[i][1] if i is not None else ""
        return module.split(".")[0] in TRACING_PACKAGES

    def is_test(self, path: str) -> bool:
        i = self.index_of(path)
        return self.tests[i] if i is not None else is_test_path(path)
