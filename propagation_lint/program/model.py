"""The whole-program model of one run: modules, processes, the call graph, contexts.

Built once in the project pass (``runner.finish``) from every file's summary; the project
(``project.py``) asks it, per candidate finding, whether a context can exist at the line, in which
process role the line runs, and which files share a process with an instrumentor.
"""
from __future__ import annotations

import functools
import os
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..catalog.tracing import TRACING_SETUP_MODULES
from .context import (TASK_DECORATOR_ATTRS, ContextModel, SiteContext, context_free_file, is_example_path, is_test_path,
                      path_flags, test_flags)
from .modules import PACKAGING_FILES, ModuleIndex, Processes
from .summary import distinctive, parse_python, summarize

# Files that deploy an application from their directory: the code below runs as a server, a
# worker or a function of that application, not as a library others import (`PACKAGING_FILES`)
APPLICATION_FILES = re.compile(r"^(Dockerfile.*|Containerfile.*|.*\.dockerfile|Procfile.*|(docker-)?compose.*\.ya?ml|"
                               r"serverless\.ya?ml|template\.ya?ml|app\.ya?ml|fly\.toml|manage\.py)$", re.I)
# A web server's entry modules (Django's `WSGI_APPLICATION`/`ASGI_APPLICATION` modules, by name)
WEB_ENTRY_FILES = ("wsgi.py", "asgi.py")
# Docstrings and comments: a function a docstring mentions ("see run_in_background") is not named
_PROSE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|#[^\n]*')
# The top-level packages of tracing libraries (``contextvars`` is not one: it is the standard library).
TRACING_PACKAGES = ("opentelemetry", "ddtrace", "opentracing", "jaeger_client", "zipkin", "sentry_sdk")
# Bases from a tracing package that application code extends for its own work (an instrumentor,
# a propagator's getter, a Sentry integration): their subclasses are no tracing machinery
TRACING_API_BASES = ("opentelemetry.instrumentation", "opentelemetry.propagators", "opentelemetry.propagate",
                     "opentelemetry.trace.propagation", "sentry_sdk.integrations")


MIN_ASKED_FILES = 25
MAX_ASKED_SHARE = 0.02


