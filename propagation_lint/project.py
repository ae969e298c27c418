"""The whole-project pass: merge every file's facts, read launch files, decide conditions.

Facts come from three places:

1. the files themselves (``facts.py``): helpers that inject or extract, instrumentor calls,
   module-level instances, consumer registrations;
2. launch files (Dockerfile, Procfile, compose files, shell scripts, serverless.yml, supervisor
   and circus configs, pyproject scripts) that start the service under ``opentelemetry-instrument``
   or ``ddtrace-run``;
3. configuration (``auto-instrumented = [...]``).

A candidate finding is kept when all its ``requires`` conditions hold and none of its ``unless``
conditions does. Helper facts are followed through at most ``HELPER_DEPTH`` calls
(``a`` calls ``b`` calls ``c`` which injects: three levels).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Optional, Tuple

from .catalog import CATALOG, Catalog
from .catalog.instrumentors import LAUNCHERS as LAUNCHER_ROWS
from .catalog.schema import Instrumentor, Launcher
from .causes import cause_of
from .findings import Finding, Location, Related
from .program.dependencies import Dependencies, read_dependencies, requirement_name, satisfies
from .rule import Candidate

if TYPE_CHECKING:  # pragma: no cover
    from .program.model import ProgramModel

HELPER_DEPTH = 3

LAUNCH_FILE_PATTERNS = (
    re.compile(r"^Dockerfile.*$|^.*\.dockerfile$", re.I),
    re.compile(r"^Procfile.*$"),
    re.compile(r"^(docker-)?compose.*\.ya?ml$"),
    re.compile(r"^serverless\.ya?ml$"),
    re.compile(r"^template\.ya?ml$"),
    re.compile(r"^.*\.sh$"),
    re.compile(r"^supervisord.*\.conf$|^.*\.supervisor\.conf$|^circus.*\.ini$"),
    re.compile(r"^entrypoint.*$|^start.*$|^run$|^Makefile$"),
    re.compile(r"^pyproject\.toml$|^setup\.cfg$|^tox\.ini$|^app\.ya?ml$"),
)
# all of them as one expression (a name is a launch file when any matches): one match per file name
_LAUNCH_FILE = re.compile("|".join("(?%s:%s)" % ("i" if p.flags & re.I else "", p.pattern) for p in LAUNCH_FILE_PATTERNS))
LAUNCHERS = {row.command: row.system for row in LAUNCHER_ROWS}
# the launcher as a command word: not `pip install opentelemetry-instrumentation-pika`
_LAUNCHER_RE = {name: re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])") for name in LAUNCHERS}
_LAUNCH_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist", ".mypy_cache", "site-packages"}

Evaluator = Callable[["Project", tuple, int], bool]
CONDITIONS: Dict[str, Evaluator] = {}
# evidence a condition adds to the finding it decided (where in the project the fact comes from)
Explainer = Callable[["Project", tuple], List[Related]]
CONDITION_NOTES: Dict[str, Explainer] = {}


def condition(kind: str):
    def register(fn: Evaluator) -> Evaluator:
        CONDITIONS[kind] = fn
        return fn

    return register


@condition("all")
def _all_hold(project: "Project", cond: tuple, depth: int) -> bool:
    """``("all", cond, cond...)``: every inner condition holds (an ``unless`` that needs two facts)."""
    return all(project.holds(tuple(c), depth) for c in cond[1:])


def condition_notes(kind: str):
    def register(fn: Explainer) -> Explainer:
        CONDITION_NOTES[kind] = fn
        return fn

    return register


@dataclass
class EnabledInstrumentor:
    qname: str
    where: str  # module | celery-worker | launcher
    location: Optional[Location] = None
    source: str = ""
    # a launch file covers the files below its own directory (a Dockerfile in services/billing/
    # says nothing about services/shipping/); None: the whole project
    scope_dir: Optional[str] = None
    why_not: str = ""  # a launcher's instrumentor that nothing installs: why it does not count
    # an instrument() call inside a function: the files whose code starts the calls that reach it
    # (it instruments the processes that load one of them); None: its own file's processes
    active_in: Optional[frozenset] = None


@dataclass
class Project:
    catalog: Catalog = CATALOG
    auto_instrumented: Tuple[str, ...] = ()
    modules: set = field(default_factory=set)
    injects: Dict[str, list] = field(default_factory=dict)
    returns_injected: Dict[str, list] = field(default_factory=dict)
    instrumentors: List[EnabledInstrumentor] = field(default_factory=list)
    exports: Dict[str, str] = field(default_factory=dict)
    uses_tracing: bool = False
    # a launcher's instrumentors that nothing installs: not active, kept as the findings' evidence
    uninstalled: List[EnabledInstrumentor] = field(default_factory=list)
    _dependencies: Dict[Tuple[str, str], Dependencies] = field(default_factory=dict)
    facts: Dict[str, object] = field(default_factory=dict)  # every other family's facts, merged
    _current_path: Optional[str] = None
    program: Optional["ProgramModel"] = None  # the whole-program model (program/), once attached
    _current_index: Optional[int] = None
    _file_bits: Dict[frozenset, int] = field(default_factory=dict)  # `_bits_of`
    _instrumentors_memo: Dict[tuple, tuple] = field(default_factory=dict)  # `instrumentors_for`

    # ------------------------------------------------------------ building
    def add_file(self, module: str, facts: dict) -> None:
        if module:
            self.modules.add(module)
        for key, value in facts.items():
            if key == "program":
                continue  # the whole-program model reads each file's summary by itself
            if key == "injects":
                for q, entries in value.items():
                    self.injects.setdefault(q, []).extend(entries)
            elif key == "returns_injected":
                self.returns_injected.update(value)
            elif key == "instrumentors":
                for entry in value:
                    loc = Location(*entry[2:7]) if len(entry) >= 7 else None
                    self.instrumentors.append(EnabledInstrumentor(entry[0], entry[1], loc, "code"))
            elif key == "exports":
                self.exports.update(value)
            elif key == "uses_tracing":
                self.uses_tracing = self.uses_tracing or bool(value)
            elif isinstance(value, dict):
                self.facts.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                self.facts.setdefault(key, []).extend(value)
            elif value:
                self.facts[key] = value

    def scan_launch_files(self, roots: Iterable[Path], cwd: Path, ancestors: Iterable[Path] = ()) -> None:
        """Find ``opentelemetry-instrument`` / ``ddtrace-run`` in the project's launch files.

        ``roots`` are walked recursively; ``ancestors`` (the directories above files named one by
        one) are only listed, since only launch files above a file can cover it.
        """
        seen = set()
        for directory in sorted({os.path.realpath(d) for d in ancestors}):
            try:
                names = sorted(os.listdir(directory))
            except OSError:
                continue
            for name in names:
                path = Path(directory) / name
                if _LAUNCH_FILE.match(name) and path.is_file():
                    real = os.path.realpath(path)
                    if real not in seen:
                        seen.add(real)
                        self._scan_launch_file(path, cwd, Path(cwd))
        bases = sorted({os.path.realpath(r if r.is_dir() else r.parent) for r in roots})
        # a directory inside another one given is walked once, with its parent
        bases = [b for b in bases if not any(b != o and b.startswith(o.rstrip(os.sep) + os.sep) for o in bases)]
        for base in bases:
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = sorted(d for d in dirnames if d not in _LAUNCH_SKIP_DIRS and not d.endswith(".egg-info"))
                for name in sorted(filenames):
                    if not _LAUNCH_FILE.match(name):
                        continue
                    path = Path(dirpath) / name
                    real = os.path.realpath(path)
                    if real in seen:
                        continue
                    seen.add(real)
                    self._scan_launch_file(path, cwd, Path(base))
        self._check_sdk_versions(cwd)

    def _check_sdk_versions(self, cwd: Path) -> None:
        """A switch in code whose row requires a version of its SDK (``Instrumentor.requires``)
        counts only where the dependency manifests above its file pin a version that satisfies
        them (Sentry propagates into thread pools only from sentry-sdk 2.41.0)."""
        kept = []
        for inst in self.instrumentors:
            row = self.catalog.instrumentor(inst.qname)
            why = ""
            if row is not None and row.requires and (inst.source == "code" or inst.where == "launcher") \
                    and inst.location is not None:
                deps = self._dependencies_of((Path(cwd) / inst.location.path).parent, cwd, None)
                for requirement in row.requires:
                    name = requirement_name(requirement)
                    version = deps.version(name)
                    if version is None:
                        why = f"no dependency manifest pins {name} (it needs {requirement})"
                    elif satisfies(version, requirement) is False:
                        why = f"{name} {version} is pinned (it needs {requirement})"
            if why:
                self.uninstalled.append(replace(inst, why_not=why))
            else:
                kept.append(inst)
        self.instrumentors = kept

    def _scan_launch_file(self, path: Path, cwd: Path, base: Optional[Path] = None) -> None:
        """A launcher line enables its system's default instrumentors for the files below the launch
        file's directory, each only where something installs it (:func:`_not_installed`): the
        dependency manifests of that directory and its ancestors up to the checked root (the
        working directory, or ``base`` when the launch file is outside it), or a bootstrap step."""
        try:
            if path.stat().st_size > 1_000_000:
                return
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        for lineno, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("#") or stripped.startswith("//"):
                continue
            for launcher, system in LAUNCHERS.items():
                match = _LAUNCHER_RE[launcher].search(line)
                if match is None:
                    continue
                col = match.start()
                display = _display(path, cwd)
                loc = Location(display, lineno, col + 1, lineno, col + 1 + len(launcher))
                row = next(r for r in LAUNCHER_ROWS if r.command == launcher)
                for inst in self.catalog.instrumentors:
                    if inst.system == system and inst.default_in_launcher:
                        why = _not_installed(inst, row, lambda: self._dependencies_of(path.parent, cwd, base))
                        enabled = EnabledInstrumentor(inst.qname, "launcher", loc, launcher,
                                                      scope_dir=os.path.realpath(path.parent), why_not=why)
                        (self.uninstalled if why else self.instrumentors).append(enabled)

    def _dependencies_of(self, directory: Path, cwd: Path, base: Optional[Path]) -> Dependencies:
        here = os.path.realpath(directory)
        top = os.path.realpath(cwd)
        if here != top and not here.startswith(top.rstrip(os.sep) + os.sep):
            top = os.path.realpath(base) if base is not None else here
        key = (here, top)
        if key not in self._dependencies:
            self._dependencies[key] = read_dependencies(here, top)
        return self._dependencies[key]

    # ------------------------------------------------------------ deciding
    def holds(self, cond: tuple, depth: int = 0) -> bool:
        if depth > HELPER_DEPTH:
            return False
        evaluator = CONDITIONS.get(cond[0])
        if evaluator is None:
            return False
        return evaluator(self, tuple(cond), depth)

    def known_as(self, qname: str, table) -> str:
        """``qname`` as ``table`` (facts keyed by where a function is defined) knows it: through
        re-exports, and for a package a monorepo installs, by the name its directory gives it
        (``obs.context.inject_headers`` is ``libs.obs.obs.context.inject_headers``)."""
        if qname in table or self.program is None:
            return qname
        return self.program.canonical(qname, self._current_index) or qname

    def is_project_symbol(self, qname: str) -> bool:
        parts = qname.split(".")
        for i in range(len(parts) - 1, 0, -1):
            if ".".join(parts[:i]) in self.modules:
                return True
        return False

    def active_instrumentors(self) -> List[EnabledInstrumentor]:
        """The instrumentors that apply to the file being decided (see :meth:`resolve`)."""
        return self.instrumentors_for(self._current_path, self._current_index)

    def instrumentors_for(self, here: Optional[str], index: Optional[int]) -> List[EnabledInstrumentor]:
        """The instrumentors that cover a file: a launch file covers the files below its
        directory; an ``instrument()`` call in code covers the files that run in a process with
        it (``program/modules.py``), never the whole repository."""
        if here is None:
            return list(self.instrumentors)
        # (the list, and each instrumentor's activation, are settled as the program is attached)
        key = (here, index, id(self.instrumentors), tuple(inst.where for inst in self.instrumentors), id(self.program))
        found = self._instrumentors_memo.get(key)
        if found is not None:
            return list(found)
        out = []
        bits = None  # the processes that run file ``index``, when an instrumentation in code asks
        for inst in self.instrumentors:
            if inst.where == "inactive":
                continue  # set up only by a migration, a management command or a test
            if inst.scope_dir is not None:
                if here == inst.scope_dir or here.startswith(inst.scope_dir.rstrip(os.sep) + os.sep):
                    out.append(inst)
                continue
            if self.program is not None and index is not None and inst.location is not None:
                files = self._active_files(inst)
                if files and bits is None:
                    bits = self.program.process_bits(index)
                if files and not bits & self._bits_of(files):
                    continue  # the code that sets it up runs only in other processes (none shares a process with it)
                row = self.catalog.instrumentor(inst.qname)
                if row is not None and row.system in VENDOR_ONLY_SYSTEMS and self.program.traces_with_library(index):
                    continue  # Sentry's propagation carries Sentry's trace, not OpenTelemetry's
            out.append(inst)
        self._instrumentors_memo[key] = tuple(out)
        return out

    # ------------------------------------------------------------ the whole-program model
    def attach_program(self, program: "ProgramModel") -> None:
        """Use the whole-program model for processes and contexts (``program/``)."""
        self.program = program
        self._app_switches(program)

        def extra_traced(i: int) -> bool:
            if self.auto_instrumented:
                return True
            return bool(self.instrumentors_for(program.paths[i], i))

        def worker_observed(i: int) -> bool:
            """``extra_traced`` for the task workers that run module ``i``: an instrumentation
            set up only by a web server's entry module (``wsgi.py``, ``asgi.py``, where a uwsgi
            ``@postfork`` or the WSGI middleware sets up tracing) records nothing in a worker,
            which never loads that module."""
            if self.auto_instrumented:
                return True
            for inst in self.instrumentors_for(program.paths[i], i):
                if inst.scope_dir is None and inst.location is not None:
                    files = self._active_files(inst)
                    if files and all(program.web_entry(j) for j in files):
                        continue
                return True
            return False

        def worker_traced(i: int) -> bool:
            if any(lib in self.auto_instrumented for lib in TASK_LIBRARIES):
                return True
            for inst in self.instrumentors_for(program.paths[i], i):
                row = self.catalog.instrumentor(inst.qname)
                if row is not None and any(lib in TASK_LIBRARIES for lib in row.libraries):
                    return True
            return False

        def web_traced(i: int, frameworks: Tuple[str, ...] = ()) -> bool:
            """A process running module ``i`` traces requests of one of ``frameworks`` (of any
            web framework when empty)."""
            served = tuple(f"server:{f}" for f in frameworks)
            if any(lib in self.auto_instrumented and (not frameworks or lib in frameworks) for lib in SERVER_FRAMEWORKS):
                return True
            for inst in self.instrumentors_for(program.paths[i], i):
                row = self.catalog.instrumentor(inst.qname)
                if row is not None and inst.where != "celery-worker" \
                        and any(c.startswith("server:") and (not served or c in served) for c in row.covers):
                    return True
            return False

        program.extra_traced = extra_traced
        program.worker_observed = worker_observed
        program.web_traced = web_traced
        program.worker_traced = worker_traced
        # an instrument() call inside a function is active where that function runs: a setup
        # function called only from a task instruments the worker, not the web process
        for inst in self.instrumentors:
            if inst.source != "code" or inst.where != "module" or inst.location is None:
                continue
            i = program.by_display.get(inst.location.path)
            f = program.context.function_at(i, inst.location.line) if i is not None else None
            if f is None:
                continue
            runs = program.context.activation(f)
            if runs == "worker":
                inst.where = "celery-worker"
            elif runs == "none":
                inst.where = "inactive"
            else:
                files = program.context.activating_files(f)
                if files:
                    inst.active_in = frozenset(files)

    def _bits_of(self, files: frozenset) -> int:
        """``files`` as a bit set (bit ``j`` for file ``j``): ``program.same_process(i, j)`` for one
        of them is ``program.process_bits(i)`` sharing a bit with it."""
        bits = self._file_bits.get(files)
        if bits is None:
            bits = 0
            for j in files:
                bits |= 1 << j
            self._file_bits[files] = bits
        return bits

    def _active_files(self, inst: EnabledInstrumentor) -> frozenset:
        """The files whose processes an instrumentation set up in code covers: those whose code
        starts the calls that reach the function holding it (``active_in``), else its own file
        (empty when that file is not in the run)."""
        if inst.active_in is not None:
            return inst.active_in
        j = self.program.by_display.get(inst.location.path)
        return frozenset(() if j is None else (j,))

    def _app_switches(self, program: "ProgramModel") -> None:
        """A Django app named in a settings module (``INSTALLED_APPS``) whose ``ready()`` turns
        instrumentations on (``catalog/instrumentors.py``: ``APP_SWITCHES``): enabled in the
        processes that load that module."""
        from .catalog.instrumentors import APP_SWITCHES

        for i, (path, _module, _is_package, summary) in enumerate(program.index.entries):
            for app in sorted(APP_SWITCHES.keys() & set(summary.get("strings", ()))):
                line = _line_naming(path, app)
                loc = Location(program.displays[i], line, 1, line, 1)
                for qname in APP_SWITCHES[app].split(","):
                    self.instrumentors.append(EnabledInstrumentor(qname, "module", loc, "code"))

    def _web_untraced(self, i: int) -> bool:
        """The project instruments a web framework, but not in any process that runs module ``i``
        (only in a worker, a command): code nothing in the project calls there (middleware, model
        methods, framework callbacks) handles requests that run in no span."""
        if not any(inst.where not in ("inactive",) and _is_server(self.catalog.instrumentor(inst.qname))
                   for inst in self.instrumentors):
            return False
        return not self.program.web_traced(i) and not self.auto_instrumented

    def _in_context(self, cand: Candidate):
        """``(keep, candidate)``: drop a candidate where no trace context can exist (program/
        context.py), and point its instrumentation conditions at the process the line runs in."""
        code = cand.finding.code
        if self.program is None or not code.startswith(CONTEXT_FAMILIES):
            return True, cand, None
        path = self._current_path or ""
        if self.program.is_test(cand.finding.location.path) and not self.program.include_tests:
            return False, cand, None
        if not code.startswith(CONTEXT_SENSITIVE):
            if code in PRODUCER_CONTEXT_CODES and self._current_index is not None \
                    and self.program.context.task_without_producer_context(self._current_index, cand.finding.location.line):
                return False, cand, None  # no producer sends a context: the task's span begins the trace
            return True, cand, None
        if code.startswith("CTX2") and (self.program.in_tracing_library(path)
                                        or self.program.in_tracing_class(path, cand.finding.location.line)):
            return False, cand, None  # an exporter's or span processor's own worker thread: no application context
        site = self.program.site(path, cand.finding.location.line)
        if site is None:
            return True, cand, None
        if site.state == "no" and code in MESSAGE_CONTEXT_CODES and site.runs and self._current_index is not None \
                and self.program.context.task_at(self._current_index, cand.finding.location.line) is None:
            # a consume loop or callback: the context lost comes with the message, not from the
            # code that started the loop (a task's context is its message's: the site says it),
            # unless its process traces nothing (an example that sets no tracing up): the whole
            # hop is untraced, there is no chain of its own to break
            i = self._current_index
            return self.program.traced(i) and not self.program.untraced_example(i), cand, None
        if site.state == "no":
            return False, cand, site
        if site.state == "unknown" and self._current_index is not None and self._web_untraced(self._current_index):
            return False, cand, site  # the project instruments its web framework, not in this process
        if site.state == "unknown" and code.startswith("CTX2") and self._current_index is not None and (
                self.program.context.in_background_loop(self._current_index, cand.finding.location.line) is not None
                or self.program.context.in_object_setup(self._current_index, cand.finding.location.line) is not None):
            # started by a service loop (it serves later work) or while an object is set up (it
            # serves the object): no request's context
            return False, cand, site
        if site.state == "unknown" and code.startswith(UNTRACED_SILENT) and self._current_index is not None \
                and not self.program.traced(self._current_index):
            return False, cand, site  # no tracing in any process that runs this code: no context to lose
        if self._current_index is not None and not self._observed(code, self._current_index, cand.finding.location.line):
            return False, cand, site  # the other side records nothing the context would connect
        if site.role == "worker":
            def in_worker(conds):
                return tuple(c[:4] + ("celery-worker",) + tuple(c[5:]) if c[0] == "instrumented" and len(c) >= 5 else c
                             for c in conds)
            cand = replace(cand, unless=in_worker(cand.unless), requires=in_worker(cand.requires))
        return True, cand, site

    def _observed(self, code: str, i: int, line: int) -> bool:
        """Does the other side of a publish to a project task record telemetry the lost context
        would connect? A task's arguments are data, so what it runs is the project's code, and the
        search below it is complete; a thread's target receives live objects (generators,
        callbacks) that may run anything, so hand-offs are not judged this way."""
        if not code.startswith("CTX1"):
            return True
        target = self.program.context.task_sent_at(i, line)
        return target is None or self.program.context.records_telemetry(target)

    def resolve(self, candidates: Iterable[Candidate], path: Optional[str] = None) -> List[Finding]:
        """Decide the candidates of one file (``path``: its filesystem path, for scoped facts)."""
        real = self.program.realpath if self.program is not None else os.path.realpath
        self._current_path = real(path) if path else None
        self._current_index = self.program.index_of(path) if self.program is not None and path else None
        out = []
        for cand in candidates:
            keep, cand, site = self._in_context(cand)
            if not keep:
                continue
            if not all(self.holds(c) for c in cand.requires):
                continue
            if any(self.holds(c) for c in cand.unless):
                continue
            finding = cand.finding
            extra = self._notes(cand)
            if site is not None and site.state in ("yes", "unknown"):
                extra.insert(0, _origin_note(site, finding, self.program))
            if site is not None:
                finding = replace(finding, context=site.confidence)
            cause = cause_of(self, cand)
            if cause is not None:
                finding = replace(finding, cause=cause)
            if extra:
                finding = replace(finding, related=finding.related + tuple(extra))
            out.append(finding)
        return merge_same_defect(out)

    def at_module(self, module: str) -> None:
        """Decide the next conditions as in the file of ``module`` (its process's instrumentation)."""
        i = None
        if self.program is not None and module:
            found = self.program.index.by_module.get(module)
            i = found[0] if found else None
        self._current_index = i
        self._current_path = self.program.paths[i] if i is not None else None

    def _notes(self, cand: Candidate) -> List[Related]:
        notes = []
        for cond in cand.requires:
            explain = CONDITION_NOTES.get(cond[0])
            if explain is not None:
                notes.extend(explain(self, cond))
        for cond in cand.unless:
            if cond[0] != "instrumented":
                continue
            library = cond[1]
            for inst in self.active_instrumentors():
                row = self.catalog.instrumentor(inst.qname)
                if row is None or library not in row.libraries or inst.location is None:
                    continue
                why = row.not_covers or "it does not cover this call"
                if inst.where == "celery-worker":
                    why = "it is enabled only in Celery worker processes (worker_process_init), not in the process that publishes"
                notes.append(Related(inst.location, f"{row.qname.rsplit('.', 1)[-1]} is enabled here but does not count: {why}"))
            notes.extend(self._uninstalled_notes(cond))
        return notes[:3]

    def _uninstalled_notes(self, cond: tuple) -> List[Related]:
        """Launchers above the file whose instrumentor would cover the call but is not installed."""
        library, method, receiver = (list(cond[1:]) + ["", "", ""])[:3]
        keys = {f"{library}:{method}", f"{library}:{method}@{receiver}"}
        here = self._current_path
        notes = []
        for inst in self.uninstalled:
            row = self.catalog.instrumentor(inst.qname)
            if row is None or not keys.intersection(row.covers) or inst.location is None:
                continue
            if here is not None and inst.scope_dir is not None and not (
                    here == inst.scope_dir or here.startswith(inst.scope_dir.rstrip(os.sep) + os.sep)):
                continue
            where = f"{inst.location.path}:{inst.location.line}"
            notes.append(Related(inst.location, f"{inst.source} at {where} does not count: {inst.why_not}"))
        return notes


# Rule families whose findings need a trace context to lose (CTX1xx publishing, CTX2xx hand-offs);
# test code is out of every family that judges propagation (CTX1xx-CTX3xx) unless included.
CONTEXT_FAMILIES = ("CTX1", "CTX2", "CTX3")
CONTEXT_SENSITIVE = ("CTX1", "CTX2")
# Publishing findings need tracing somewhere in the process (a tracing import, an instrumentor, a
# launcher, `auto-instrumented`); hand-offs have their own, configurable gate (`thread-scope`).
UNTRACED_SILENT = ("CTX1",)
# Vendor SDK switches that propagate only their own trace: they count in a process that uses no
# tracing library (OpenTelemetry, ddtrace, OpenTracing) besides them.
VENDOR_ONLY_SYSTEMS = ("sentry", "newrelic")
# Publishing findings about the context of the message being handled (a follow-up event): the
# handler's own callers have none to give, wherever the code runs.
MESSAGE_CONTEXT_CODES = ("CTX103",)
# Consumer findings that say a producer's context is dropped: moot for a task no producer sends one.
PRODUCER_CONTEXT_CODES = ("CTX301", "CTX302", "CTX303")
TASK_LIBRARIES = ("celery", "dramatiq", "rq", "huey", "taskiq")
SERVER_FRAMEWORKS = ("django", "flask", "fastapi", "starlette", "aiohttp", "tornado", "falcon", "pyramid", "grpcio", "grpc")


# One defect, one finding: a publish that carries no context (CTX101/CTX102) inside a handler
# that never extracted the incoming one (CTX103) is reported once, with both explanations.
MERGED_INTO = {"CTX103": ("CTX101", "CTX102"), "CTX308": ("CTX201", "CTX202", "CTX203", "CTX204")}


def merged_codes(finding: Finding) -> Tuple[str, ...]:
    """The codes :func:`merge_same_defect` merged into ``finding`` (its ``also CODE:`` evidence):
    a ``# noqa`` for the finding must name them too, or they are reported on their own."""
    return tuple(r.message[5:].split(":", 1)[0] for r in finding.related
                 if r.message.startswith("also ") and r.message[5:].split(":", 1)[0] in MERGED_INTO)


def _is_server(row) -> bool:
    return row is not None and any(c.startswith("server:") for c in row.covers)


def merge_same_defect(findings: List[Finding]) -> List[Finding]:
    at: Dict[tuple, int] = {}
    for i, f in enumerate(findings):
        at.setdefault((f.location.line, f.location.column, f.code), i)
    merged = set()
    out = list(findings)
    for i, f in enumerate(findings):
        for code in MERGED_INTO.get(f.code, ()):
            host = at.get((f.location.line, f.location.column, code))
            if host is not None:
                out[host] = replace(out[host], related=out[host].related + (Related(f.location, f"also {f.code}: {f.message}"),))
                merged.add(i)
                break
    return [f for i, f in enumerate(out) if i not in merged]


def _line_naming(path: str, text: str) -> int:
    """The first line of the file that holds ``text`` (1 when it cannot be read)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if text in line:
                    return n
    except OSError:
        pass
    return 1


def _origin_note(site, finding: Finding, program) -> Related:
    """Evidence: where the context at the finding comes from."""
    origin = site.origin
    if site.state == "unknown":
        text = f"a trace context may exist here: {origin.text}"
    else:
        text = f"a trace context exists here: {origin.text}"
    i = program.index_of(origin.path) if origin.path else None
    if i is not None and origin.line:
        loc = Location(program.displays[i], origin.line, 1, origin.line, 1)
    else:
        loc = finding.location
    return Related(loc, text)


def _not_installed(row: Instrumentor, launcher: Launcher, dependencies: Callable[[], Dependencies]) -> str:
    """Why ``launcher`` does not load ``row``, or "" when something installs it: one of the row's
    ``installed_by`` distributions (listed in a manifest, or installed with the launcher itself),
    or a bootstrap step of the launcher where the row is a bootstrap default or no client it
    instruments is pinned outside its supported range (the code calls the client, so it is
    installed even where only a dependency of it is listed: boto3 brings botocore)."""
    if not row.installed_by or any(d in launcher.installs for d in row.installed_by):
        return ""
    deps = dependencies()
    if any(deps.installed(d) for d in row.installed_by):
        return ""
    first = row.installed_by[0]
    tool = next((b for b in launcher.bootstrap if b in deps.bootstraps), "")
    if not tool:
        steps = " or ".join(launcher.bootstrap)
        return f"nothing installs {first} (no dependency manifest lists it" + (f", no {steps} step)" if steps else ")")
    if row.bootstrap_default:
        return ""
    pinned = []
    for requirement in row.instruments:
        version = deps.version(requirement_name(requirement))
        if version is None or satisfies(version, requirement) is not False:
            return ""
        pinned.append(f"{requirement_name(requirement)} {version}")
    if not pinned:
        return f"nothing installs {first} (no dependency manifest lists it, and {tool} does not install it)"
    return (f"nothing installs {first}: no dependency manifest lists it, and {tool} skips it for "
            f"{', '.join(pinned)} (it supports {' or '.join(row.instruments)})")


def _display(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# ---------------------------------------------------------------- condition kinds
def _entry_matches(entry, pos, kw) -> bool:
    e_pos, e_name = entry[0], entry[1]
    return (kw is not None and kw == e_name) or (pos is not None and pos == e_pos)


@condition("injects")
def _injects(project: Project, cond: tuple, depth: int) -> bool:
    _, qname, pos, kw = cond
    qname = project.known_as(qname, project.injects)
    entries = project.injects.get(qname)
    if entries is None:
        # a function we never saw (not in the checked tree): we cannot tell, stay silent
        return not project.is_project_symbol(qname) and qname not in project.returns_injected and _unknown(project, qname)
    for entry in entries:
        if _entry_matches(entry, pos, kw):
            conds = entry[2]
            if not conds or any(project.holds(tuple(c), depth + 1) for c in conds):
                return True
    return False


@condition("returns-injected")
def _returns_injected(project: Project, cond: tuple, depth: int) -> bool:
    qname = project.known_as(cond[1], project.returns_injected)
    if qname not in project.returns_injected:
        return _unknown(project, qname)
    conds = project.returns_injected[qname]
    return not conds or any(project.holds(tuple(c), depth + 1) for c in conds)


def _unknown(project: Project, qname: str) -> bool:
    """A helper defined outside the checked files. One of the project's own modules that this run
    did not read may do its job (assumed so: precision first); a library's function
    (``django.shortcuts.get_object_or_404``) injects nothing unless the catalog says so."""
    if project.is_project_symbol(qname):
        return False
    roots = {m.split(".")[0] for m in project.modules}
    return qname.split(".")[0] in roots


@condition("passes-through")
def _passes_through(project: Project, cond: tuple, depth: int) -> bool:
    """The project helper returns that argument converted (``program/summary.py``: ``passes``)."""
    _, qname, pos, kw = cond
    if project.program is None:
        return False
    qname = project.known_as(qname, project.program.passes)
    entries = project.program.passes.get(qname)
    if entries is None:
        return _unknown(project, qname)
    return any(_entry_matches(e, pos, kw) for e in entries)


@condition("passes-through-if")
def _passes_through_if(project: Project, cond: tuple, depth: int) -> bool:
    """The helper returns that argument converted, and the argument carries the context when one
    of the inner conditions holds (helpers nested: ``to_pairs(merge_headers(base, carrier))``)."""
    _, qname, pos, kw, inner = cond
    return project.holds(("passes-through", qname, pos, kw), depth + 1) and any(
        project.holds(tuple(c), depth + 1) for c in inner)


@condition("instrumented")
def _instrumented(project: Project, cond: tuple, depth: int) -> bool:
    # ("instrumented", library, method, receiver_type, process)
    library, method, receiver, process = (list(cond[1:]) + ["", "", "", ""])[:4]
    if library in project.auto_instrumented:
        return True
    keys = {f"{library}:{method}", f"{library}:{method}@{receiver}"}
    for inst in project.active_instrumentors():
        row = project.catalog.instrumentor(inst.qname)
        if row is None or not keys.intersection(row.covers):
            continue
        if inst.where == "celery-worker" and process != "celery-worker":
            continue
        return True
    return False


@condition("exported-instance")
def _exported_instance(project: Project, cond: tuple, depth: int) -> bool:
    """A module-level instance imported from another module is of this type."""
    _, qname, type_qname = cond
    return project.catalog.canonical(project.exports.get(qname, "")) == type_qname


@condition("uses-tracing")
def _uses_tracing(project: Project, cond: tuple, depth: int) -> bool:
    """Tracing is in use in a process that runs the file being decided (whole repository only
    without the whole-program model)."""
    if project.program is not None and project._current_index is not None:
        return project.program.traced(project._current_index)
    return project.uses_tracing


@condition("any")
def _any(project: Project, cond: tuple, depth: int) -> bool:
    """``("any", cond, ...)``: one of the conditions holds."""
    return any(project.holds(c, depth + 1) for c in cond[1:])


@condition("uses-contextvars")
def _uses_contextvars(project: Project, cond: tuple, depth: int) -> bool:
    """Tracing or ``contextvars`` is in use in a process that runs the file being decided."""
    if project.program is not None and project._current_index is not None:
        i = project._current_index
        return project.program.traced(i) or project.program.uses_contextvars(i)
    return project.uses_tracing


# Thread/executor hand-off conditions (subclass-of, method-captures, worker-propagates,
# handoff-covered) live with the hand-off detection.
def _register_handoff_conditions() -> None:
    from .handoffs import CONDITIONS as _HANDOFF

    for _kind, _fn in _HANDOFF.items():
        CONDITIONS.setdefault(_kind, _fn)


_register_handoff_conditions()