def complete_summaries(files: List[tuple], candidate_lines: Dict[int, List[int]], rounds: int = 4,
                       modules: Sequence[str] = (), memo=None, index=None, include_tests: bool = False) -> List[tuple]:
    """Read the calls of the files whose cheap summary is not enough (``summary.lite_summary``):
    those that import the module of a function holding a candidate finding and name it, then those
    that import and name their callers, ``rounds`` levels up. No other file's calls can change a
    finding's context. ``modules``: modules the candidates' conditions name (a helper that
    converts a carrier), read whoever imports them.

    ``files``: ``(filesystem path, display path, module, is_package, summary)``; returns the same
    list with the summaries completed (each a function of its file's text, as always). ``memo``:
    the run's cache (``cache.Cache``), which keeps each summary read here under its file's text
    and the names asked about, so the next run reads the file but does not parse it again.
    ``index``: the cache's file index (``cache.FileIndex``), which answers both questions asked of
    a file (which names it mentions, its completed summary) without reading it while its stat is
    unchanged. ``include_tests``: test files' calls count (``include-tests = true``); else they
    are never read for callers, since the call graph leaves them out."""
    from .summary import checked

    files = list(files)
    known = _Known(index)
    tests = test_flags([f[1] for f in files])

    def complete(i: int, names=None) -> dict:
        path, display, module, is_package, summary = files[i]
        question = "summary\x00%s\x00%s\x00%s" % (module, bool(is_package), ",".join(sorted(names or ())) or "*")
        recalled = known.recall(path, question)
        if recalled is not None and isinstance(recalled[0], dict):
            full = checked(recalled[0]) if recalled[0] else {}
            if full or not recalled[0]:
                full = full or summary
                files[i] = (path, display, module, is_package, full)
                return full
        text = texts.pop(path, None) if names is not None else None
        if text is None:
            text = known.read(path)
            if text is None:
                return summary
        focus = None
        if names is not None:
            focus = _words([n for n in sorted(names) if n in text])  # a name absent from the text matches nowhere
            if focus is None or not focus.search(text):
                known.remember(path, question, {})
                return summary  # imports the module but names none of the functions asked about
        key = memo.summary_key(text, module, is_package, names) if memo is not None else None
        full = memo.get_summary(key) if key is not None else None
        if full is None:
            full = _summarize_closed(text, module, is_package, names, focus)
            if key is not None:
                memo.put_summary(key, full)
        known.remember(path, question, full)
        full = full or summary
        files[i] = (path, display, module, is_package, full)
        return full

    wanted = set(modules)
    for i, f in enumerate(files):
        if (f[4] or {}).get("lite") and f[2] in wanted:
            complete(i)
    demand: Dict[str, set] = {}  # module -> names of its functions whose callers matter
    methods: set = set()  # method names whose untyped callers (`obj.publish_ticket()`) matter
    for i, lines in candidate_lines.items():
        summary = files[i][4] or {}
        if context_free_file(files[i][1]) or tests[i]:
            continue  # decided by where the file is, whoever calls it
        spans = set(summary.get("spans", ()))
        blocks: Dict[str, List[Tuple[int, int]]] = {}
        for owner, first, last in summary.get("span_blocks", ()):
            blocks.setdefault(owner, []).append((first, last))

        def in_span(qname: str, line: int) -> bool:
            """The line runs in a span the function starts (in the block of a `with` span, when
            all its spans are such blocks)."""
            return qname in spans and (qname not in blocks or any(a <= line <= b for a, b in blocks[qname]))

        for row in summary.get("defs", ()):
            task = any(d.rsplit(".", 1)[-1] in TASK_DECORATOR_ATTRS for d in row[4])  # its producers matter
            if row[1] == "function" and any(row[2] <= line <= row[3] and (task or not in_span(row[0], line))
                                            for line in lines):
                demand.setdefault(files[i][2], set()).add(row[0][len(files[i][2]) + 1:].split(".")[0])
                methods.update(_method_name(summary, row[0]))
    # tasks holding a candidate that are registered under another name (`@shared_task(name="x")`): a
    # beat schedule or a `send_task("x")` names them by that string
    registered = set()
    for i, lines in candidate_lines.items():
        summary = files[i][4] or {}
        defs = {row[0]: row for row in summary.get("defs", ())}
        for qname, name in summary.get("named_tasks", ()):
            row = defs.get(qname)
            if row is not None and any(row[2] <= line <= row[3] for line in lines):
                registered.add(name)
    if registered:
        for i, f in enumerate(files):
            if (f[4] or {}).get("lite") and registered.intersection((f[4] or {}).get("strings", ())):
                complete(i)
    by_module = {f[2]: i for i, f in enumerate(files) if f[2]}
    reexports: Dict[str, List[Tuple[str, str]]] = {}  # "pkg.mod.name" -> [(re-exporting module, its name)]
    for f in files:
        for alias, target in ((f[4] or {}).get("aliases") or {}).items():
            if f[2] and target != f"{f[2]}.{alias}":
                reexports.setdefault(target, []).append((f[2], alias))

    def widen(asked: Dict[str, set]) -> Dict[str, set]:
        """Same-file callers, and the modules re-exporting the names (``from .housekeeping import
        start_export_deletions`` in ``models/__init__.py``)."""
        out: Dict[str, set] = {}
        for m, ns in asked.items():
            ns = _callers_in_file(files[by_module[m]][4] or {}, m, ns) if m in by_module else set(ns)
            out.setdefault(m, set()).update(ns)
            for n in ns:
                for package, alias in reexports.get(f"{m}.{n}", ()):
                    out.setdefault(package, set()).add(alias)
        return out

    demand = widen(demand)
    importers: Optional[Dict[str, List[int]]] = None
    done: Dict[int, Optional[set]] = {}  # file -> the names its summary was completed for (None: all)
    texts: Dict[str, str] = {}
    limit = max(MIN_ASKED_FILES, int(len(files) * MAX_ASKED_SHARE))
    method_callers: Optional[Dict[str, List[int]]] = None
    for _round in range(rounds):
        if not demand and not methods:
            break
        found: Dict[str, set] = {}
        asked: Dict[int, set] = {}
        counts: Dict[str, int] = {}
        if importers is None:
            importers = _namespaced(_importers(files), files)
            method_callers = _method_callers(files)
        wanted_names: Dict[int, set] = {}
        for imp, ns in demand.items():
            for i in importers.get(imp, ()):
                wanted_names.setdefault(i, set()).update(ns)
        for name in methods:
            for i in method_callers.get(name, ()):
                wanted_names.setdefault(i, set()).add(name)
        asked_methods, methods = methods, set()
        for i in sorted(wanted_names):
            if not include_tests and tests[i]:
                continue  # a test's calls are no edge of the call graph (ContextModel._build_edges)
            if i in done:
                if done[i] is None or wanted_names[i] <= done[i]:
                    continue  # read already for these names (a later round asks a file about new ones)
            elif not (files[i][4] or {}).get("lite"):
                continue
            names = wanted_names[i] - (done.get(i) or set())
            if names:
                mentioned = _mentioned(files[i][0], names, texts, known)
                if mentioned:
                    asked[i] = mentioned
                    for n in mentioned:
                        counts[n] = counts.get(n, 0) + 1
        # a module most of the project imports (`threading`, the project's `utils`) asks every file:
        # its functions' callers are too many to tell a context apart, and to read
        crowded = {n for n, c in counts.items() if c > limit}
        for i, names in asked.items():
            names = names - crowded
            if not names:
                continue
            module = files[i][2]
            # a method called on an untyped object: its callers' own callers in the file are
            # methods too (`self._publish()`), which a summary focused on the name would not hold
            whole = bool(names & asked_methods)
            if i in done:
                names = names | done[i]
            done[i] = None if whole else set(names)
            full = complete(i, None if whole else names)
            for caller, ref, _line in full.get("calls", ()):
                # `f()`, `Cls()`, or a method of a class asked about (`SessionImpl.create()`)
                tail = ref.rsplit(".", 2)[-2:]
                if (tail[-1] in names or tail[0] in names) and caller != module and caller.startswith(module + "."):
                    found.setdefault(module, set()).add(caller[len(module) + 1:].split(".")[0])
                    # a method found calling: its own callers may hold an object of its class the
                    # file cannot type (`self.manager.create_session()`, the manager an argument)
                    methods.update(_method_name(full, caller))
        demand = widen(found)
        methods -= asked_methods
    return files


def _summarize_closed(text: str, module: str, is_package: bool, names, focus) -> dict:
    """The file's summary focused on ``names`` (all of it without), walking also the functions of
    the file that call, by a distinctive name, the functions walked: ``receive()`` calling
    ``self._handle_chat()`` calling the helper asked about. The callers of a function in its own
    file are read with it, not a round later (the rounds are few, and a file is read once)."""
    if focus is None:
        return summarize(text, module, is_package)
    tree = parse_python(text)
    if tree is None:
        return {}
    asked = {n for n in names if n in text}
    while True:
        full = summarize(text, module, is_package, tree=tree, focus=focus)
        prefix = module + "."
        more: set = set()
        for caller, _ref, _line in full.get("calls", ()):
            name = caller.rsplit(".", 1)[-1]
            # a module-level function by any name; a method by a name few other methods share
            if name not in asked and caller.startswith(prefix) and caller != module \
                    and ("." not in caller[len(prefix):] or distinctive(name)):
                more.add(name)
        if not more:
            return full
        asked |= more
        focus = _words(sorted(asked))


def _importers(files: List[tuple]) -> Dict[str, List[int]]:
    """For each module, and each name in one, the files still summarised cheaply that import it,
    a name in it, or name it in a string (beat schedules name tasks): ``from orders.tasks import
    sync`` imports ``orders.tasks.sync``, ``orders.tasks`` and ``orders``."""
    out: Dict[str, List[int]] = {}
    prefixes: Dict[str, tuple] = {}  # "a.b.c" -> ("a.b.c", "a.b", "a"): most files import the same names
    for i, f in enumerate(files):
        summary = f[4] or {}
        if not summary.get("lite"):
            continue
        seen: set = set()
        for names in (summary.get("imports", ()), summary.get("strings", ())):
            for imp in names:
                found = prefixes.get(imp)
                if found is None:
                    found, name = [], imp
                    while name:
                        found.append(name)
                        name = name.rpartition(".")[0]
                    found = prefixes[imp] = tuple(found)
                seen.update(found)
        for imp in seen:
            out.setdefault(imp, []).append(i)
    return out


def _namespaced(importers: Dict[str, List[int]], files: List[tuple]) -> Dict[str, List[int]]:
    """``importers`` with each import through namespace packages (``ai.backend.logging.otel``,
    where ``src/ai/`` and ``src/ai/backend/`` have no ``__init__.py``) also under the name the
    linter gives the module (``logging.otel``: names start at the topmost ``__init__.py``)."""
    modules = {f[2] for f in files if f[2]}
    spaces: set = set()  # names of the directories without __init__.py above a top package
    tops: set = set()
    for path, _display, module, is_package, _summary in files:
        if not module:
            continue
        depth = module.count(".") + (1 if is_package else 0)
        directory = os.path.dirname(os.path.abspath(path))
        for _ in range(depth):
            directory = os.path.dirname(directory)
        if directory in tops:
            continue
        tops.add(directory)
        for _ in range(4):  # `src/ai/backend/`: a few levels of namespace
            name = os.path.basename(directory)
            if not name.isidentifier() or os.path.isfile(os.path.join(directory, "__init__.py")):
                break
            spaces.add(name)
            directory = os.path.dirname(directory)
    if not spaces:
        return importers
    out = dict(importers)
    for name, found in importers.items():
        if name in modules or name.split(".", 1)[0] not in spaces:
            continue
        parts = name.split(".")
        k = 0
        while k < len(parts) - 1 and parts[k] in spaces:
            k += 1
            rest = ".".join(parts[k:])
            if rest in modules:
                out[rest] = sorted(set(out.get(rest, ())) | set(found))
                break
    return out


def _method_callers(files: List[tuple]) -> Dict[str, List[int]]:
    """For each distinctive method name, the files still summarised cheaply that call a method of
    that name on some object (``self.producer.publish_ticket(...)``)."""
    out: Dict[str, List[int]] = {}
    for i, f in enumerate(files):
        summary = f[4] or {}
        if summary.get("lite"):
            for name in summary.get("methods", ()):
                out.setdefault(name, []).append(i)
    return out


def _method_name(summary: dict, qname: str) -> List[str]:
    """``[name]`` when ``qname`` is a method of a class of the file with a distinctive name (its
    callers may hold an object of the class the file cannot type), else ``[]``."""
    owner, _, name = qname.rpartition(".")
    if not distinctive(name) or not any(row[0] == owner and row[1] == "class" for row in summary.get("defs", ())):
        return []
    return [name]


def _builds(pyproject: str) -> bool:
    """Does a ``pyproject.toml`` build a package (a ``[build-system]`` table, not turned off by
    Poetry's ``package-mode = false`` or uv's ``package = false``)? One with none only lists an
    application's dependencies for uv or pip."""
    try:
        with open(pyproject, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return True
    return bool(_BUILD_SYSTEM.search(text)) and not _NO_PACKAGE.search(text)


_BUILD_SYSTEM = re.compile(r"^\[build-system\]", re.M)
_NO_PACKAGE = re.compile(r"^\s*(package-mode|package)\s*=\s*false\b", re.M)


def _words(names: List[str]) -> "Optional[re.Pattern[str]]":
    """A pattern matching any of ``names`` as a word (None for no names)."""
    return re.compile(r"\b(?:%s)\b" % "|".join(re.escape(n) for n in names)) if names else None


@functools.lru_cache(maxsize=4096)
def _word(name: str) -> "re.Pattern[str]":
    """``\\bname\\b``, written to start with the name itself (``name(?<!\\wname)\\b``) when the name
    starts with a word character: a pattern that starts with a literal is searched for as a
    string, one that starts with ``\\b`` is tried at every position."""
    escaped = re.escape(name)
    if re.match(r"\w", name):
        return re.compile(r"%s(?<!\w%s)\b" % (escaped, escaped))
    return re.compile(r"\b%s\b" % escaped)


def _mentioned(path: str, names: set, texts: Dict[str, str], known: "Optional[_Known]" = None) -> set:
    """Which of ``names`` the file's text names (as words); the text is kept for the summary."""
    known = known if known is not None else _Known(None)
    question = "mentioned\x00" + ",".join(sorted(names))
    recalled = known.recall(path, question)
    if recalled is not None and isinstance(recalled[0], list) and all(n in names for n in recalled[0]):
        return set(recalled[0])
    text = texts.get(path)
    if text is None:
        text = known.read(path)
        if text is None:
            return set()
        texts[path] = text
    found = {n for n in names if n in text and _word(n).search(text)}
    known.remember(path, question, sorted(found))
    return found


class _Known:
    """The project pass's reads of a file, through the cache's file index when there is one: an
    answer recorded while the file had its present stat is taken without reading it; a file read
    is stat-ed first, and its answers are recorded once its times are settled."""

    def __init__(self, index):
        self.index = index
        self.stats: Dict[str, Optional[tuple]] = {}  # path -> stat before it was read (settled) or None

    def _stat(self, path: str) -> Optional[tuple]:
        if path not in self.stats:
            from ..cache import file_stat

            self.stats[path] = file_stat(path)
        return self.stats[path]

    def recall(self, path: str, question: str) -> Optional[list]:
        if self.index is None:
            return None
        return self.index.recall(path, question, self._stat(path))

    def read(self, path: str) -> Optional[str]:
        if self.index is not None:
            import time

            from ..cache import file_stat, settled

            st = file_stat(path)
            self.stats[path] = st if settled(st, time.time_ns()) else None
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except OSError:
            return None

    def remember(self, path: str, question: str, value) -> None:
        st = self.stats.get(path)
        if self.index is not None and st is not None:
            self.index.remember(path, question, st, value)


def _callers_in_file(summary: dict, module: str, names: set) -> set:
    """``names`` (top-level functions and classes of ``module``) and, transitively, the ones of the
    same file that call them: a task that calls a helper holding the candidate is asked about too
    (its producers elsewhere decide the helper's context)."""
    names = set(names)
    prefix = module + "."
    calls = summary.get("calls", ())
    changed = True
    while changed:
        changed = False
        for caller, ref, _line in calls:
            target = ref[2:] if ref.startswith("()") else ref
            if not (target.startswith(prefix) and caller.startswith(prefix)):
                continue
            top = caller[len(prefix):].split(".")[0]
            if top not in names and target[len(prefix):].split(".")[0] in names:
                names.add(top)
                changed = True
    return names


class ProgramModel:
    def __init__(self, files: Sequence[tuple], include_tests: bool = False, root: Optional[str] = None):
        """``files``: ``(filesystem path, display path, module, is_package, summary)``, each
        summary already :func:`summary.checked` (the runner checks what the cache gave it once);
        ``root``: the directory the run is in (its deployment files decide what is an application)."""
        files = [(f[0], f[1], f[2], f[3], f[4] or {}) for f in files]
        self._real: Dict[str, str] = {}  # path as given -> with symbolic links resolved
        self._real_dirs: Dict[str, str] = {}
        self.paths = [self.realpath(f[0]) for f in files]
        self.displays = [f[1] for f in files]
        self.by_path: Dict[str, int] = {p: i for i, p in enumerate(self.paths)}
        self.by_display: Dict[str, int] = {d: i for i, d in enumerate(self.displays)}
        self.tests = test_flags(self.displays)
        self._examples: Optional[List[bool]] = None  # `untraced_example`
        self.include_tests = include_tests
        self.index = ModuleIndex([(f[0], f[2], f[3], f[4] or {}) for f in files])
        # test code is no origin of a production context, and not a process root, unless included
        self.excluded = [t and not include_tests for t in self.tests]
        self.processes = Processes(self.index, self.excluded)
        tracing = contextvars = setup = 0
        for i, f in enumerate(files):
            if (f[4] or {}).get("tracing"):
                tracing |= 1 << i
            if any(_sets_tracing_up(name) for name in (f[4] or {}).get("imports", ())):
                setup |= 1 << i
            if (f[4] or {}).get("contextvars"):
                contextvars |= 1 << i
        self._tracing_bits = tracing
        self._setup_bits = setup  # files that import an SDK, agent or vendor configurator
        self._contextvars_bits = contextvars
        # functions that return a parameter converted: qname -> [[position, name], ...]
        self.passes: Dict[str, List[list]] = {}
        for f in files:
            for qname, pos, name in (f[4] or {}).get("passes", ()):
                self.passes.setdefault(qname, []).append([pos, name])
        self._process_cache: Dict[int, int] = {}
        self.extra_traced: Callable[[int], bool] = lambda i: False
        self.worker_observed: Callable[[int], bool] = lambda i: self.extra_traced(i)
        self.web_traced: Callable[[int, Tuple[str, ...]], bool] = lambda i, frameworks=(): False
        self.worker_traced: Callable[[int], bool] = lambda i: False
        self._context: Optional[ContextModel] = None
        self._common: Optional[str] = None
        self._top = self.realpath(os.path.join(os.path.abspath(root), "")).rstrip(os.sep) if root else None
        self._kinds: Dict[str, str] = {}
        self._names: Optional[set] = None
        self._dotted: Dict[str, List[Tuple[int, str]]] = {}  # name -> (file, dotted reference) naming it
        self._codes: Dict[int, Optional[str]] = {}  # file -> its code (`_code`)

    # ------------------------------------------------------------------ processes
    def realpath(self, path: str) -> str:
        """``os.path.realpath(path)``, asking the file system once per directory (and once more
        per file, whether it is itself a link), not once per component of every path."""
        real = self._real.get(path)
        if real is None:
            directory, name = os.path.split(path)
            base = self._real_dirs.get(directory)
            if base is None:
                base = self._real_dirs[directory] = os.path.realpath(directory)
            real = os.path.join(base, name) if name not in ("", ".", "..") else os.path.realpath(path)
            if os.path.islink(real):
                real = os.path.realpath(real)
            self._real[path] = real
        return real

    def index_of(self, path: str) -> Optional[int]:
        return self.by_path.get(self.realpath(path))

    def process_bits(self, i: int) -> int:
        bits = self._process_cache.get(i)
        if bits is None:
            bits = self._process_cache[i] = self.processes.processes_of(i)
        return bits

    def same_process(self, i: int, j: int) -> bool:
        """Do modules ``i`` and ``j`` run in a common process (one loads both)?"""
        return bool((self.process_bits(i) >> j) & 1)

    def traced(self, i: int) -> bool:
        """Does a process that runs module ``i`` use tracing (a tracing library's import anywhere
        in it, not only its metrics or logs; or an instrumentation that covers it)?"""
        return bool(self.process_bits(i) & self._tracing_bits) or self.extra_traced(i)

    def traces_with_library(self, i: int) -> bool:
        """Does a process that runs module ``i`` import a tracing library itself (OpenTelemetry,
        ddtrace, OpenTracing), not counting what instrumentations or vendor SDKs add?"""
        return bool(self.process_bits(i) & self._tracing_bits)

    def uses_contextvars(self, i: int) -> bool:
        """Does a process that runs module ``i`` use ``contextvars`` itself?"""
        return bool(self.process_bits(i) & self._contextvars_bits)

    # ------------------------------------------------------------------ contexts
    @property
    def context(self) -> ContextModel:
        if self._context is None:
            self._context = ContextModel(self.index, self.excluded, lambda i, fw=(): self.web_traced(i, fw),
                                         lambda i: self.worker_traced(i), self.same_process)
            self._context.observed = lambda i: self.extra_traced(i)
            self._context.worker_observed = lambda i: self.worker_observed(i)
            self._context.read_full = self._read_full
            self._context.named_elsewhere = self._named_elsewhere
            self._context.application = self.application
            self._context.untraced_example = self.untraced_example
        return self._context

    def untraced_example(self, i: int) -> bool:
        """Is module ``i`` part of an example or documentation program (under ``examples/``,
        ``docs_src/``...: a program of its own, or a module of one) whose process sets no tracing up:
        no module of it imports an SDK, agent or vendor configurator (``TRACING_SETUP_MODULES``),
        and no launcher, instrumentation or traced framework covers it?"""
        if self._examples is None:
            self._examples = path_flags(self.displays, is_example_path)
        if not self._examples[i]:
            return False
        return not (self.process_bits(i) & self._setup_bits) and not self.extra_traced(i) \
            and not self.web_traced(i, ()) and not self.worker_traced(i)

    def application(self, i: int) -> bool:
        """Is module ``i`` a module of an application that its other code loads: some production
        module imports it, and the nearest directory above it that deploys or packages something
        deploys it (a Dockerfile, a Procfile, a compose file, ``manage.py``), rather than packaging
        a library (``pyproject.toml``, ``setup.py`` alone)? A module nothing imports may be loaded
        by name from outside (a server's ``module:app``, a plugin), so its functions may be API."""
        if not self.processes.imported_by_name[i]:
            return False
        root = self._root()
        directory = os.path.dirname(self.paths[i])
        while True:
            kind = self._directory_kind(directory)
            if kind:
                return kind == "application"
            if directory == root or len(directory) <= len(root):
                return False
            parent = os.path.dirname(directory)
            if parent == directory:
                return False
            directory = parent

    def _root(self) -> str:
        """The top of the walk for deployment files: the run's directory when it holds every file,
        else the directory common to the files."""
        if self._common is None:
            try:
                self._common = os.path.commonpath([os.path.dirname(p) for p in self.paths]) if self.paths else ""
            except ValueError:  # paths on different drives
                self._common = ""
            top = self._top
            if top and (self._common == top or self._common.startswith(top + os.sep)):
                self._common = top
        return self._common

    def _directory_kind(self, directory: str) -> str:
        kind = self._kinds.get(directory)
        if kind is None:
            try:
                names = os.listdir(directory)
            except OSError:
                names = []
            if any(APPLICATION_FILES.match(n) for n in names):
                kind = "application"
            elif "__init__.py" not in names and any(
                    n in PACKAGING_FILES and (n != "pyproject.toml" or _builds(os.path.join(directory, n)))
                    for n in names):
                kind = "library"  # (a setup.py inside a package directory packages nothing apart)
            else:
                kind = ""
            self._kinds[directory] = kind
        return kind

    def _named_elsewhere(self, i: int, qname: str) -> bool:
        """Does the project's production code name the function anywhere but at its definition: a
        call or a value in some summary, a method call on some object (``.name(``), a string naming
        it, or its name as a word of the code (not of a docstring or a comment) of its own file
        (beyond the ``def``) or of a file that imports its module? Test code names nothing: a
        function only tests call never runs in production. A dotted reference that resolves to
        another function of the project (``gateway.utils.batch_process`` for
        ``component.utils.batch.batch_process``) does not name it."""
        name = qname.rsplit(".", 1)[-1]
        if self._names is None:
            names: set = set()
            dotted: Dict[str, List[Tuple[int, str]]] = {}
            for j, (_p, _m, _ip, summary) in enumerate(self.index.entries):
                if self.tests[j]:
                    continue
                names.update(summary.get("methods", ()))
                for text in summary.get("strings", ()):
                    names.add(text.split(":", 1)[-1].rsplit(".", 1)[-1])
                for rows in (summary.get("calls", ()), summary.get("refs", ())):
                    for row in rows:
                        ref = row[1]
                        last = ref.rsplit(".", 1)[-1]
                        if ref[:1].isidentifier() and "." in ref and not ref.startswith("super:"):
                            dotted.setdefault(last, []).append((j, ref))
                        else:
                            names.add(last)
            self._names, self._dotted = names, dotted
        if name in self._names:
            return True
        for j, ref in self._dotted.get(name, ()):
            target = self.canonical(ref, j)
            if target is None or target == qname:
                return True  # unresolved (maybe this function), or this very function
        word = _word(name)
        for j in range(len(self.index.entries)):
            if j != i and (i not in self.processes.edges[j] or self.tests[j]):
                continue  # does not import the module, or test code
            code = self._code(j)
            if code is None:
                return True  # unread: it may name it
            if name in code and len(word.findall(code)) > (1 if j == i else 0):
                return True
        return False

    def _code(self, j: int) -> Optional[str]:
        """File ``j``'s text without its docstrings and comments (None when it cannot be read),
        read once however many functions of its module are asked about."""
        if j not in self._codes:
            try:
                with open(self.index.entries[j][0], encoding="utf-8", errors="replace") as fh:
                    self._codes[j] = _PROSE.sub("", fh.read())
            except OSError:
                self._codes[j] = None
        return self._codes[j]

    def _read_full(self, i: int) -> dict:
        path, module, is_package, summary = self.index.entries[i]
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            return summary
        return summarize(text, module, is_package) or summary

    def site(self, path: str, line: int) -> Optional[SiteContext]:
        i = self.index_of(path)
        if i is None or not self.index.entries[i][3]:
            return None
        return self.context.site(i, line)

    def canonical(self, qname: str, at: Optional[int] = None) -> Optional[str]:
        """Where a project name is defined, through re-exports (``webapp.api.send_mail`` ->
        ``webapp.mail.send_mail``); None when it names no project function or class. ``at``: the
        file whose imports named it (a monorepo's services each see their own packages)."""
        start = at if at is not None else 0
        ref = qname
        for _hop in range(6):
            hit = self.index.split(ref, start)
            if hit is None:
                return None
            j, rest = hit
            if self.index.entries[j][3].get("lite"):
                self.context._complete(j)  # read in full on demand: its definitions and re-exports
            target = self.context.resolve(start, ref)
            if target is not None:
                return target[1]
            # a re-export (`from .context import ContextManager` in a package's __init__)
            alias = self.index.entries[j][3].get("aliases", {}).get(rest.split(".")[0]) if rest else None
            if not alias:
                return None
            ref, start = ".".join([alias] + rest.split(".")[1:]), j
        return None

    def in_tracing_library(self, path: str) -> bool:
        """Is this file part of a tracing library itself (the OpenTelemetry SDK or its
        instrumentations, ddtrace, an OpenTracing tracer)? Their exporters, samplers and flushers
        run background threads that carry no application context."""
        i = self.index_of(path)
        module = self.index.entries[i][1] if i is not None else ""
        top = module.split(".")[0]
        if top in TRACING_PACKAGES:
            return True
        # a namespace package (`src/opentelemetry/sdk/...`, no __init__.py in `opentelemetry/`)
        directories = (self.displays[i] if i is not None else path).replace(os.sep, "/").split("/")[:-1]
        return any(d in TRACING_PACKAGES for d in directories)

    def in_tracing_class(self, path: str, line: int) -> bool:
        """Is ``line`` in a method of a class that extends a tracing library's own machinery (a
        ``BatchSpanProcessor`` or exporter subclass): its worker threads export spans, they
        carry no application context."""
        i = self.index_of(path)
        if i is None:
            return False
        cm = self.context
        f = cm.function_at(i, line)
        qname = cm.fns[f][1] if f is not None else ""
        while "." in qname:
            qname = qname.rpartition(".")[0]
            if (i, qname) in cm.classes and any(
                    base.split(".", 1)[0] in TRACING_PACKAGES and not base.startswith(TRACING_API_BASES)
                    for base in cm.library_bases(i, qname) or ()):
                return True
        return False

    def web_entry(self, i: int) -> bool:
        """Is module ``i`` a web server's entry module (``wsgi.py``, ``asgi.py``): loaded by the
        server that serves the application, never by a task worker?"""
        return os.path.basename(self.paths[i]) in WEB_ENTRY_FILES

    def is_test(self, path: str) -> bool:
        i = self.index_of(path)
        return self.tests[i] if i is not None else is_test_path(path)


_SETUP_MODULES = frozenset(TRACING_SETUP_MODULES)
_SETUP_PREFIXES = tuple(m + "." for m in TRACING_SETUP_MODULES)


def _sets_tracing_up(module: str) -> bool:
    """Is ``module`` (as imported) one that sets tracing up (``TRACING_SETUP_MODULES``)?"""
    return module in _SETUP_MODULES or module.startswith(_SETUP_PREFIXES)
