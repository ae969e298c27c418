"""Where a trace context can exist: the call graph, its origins, and what reaches each function.

A publish or a hand-off loses a context only where one exists. This module decides that for a
line of the project, from every file's summary (``summary.py``):

- **Origins with a context**: a function that starts a span itself (``with
  tracer.start_as_current_span(...)``, a span decorator, or a project decorator or context manager
  that starts one: ``with observability.otel_trace(...)``), a route or view of a web framework in
  a process that traces that framework (Flask/FastAPI/aiohttp route decorators, Django URLconf
  views, gRPC servicer methods), a task whose producers send a context to a traced worker.
- **Origins without one**: module top level and ``if __name__ == "__main__":`` blocks, Django
  migrations and management commands, ``scripts/``, web applications' start-up and shutdown
  hooks, routes of a web framework (or gRPC servicers) the process does not trace, tests,
  ``post_migrate`` receivers, beat/periodic tasks and tasks whose only producers have no context
  (a task that re-schedules itself).
- **The call graph** joins them: calls resolved through imports, ``self``/``cls``, ``super()``,
  locals assigned from a class (``job = Job.objects.create(...)``), module-level instances
  (``cache = Cache()``, then ``cache.warm()`` wherever it is imported), functions passed as values
  (``Thread(target=f)``, ``signal.connect(f)``, a table a function builds: ``[{"function": run}]``),
  and task producers (``task.delay()``) to their
  task. An untyped ``obj.method()`` of a distinctive name calls the project's methods of that
  name that nothing else calls, in a process that loads both files. Any other call the linter
  cannot resolve adds no edge.

Each function gets a state: ``yes`` (an origin with a context reaches it), ``no`` (only origins
without one do), or ``unknown`` (nothing in the project calls it: a library's API, code called by
name from outside; it may be called with a context). And a role: ``worker`` when every origin with
a context that reaches it is a task (it runs in a task worker's process), else ``main``.
"""
from __future__ import annotations

import builtins

import os
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..catalog.classes import CONTEXT_FREE_CALLBACKS, FRAMEWORK_CALLBACK_BASES, INERT_BASES, WEBSOCKET_CONSUMERS
from ..catalog.threads import LOGGER_NAMES, SETUP_METHODS
from .modules import ModuleIndex
from .summary import distinctive

TASK_DECORATOR_ATTRS = ("task", "shared_task", "periodic_task", "actor")
MAX_TELEMETRY_SEARCH = 5000  # functions searched for a span below a task before assuming there is one
MAX_TELEMETRY_FILES = 400  # files read in full for that search in one run, before assuming there is one
MAX_DEAD_WALK = 64  # functions walked up from a site looking for the dead code that reaches it
MAX_UNTYPED_TARGETS = 8  # a method name defined in more classes than this says nothing about the callee
TASK_LIBRARY_ROOTS = ("celery", "dramatiq", "taskiq", "huey", "rq", "django_rq", "flask_celery")
PERIODIC_DECORATOR_ATTRS = ("periodic_task",)
TASK_PRODUCER_METHODS = ("delay", "apply_async", "s", "si", "signature", "kiq", "send", "send_with_options",
                         "apply", "map", "starmap", "chunks")
ROUTE_DECORATOR_ATTRS = ("route", "get", "post", "put", "patch", "delete", "head", "options", "websocket",
                         "api_route", "api_view", "action", "view_config", "expose")
# Django REST framework's routers: `router.register(r"orders", OrderViewSet)` routes the viewset's
# actions (and a project router deriving from one)
DRF_ROUTER_REGISTER = re.compile(r"^rest_framework\.routers\.\w+\.register$|Router\.register$")
URL_FUNCTIONS = ("django.urls.path", "django.urls.re_path", "django.conf.urls.url", "django.urls.conf.path",
                 "django.urls.conf.re_path")
# aiohttp's route definitions (`app.add_routes([web.get("/metrics", handler)])`)
AIOHTTP_ROUTE_FUNCTIONS = tuple(f"aiohttp.web.{m}" for m in ("get", "post", "put", "patch", "delete", "head",
                                                             "route", "view"))
URL_METHOD_ATTRS = ("add_url_rule", "add_api_route", "add_route", "add_get", "add_post", "add_put", "add_delete",
                    "add_patch", "add_view", "route")
NO_CONTEXT_SIGNALS = ("post_migrate", "pre_migrate", "worker_process_init", "worker_init", "worker_ready",
                      "beat_init", "celeryd_init", "setup_logging", "class_prepared", "connection_created",
                      # Pyramid's event sent once the application is made (`@subscriber(ApplicationCreated)`)
                      "ApplicationCreated")
# Decorators that subscribe a function to a framework's events (Pyramid's `@subscriber(Event)`)
EVENT_SUBSCRIBER_DECORATORS = ("pyramid.events.subscriber",)
SIGNAL_CONNECT = ("connect",)
# Decorators that make a method of another kind, handing it to no other code
PLAIN_METHOD_DECORATORS = ("staticmethod", "classmethod")
# Start-up and shutdown hooks of web applications: they run before or after any request
# (``app.add_event_handler("startup", f)``, ``@app.on_event("startup")``, aiohttp's
# ``app.on_startup.append(f)``, ``FastAPI(lifespan=f)``)
LIFECYCLE_REGISTRATIONS = ("add_event_handler", "on_startup.append", "on_shutdown.append", "on_cleanup.append",
                           "before_serving", "after_serving")
LIFECYCLE_DECORATORS = ("on_event", "before_serving", "after_serving")
# Command-line commands registered by a decorator (typer's `@app.command()`, click's
# `@click.command()` / `@group.command()`, Flask's `@app.cli.command()`): each runs in a one-shot
# process started by hand or by a job, like a Django management command
CLI_COMMAND_ATTRS = ("command", "group")
CLI_LIBRARIES = ("click", "typer")
# argparse's `parser.set_defaults(func=run)`: `run` is the command, called by `args.func(args)`
CLI_REGISTRATION_ATTRS = ("set_defaults",)
# Application factories, called by the server as it starts (`gunicorn "shop.app:create_app()"`,
# `flask --app shop run`, uvicorn's `--factory`): what they set up runs at start-up
APP_FACTORY_NAMES = ("create_app", "make_app", "create_application", "build_app", "app_factory")
LIFECYCLE_APPLICATIONS = ("fastapi.FastAPI", "starlette.applications.Starlette")
# Temporal workflows and activities run in a Temporal worker, started by the server: a caller's
# context reaches them only through Temporal's OpenTelemetry TracingInterceptor
# (`temporalio.contrib.opentelemetry`), which starts their spans when a client and worker use it
TEMPORAL_ENTRY_DECORATORS = ("temporalio.activity.defn", "temporalio.workflow.run", "temporalio.workflow.signal",
                             "temporalio.workflow.update", "temporalio.workflow.query")
TEMPORAL_TRACING_MODULE = "temporalio.contrib.opentelemetry"
# Methods that close or stop their object: called from outside the project (a framework, a
# context manager's exit, an interpreter shutdown), they run when work ends, not inside a request
SHUTDOWN_METHODS = ("close", "aclose", "shutdown", "stop", "terminate", "disconnect", "cleanup",
                    "__exit__", "__aexit__", "__del__")
# Standard-library classes whose `start()` runs the subclass's `run` in a new thread or process
THREAD_CLASSES = ("threading.Thread", "multiprocessing.Process", "multiprocessing.context.Process")
RECEIVER_DECORATORS = ("django.dispatch.receiver", "django.dispatch.dispatcher.receiver")

# Files whose code runs with no trace context: Django migrations and management commands.
_MIGRATION = re.compile(r"(^|/)migrations/[^/]+\.py$")
# Alembic revisions (`alembic/versions/`, `migrations/versions/`), run by `alembic upgrade`
_ALEMBIC = re.compile(r"(^|/)(alembic|migrations?)/versions/[^/]+\.py$")
_COMMAND = re.compile(r"(^|/)management/commands/[^/]+\.py$")
_SCRIPT = re.compile(r"(^|/)scripts/(.+/)?[^/]+\.py$")
_TEST_FILE = re.compile(r"(^|/)(tests?|testing|benchmarks?|test[-_][^/]*|[^/]*[-_]tests?)/|(^|/)test_[^/]*\.py$|_tests?\.py$"
                        r"|(^|/)conftest\.py$")


# Documentation and example trees: each file there is a program of its own (`python
# examples/publish.py`, `faststream run docs_src/app.py:app`), not an API of the project
_EXAMPLE_DIR = re.compile(r"(^|/)(examples?|samples?|docs?|docs_src|tutorials?|cookbooks?|demos?|snippets)/")


def is_example_path(path: str) -> bool:
    """A file under ``examples/``, ``samples/``, ``docs/``, ``docs_src/``, ``tutorials/``,
    ``cookbook/``, ``demos/`` or ``snippets/``."""
    return bool(_EXAMPLE_DIR.search(path.replace(os.sep, "/")))


def is_test_path(path: str) -> bool:
    """``tests/``, ``benchmarks/``, ``test_*/`` and ``*_tests/`` directories (``test_utils/``,
    ``integration_tests/``, and with a hyphen: ``integration-tests/``), ``test_*.py``, ``*_test.py``, ``conftest.py``: not production code."""
    return bool(_TEST_FILE.search(path.replace(os.sep, "/")))


def test_flags(paths: Sequence[str]) -> List[bool]:
    """:func:`is_test_path` of each path, those given absolute taken relative to the directory
    common to them: whether a file is test code depends on the project's directories, not on
    where the project sits (``/home/me/tests/shop/...``, a ``test_run/`` checkout)."""
    return path_flags(paths, is_test_path)


def path_flags(paths: Sequence[str], predicate: Callable[[str], bool]) -> List[bool]:
    """``predicate`` of each path, those given absolute taken relative to the directory common
    to them (see :func:`test_flags`)."""
    absolute = [os.path.dirname(p) for p in paths if os.path.isabs(p)]
    base = ""
    if absolute:
        try:
            base = os.path.commonpath(absolute)
        except ValueError:  # different drives
            base = ""
    return [predicate(os.path.relpath(p, base) if base and os.path.isabs(p) else p) for p in paths]


def context_free_file(path: str) -> str:
    """Why code in this file runs without a context ('' when it may have one)."""
    p = path.replace(os.sep, "/")
    if _MIGRATION.search(p):
        return "a Django migration (run by `manage.py migrate`)"
    if _ALEMBIC.search(p):
        return "an Alembic migration (run by `alembic upgrade`)"
    if _COMMAND.search(p):
        return "a Django management command"
    if _SCRIPT.search(p):
        return "a script (`scripts/`), run by hand or by a command"
    return ""


@dataclass(frozen=True)
class Origin:
    """Where a context comes from (or why none does): ``path``/``line`` of the origin, and words."""

    kind: str  # span | route | task | none | unknown
    text: str
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class SiteContext:
    state: str  # yes | no | unknown
    role: str  # main | worker
    origin: Origin
    confidence: str  # high | medium
    runs: bool = True  # False: nothing runs the code (dead code of an application)


class Definitions:
    """Every function and class of the project, and what a reference written in a file names."""

    def __init__(self, index: ModuleIndex, excluded: Optional[Sequence[bool]] = None):
        self.index = index
        # files that are no production code (tests, unless included)
        self.excluded = excluded if excluded is not None else test_flags([e[0] for e in index.entries])
        self.fn_ids: Dict[Tuple[int, str], int] = {}
        self.fns: List[Tuple[int, str, list]] = []  # (file, qname, def row)
        self.classes: Dict[Tuple[int, str], list] = {}
        self.file_fns: List[List[int]] = [[] for _ in index.entries]
        # the body of a `with tracer.start_as_current_span(...):` block, as a function of its own
        # that its function calls: block -> its function, function -> its blocks (first line, last, id)
        self.span_block_of: Dict[int, int] = {}
        self.blocks: Dict[int, List[Tuple[int, int, int]]] = {}
        for i, (_p, _m, _ip, summary) in enumerate(index.entries):
            for row in summary.get("defs", ()):
                if row[1] == "class":
                    self.classes[(i, row[0])] = row
                else:
                    self.fn_ids[(i, row[0])] = len(self.fns)
                    self.fns.append((i, row[0], row))
                    self.file_fns[i].append(len(self.fns) - 1)
            for owner, first, last in summary.get("span_blocks", ()):
                f = self.fn_ids.get((i, owner))
                if f is None:
                    continue
                qname = f"{owner}.<span:{first}>"
                v = self.fn_ids[(i, qname)] = len(self.fns)
                self.fns.append((i, qname, [qname, "function", first, last, [], [], []]))
                self.file_fns[i].append(v)
                self.span_block_of[v] = f
                self.blocks.setdefault(f, []).append((first, last, v))
        self._resolved: Dict[Tuple[int, str], Optional[Tuple[int, str]]] = {}
        self._handed: Dict[str, List[Tuple[int, int, str]]] = {}

    def is_task(self, f: int) -> bool:
        """Decorated by a task library's decorator (``@shared_task``, ``@app.task`` where ``app`` is
        the library's or the project's own object); ``@task`` of invoke or prefect is not one."""
        i = self.fns[f][0]
        for deco in self.fns[f][2][4]:
            prefix, _, last = deco.rpartition(".")
            if last not in TASK_DECORATOR_ATTRS:
                continue
            if deco.split(".")[0] in TASK_LIBRARY_ROOTS:
                return True
            # an object of the project (its Celery app), or the project's own `task` decorator
            # (which registers with its task library)
            if prefix and self.index.split(prefix, i) is not None:
                return True
        return False

    def task_of_producer(self, i: int, ref: str) -> Optional[int]:
        """The task a producer call (``task.delay``, ``task.s``, ``task.apply_async``) written in
        file ``i`` enqueues, or None."""
        if "." not in ref or ref.rsplit(".", 1)[-1] not in TASK_PRODUCER_METHODS:
            return None
        task = self.resolve(i, ref.rsplit(".", 1)[0])
        f = self.fn_ids.get(task) if task is not None else None
        return f if f is not None and self.is_task(f) else None

    def handed_tasks(self, qname: str) -> bool:
        """Does some call of the function ``qname`` in the project hand it a project task as a value
        (``retry_as_task(tasks.sync, user_id)``)? Its ``function.delay()`` then publishes that task."""
        return bool(self.handed_task_sites(qname))

    def handed_task_sites(self, qname: str) -> List[Tuple[int, int, str]]:
        """``(file, line, task qname)`` of the calls that hand the function ``qname`` a project task."""
        if qname not in self._handed:
            targets = {f for f, (_i, q, _row) in enumerate(self.fns) if q == qname}
            sites: List[Tuple[int, int, str]] = []
            for i, (_p, _m, _ip, summary) in enumerate(self.index.entries):
                if not targets or self.excluded[i]:
                    continue  # tests hand everything to everything
                for _caller, ref, line, callee_ref in summary.get("refs", ()):
                    callee = self.resolve(i, callee_ref) if callee_ref else None
                    if callee is None or self.fn_ids.get(callee) not in targets:
                        continue
                    hit = self.resolve(i, ref)
                    f = self.fn_ids.get(hit) if hit is not None else None
                    if f is not None and self.is_task(f):
                        sites.append((i, line, self.fns[f][1]))
            self._handed[qname] = sites
        return self._handed[qname]

    # ------------------------------------------------------------------ resolution
    def resolve(self, i: int, ref: str, depth: int = 0) -> Optional[Tuple[int, str]]:
        """The project definition (file, qname) that ``ref`` (as written in file ``i``) names."""
        key = (i, ref)
        if key in self._resolved:
            return self._resolved[key]
        self._resolved[key] = None  # cycles
        found = self._resolve(i, ref, depth)
        self._resolved[key] = found
        return found

    def _resolve(self, i: int, ref: str, depth: int) -> Optional[Tuple[int, str]]:
        if depth > 6 or not ref or "?" in ref:
            return None
        if ref.startswith("super:"):
            cls, _, method = ref[6:].rpartition(".")
            row = self.classes.get((i, cls))
            if row is None:
                return None
            for base in row[5]:
                hit = self._class(i, base, depth + 1)
                if hit is not None:
                    found = self._method(hit[0], hit[1], method, depth + 1)
                    if found is not None:
                        return found
            return None
        if ref.startswith("()"):
            inner, _, method = ref[2:].rpartition(".")
            hit = self._class(i, inner, depth + 1)
            return self._method(hit[0], hit[1], method, depth + 1) if hit is not None else None
        split = self.index.split(ref, i)
        if split is None:
            return None
        j, rest = split
        if not rest:
            return None
        module = self.index.entries[j][1]
        whole = f"{module}.{rest}" if module else rest
        if (j, whole) in self.fn_ids or (j, whole) in self.classes:
            return (j, whole)  # a definition by its full name (a function nested in a method)
        parts = rest.split(".")
        head = f"{module}.{parts[0]}" if module else parts[0]
        if (j, head) in self.fn_ids:
            if len(parts) == 1:
                return (j, head)
            return None  # an attribute of a function (task.delay is read by the caller)
        if (j, head) in self.classes:
            if len(parts) == 1:
                return (j, head)
            if len(parts) == 2:
                return self._method(j, head, parts[1], depth + 1)
            return None
        aliases = self.index.entries[j][3].get("aliases", {})
        target = aliases.get(parts[0])
        if target and (j != i or target != ref):
            return self.resolve(j, ".".join([target] + parts[1:]), depth + 1)
        made = self.index.entries[j][3].get("assigns", {}).get(parts[0])
        if made and len(parts) == 2:
            # a method of a module-level instance (`process_cache = ProcessCache()`, then
            # `process_cache.init()` wherever it is imported)
            hit = self._class(j, made, depth + 1)
            if hit is not None:
                return self._method(hit[0], hit[1], parts[1], depth + 1)
        return None

    def _class(self, i: int, ref: str, depth: int) -> Optional[Tuple[int, str]]:
        if (i, ref) in self.classes:
            return (i, ref)
        hit = self.resolve(i, ref, depth)
        if hit is not None and hit in self.classes:
            return hit
        return None

    def _method(self, j: int, cls: str, method: str, depth: int) -> Optional[Tuple[int, str]]:
        if depth > 8:
            return None
        q = f"{cls}.{method}"
        if (j, q) in self.fn_ids:
            return (j, q)
        row = self.classes.get((j, cls))
        for base in (row[5] if row else ()):
            hit = self._class(j, base, depth + 1)
            if hit is not None:
                found = self._method(hit[0], hit[1], method, depth + 1)
                if found is not None:
                    return found
        return None


class ContextModel(Definitions):
    """The call graph of the project and the state of every function.

    ``entries``: ``(filesystem path, module, is_package, summary)`` per file; ``excluded``: test
    files (never origins); ``web_traced(i, frameworks)``: whether module ``i`` runs in a process
    where one of ``frameworks`` (all web frameworks when empty) is instrumented (its routes handle requests in a span); ``worker_traced(i)``: whether a task defined in module ``i`` runs in a worker whose
    task library is instrumented (its tasks run in a span that continues the producer's context)."""

    def __init__(self, index: ModuleIndex, excluded: Sequence[bool], web_traced: Callable[[int, Tuple[str, ...]], bool],
                 worker_traced: Callable[[int], bool], same_process: Optional[Callable[[int, int], bool]] = None):
        super().__init__(index, excluded)
        # `same_process(i, j)`: some process loads both modules (an untyped call reaches no other)
        self.same_process = same_process or (lambda i, j: True)
        self.web_traced = web_traced
        self.worker_traced = worker_traced
        n = len(self.fns)
        self.callees: List[set] = [set() for _ in range(n)]
        self.callers: List[set] = [set() for _ in range(n)]
        self.producers: List[set] = [set() for _ in range(n)]  # task -> functions that enqueue it
        self.module_callees: List[set] = [set() for _ in index.entries]  # top-level code's calls
        self.module_producers: List[set] = [set() for _ in range(n)]
        self.registered: set = set()  # functions handed to some other code at import time
        self.boot_started: set = set()  # ... by a script's `__main__` block
        # project class -> the functions that make its objects (-1 - file for module level code)
        self.made: Dict[Tuple[int, str], set] = {}
        self._subclasses: Optional[Dict[Tuple[int, str], List[Tuple[int, str]]]] = None
        self._task_names: Optional[Dict[str, int]] = None
        self._names_of: Dict[int, List[str]] = {}
        self._library_bases: Dict[Tuple[int, str], Optional[List[str]]] = {}  # `library_bases`
        self._build_edges()
        self._decided = False  # states are decided on the first question (instrumentor activation first)
        # `observed(i)`: the process running module `i` instruments some library (its calls record spans)
        self.observed: Callable[[int], bool] = lambda i: False
        # `worker_observed(i)`: ... in the task workers that run module `i` (not the web server's set-up)
        self.worker_observed: Callable[[int], bool] = lambda i: self.observed(i)
        # `read_full(i)`: file `i`'s full summary, for a file that has only the cheap one
        self.read_full: Callable[[int], dict] = lambda i: self.index.entries[i][3]
        self._records: Dict[int, bool] = {}
        self._file_calls: Dict[int, Dict[str, list]] = {}
        self._methods_cache: Optional[Dict[str, List[int]]] = None
        self._completed = 0
        self._sends: Optional[bool] = None
        self._temporal: Optional[bool] = None
        # `named_elsewhere(i, qname)`: the project names the function somewhere but its definition
        # (a call, a value in a table, a string); `application(i)`: module `i` belongs to an
        # application, whose functions only its own code and its frameworks call (no library API)
        self.named_elsewhere: Callable[[int, str], bool] = lambda i, qname: True
        self.application: Callable[[int], bool] = lambda i: False
        # `untraced_example(i)`: module `i` is an example or documentation program (nothing imports
        # it) whose process sets no tracing up (no SDK, agent, launcher or instrumentation)
        self.untraced_example: Callable[[int], bool] = lambda i: False
        self._dead: Dict[int, bool] = {}
        self._dead_classes: Dict[Tuple[int, str], bool] = {}  # `_unnamed_class`
        self._span_fns: Optional[List[int]] = None  # files holding a function that starts a span
        self._process_spans: Dict[int, bool] = {}
        self._loops: Optional[set] = None  # functions that run a service loop (`in_background_loop`)

    def _fn(self, i: int, qname: str, line: int = 0) -> Optional[int]:
        """The function a caller qname is (a class body or the module: None); at ``line``, the
        span block of it that holds the line, if any."""
        f = self.fn_ids.get((i, qname))
        if f is not None and line and f in self.blocks:
            for first, last, v in self.blocks[f]:
                if first <= line <= last:
                    return v
        return f

    # ------------------------------------------------------------------ edges
    def _build_edges(self) -> None:
        untyped: List[Tuple[int, Optional[int], str]] = []  # `obj.method()` calls the file cannot type
        for i, (_p, module, _ip, summary) in enumerate(self.index.entries):
            if self.excluded[i]:
                continue  # tests call everything; they are no origin of a production context
            for caller, ref, line in summary.get("calls", ()):
                src = self._fn(i, caller, line)
                if ref.startswith("."):
                    untyped.append((i, src, ref[1:]))
                    continue
                target = self.resolve(i, ref)
                if target is None:
                    t = self.task_of_producer(i, ref)
                    if t is not None:
                        (self.producers[t] if src is not None else self.module_producers[t]).add(
                            src if src is not None else -1 - i)
                    elif "." in ref and distinctive(ref.rsplit(".", 1)[1]):
                        # `load_connector(info).expand_book_data()`: an object of a type not known here
                        untyped.append((i, src, ref.rsplit(".", 1)[1]))
                    continue
                callee = self.fn_ids.get(target)
                if callee is None:  # a class: its constructor, and the thread's `run` it starts
                    if target in self.classes:
                        self.made.setdefault(target, set()).add(src if src is not None else -1 - i)
                    callee = self.fn_ids.get((target[0], target[1] + ".__init__"))
                    run = self._thread_run(target)
                    if run is not None:
                        self._edge(i, src, run)
                if callee is None:
                    continue
                self._edge(i, src, callee)
            for row in summary.get("refs", ()):
                caller, ref, line, callee_ref = row
                target = self.resolve(i, ref)
                if target is None or target not in self.fn_ids:
                    continue
                t = self.fn_ids[target]
                if self._registration(i, callee_ref):
                    continue  # signal receivers and URL routes are origins of their own
                src = self._fn(i, caller, line)
                if src is None:
                    # registered at import time (a consumer callback, a hook): whatever received it
                    # calls it later, in a context the project does not show; handed to other code
                    # by a script's `__main__` block (`Process(target=f)`, `entrypoint=f`), it runs
                    # as the script boots
                    self.registered.add(t)
                    if _in_main_block(summary, line):
                        self.boot_started.add(t)
                    continue
                self._edge(i, src, t)
            for owner, ref in summary.get("withs", ()):
                target = self.resolve(i, ref)
                if target is not None and target in self.fn_ids:
                    self._edge(i, self._fn(i, owner), self.fn_ids[target])
        for v, f in self.span_block_of.items():
            self._edge(self.fns[f][0], f, v)  # a function runs its span blocks
        self._sent_by_name()
        self._untyped_edges(untyped)

    def task_registered_names(self) -> Dict[str, int]:
        """Every task by the names it is registered under: ``@app.task(name="x")``, else its
        qualified name (Celery's default ``module.function``)."""
        if self._task_names is None:
            names: Dict[str, int] = {}
            for i, (_p, _m, _ip, summary) in enumerate(self.index.entries):
                for qname, name in summary.get("named_tasks", ()):
                    f = self.fn_ids.get((i, qname))
                    if f is not None:
                        names.setdefault(name, f)
            for f, (i, qname, _row) in enumerate(self.fns):
                if self.is_task(f):
                    # as the worker imports it: `integration.tasks.sync` for `app.integration.tasks.sync`
                    parts = qname.split(".")
                    for k in range(len(parts) - 1):
                        names.setdefault(".".join(parts[k:]), f)
            self._task_names = names
            for name, f in names.items():
                self._names_of.setdefault(f, []).append(name)
        return self._task_names

    def _sent_by_name(self) -> None:
        """``app.send_task("shop.sync")``, ``signature("shop.sync")``: the producer of the project's
        task registered under that name."""
        names = None
        for i, (_p, _m, _ip, summary) in enumerate(self.index.entries):
            if self.excluded[i] or not summary.get("sent_tasks"):
                continue
            names = names if names is not None else self.task_registered_names()
            for caller, name, _line in summary["sent_tasks"]:
                t = names.get(name)
                if t is None:
                    continue
                src = self._fn(i, caller)
                (self.producers[t] if src is not None else self.module_producers[t]).add(
                    src if src is not None else -1 - i)

    def _untyped_edges(self, untyped) -> None:
        """A method nothing calls by a resolved name is called by the project's untyped calls of
        its (distinctive) name, when few classes define it: ``connector.expand_book_data(book)``
        in a task reaches every connector's ``expand_book_data``."""
        methods = self._methods_by_name()
        # a method only its own class calls (`self.publish_event()` in `publish_batch`) is as
        # unknown to the rest of the project as one nothing calls
        orphans = {f for f in range(len(self.fns)) if f not in self.registered
                   and all(c >= 0 and self._same_class(c, f) for c in self.callers[f])}
        for i, src, name in untyped:
            targets = methods.get(name, ())
            if not targets or len(targets) > MAX_UNTYPED_TARGETS:
                continue
            for t in targets:
                if t in orphans and self.same_process(i, self.fns[t][0]):
                    self._edge(i, src, t)

    def _same_class(self, f: int, g: int) -> bool:
        """Are ``f`` and ``g`` methods of one class?"""
        (i, qf, _rf), (j, qg, _rg) = self.fns[f], self.fns[g]
        owner = qg.rpartition(".")[0]
        return i == j and (i, owner) in self.classes and qf.startswith(owner + ".")

    def _methods_by_name(self) -> Dict[str, List[int]]:
        methods: Dict[str, List[int]] = {}
        for f, (i, qname, _row) in enumerate(self.fns):
            owner = qname.rsplit(".", 1)[0]
            if (i, owner) in self.classes:
                methods.setdefault(qname.rsplit(".", 1)[1], []).append(f)
        return methods

    def _thread_run(self, cls: Tuple[int, str]) -> Optional[int]:
        """The ``run`` of a project class that extends ``threading.Thread`` (or a process class):
        the code that makes one (``TaskThread(task.id).start()``) starts it, so the thread runs in
        the context its maker has; None for any other class."""
        if (cls[0], cls[1]) not in self.classes:
            return None
        bases = self.library_bases(cls[0], cls[1]) or ()
        if not any(base in THREAD_CLASSES for base in bases):
            return None
        hit = self._method(cls[0], cls[1], "run", 0)
        return self.fn_ids.get(hit) if hit is not None else None

    def _edge(self, i: int, src: Optional[int], callee: int) -> None:
        if src is None:
            self.module_callees[i].add(callee)
            self.callers[callee].add(-1 - i)
        elif src != callee:
            self.callees[src].add(callee)
            self.callers[callee].add(src)

    def _registration(self, i: int, callee_ref: str) -> bool:
        last = callee_ref.rsplit(".", 1)[-1]
        return last in SIGNAL_CONNECT or last in CLI_REGISTRATION_ATTRS or callee_ref in URL_FUNCTIONS \
            or self._drf_register(i, callee_ref) or callee_ref in AIOHTTP_ROUTE_FUNCTIONS \
            or last in URL_METHOD_ATTRS

    # ------------------------------------------------------------------ origins
    def _starts_span(self, f: int, depth: int = 0, scoped: bool = True) -> bool:
        """Does ``f`` start a span (itself, by a decorator, or a project wrapper that does)? With
        ``scoped=False``, spans that hold only blocks of it (``with ...start_as_current_span():``,
        its span blocks' origins) do not count."""
        i, qname, row = self.fns[f]
        summary = self.index.entries[i][3]
        if qname in summary.get("spans", ()) and (scoped or f not in self.blocks):
            return True
        if depth > 3:
            return False
        for owner, ref in summary.get("withs", ()):
            if owner == qname:
                target = self.resolve(i, ref)
                if target is not None and target in self.fn_ids and self._wraps_span(self.fn_ids[target], depth + 1):
                    return True
        for deco in row[4]:
            target = self.resolve(i, deco)
            if target is not None and target in self.fn_ids and self._wraps_span(self.fn_ids[target], depth + 1):
                return True
        return False

    def _wraps_span(self, f: int, depth: int) -> bool:
        """A project decorator or context manager that starts a span (in itself or in the
        wrapper it defines)."""
        if self._starts_span(f, depth):
            return True
        i, qname, _row = self.fns[f]
        prefix = qname + "."
        return any(self._starts_span(g, depth + 1) for g in self.file_fns[i] if self.fns[g][1].startswith(prefix))

    def _drf_register(self, i: int, callee_ref: str) -> bool:
        """Is the call of file ``i`` that a function is passed to a Django REST framework router's
        ``register`` (``router.register(r"orders", OrderViewSet)``)?"""
        return bool(DRF_ROUTER_REGISTER.search(self._through_instance(i, callee_ref)))

    def _through_instance(self, i: int, ref: str) -> str:
        """``shop.urls.router.register`` as ``rest_framework.routers.DefaultRouter.register`` where
        file ``i`` made ``router = DefaultRouter()`` at module level."""
        module = self.index.entries[i][1]
        if module and ref.startswith(module + "."):
            name, _, rest = ref[len(module) + 1:].partition(".")
            made = (self.index.entries[i][3].get("assigns") or {}).get(name)
            if made and rest:
                return f"{made}.{rest}"
        return ref

    def _origin(self, f: int) -> Optional[Origin]:
        """The function's own origin, if it is one (before the graph says anything)."""
        i, qname, row = self.fns[f]
        path = self.index.entries[i][0]
        owner = self.span_block_of.get(f)
        if owner is not None:
            return Origin("span", f"`{_short(self.fns[owner][1])}` starts a span", path, row[2])
        if self._starts_span(f, scoped=False):
            return Origin("span", f"`{_short(qname)}` starts a span", path, row[2])
        why = context_free_file(path)
        if why:
            return Origin("none", f"`{_short(qname)}` is in {why}", path, row[2])
        decorators = row[4]
        owner = self.classes.get((i, qname.rpartition(".")[0]))
        if owner is not None and not qname.rsplit(".", 1)[-1].startswith("_") \
                and (any(b.rsplit(".", 1)[-1].endswith("Servicer") for b in owner[5])
                     or (owner[0].endswith("Servicer") and "grpcio" in web_frameworks(self.index.entries[i][3]))):
            if self.web_traced(i, ("grpcio", "grpc")):
                return Origin("route", f"the gRPC method `{_short(qname)}`, in a traced gRPC server", path, row[2])
            return Origin("none", f"the gRPC method `{_short(qname)}` runs in a process whose gRPC server is not traced",
                          path, row[2])
        method = qname.rsplit(".", 1)[-1]
        if owner is not None and not self.callers[f] and any(
                method in WEBSOCKET_CONSUMERS.get(b, ()) for b in self.library_bases(i, owner[0]) or ()):
            if self.web_traced(i, ("websocket",)):
                return Origin("route", f"the websocket handler `{_short(qname)}`, in a process that traces websocket "
                              "connections", path, row[2])
            return Origin("none", f"the websocket handler `{_short(qname)}` runs in no span: nothing in its process "
                          "traces websocket connections (DjangoInstrumentor traces HTTP requests only)", path, row[2])
        base = self._callback_base(i, qname.rpartition(".")[0], method) if owner is not None else None
        if base is not None and not self.callers[f]:
            return Origin("none", f"`{_short(qname)}` is called by `{base.rsplit('.', 1)[0]}` outside any request "
                          f"(`{_short(base)}.{method}`)", path, row[2])
        if owner is not None and method in SHUTDOWN_METHODS and not self.callers[f]:
            return Origin("none", f"`{_short(qname)}` runs when its object is closed or stopped, not in a request",
                          path, row[2])
        for deco in decorators:
            last = deco.rsplit(".", 1)[-1]
            if deco in TEMPORAL_ENTRY_DECORATORS:
                kind = "workflow" if ".workflow." in deco else "activity"
                if self._temporal_traced():
                    return Origin("task", f"the Temporal {kind} `{_short(qname)}`, run with Temporal's TracingInterceptor",
                                  path, row[2])
                return Origin("none", f"the Temporal {kind} `{_short(qname)}` runs in a Temporal worker that no "
                              "TracingInterceptor connects to its caller", path, row[2])
            if last in LIFECYCLE_DECORATORS:
                return Origin("none", f"`{_short(qname)}` runs when the application starts or stops", path, row[2])
            if last in CLI_COMMAND_ATTRS and self._cli_command(i, deco):
                return Origin("none", f"`{_short(qname)}` is a command-line command (`@{_short(deco)}`), run in a "
                              "process of its own with no context", path, row[2])
            if (deco in RECEIVER_DECORATORS or deco in EVENT_SUBSCRIBER_DECORATORS) \
                    and any(a.rsplit(".", 1)[-1] in NO_CONTEXT_SIGNALS for a in row[6]):
                return Origin("none", f"`{_short(qname)}` receives a signal sent outside any request", path, row[2])
            if last in ROUTE_DECORATOR_ATTRS and deco != "?" and "." in deco:
                if self.web_traced(i, web_frameworks(self.index.entries[i][3])):
                    return Origin("route", f"the route `{_short(qname)}`", path, row[2])
                return Origin("none", f"the route `{_short(qname)}` runs in a process whose web framework is not traced", path, row[2])
        if _in_main_block(self.index.entries[i][3], row[2]):
            return Origin("none", f"`{_short(qname)}` is defined in the `if __name__ == \"__main__\":` block: it runs "
                          "when the file is run as a script, which starts with no context", path, row[2])
        if qname.rsplit(".", 1)[-1] in APP_FACTORY_NAMES and "." not in qname[len(self.index.entries[i][1]) + 1:] \
                and not self.callers[f]:
            return Origin("none", f"`{_short(qname)}` is an application factory: the server calls it as it starts, "
                          "with no context", path, row[2])
        if f in self.boot_started and not self.callers[f]:
            return Origin("none", f"`{_short(qname)}` is handed to other code by a script's `__main__` block: it "
                          "runs as the script boots, with no context", path, row[2])
        return None

    def _callback_base(self, i: int, cls: str, method: str) -> Optional[str]:
        """The library base (``CONTEXT_FREE_CALLBACKS``) whose ``method`` the class overrides,
        through the project's own classes, if any: the library calls it outside any request."""
        return next((base for base in self.library_bases(i, cls) or ()
                     if method in CONTEXT_FREE_CALLBACKS.get(base, ())), None)

    def library_bases(self, i: int, cls: str, depth: int = 0) -> Optional[List[str]]:
        """The bases of class ``cls`` of file ``i`` that are not the project's, its project bases
        followed (the standard library's ``INERT_BASES`` by name); None for a class the project
        does not define or a chain of bases too long to follow."""
        key = (i, cls)
        if depth == 0 and key in self._library_bases:
            return self._library_bases[key]
        row = self.classes.get(key)
        out: Optional[List[str]] = None if row is None or depth > 8 else []
        for base in row[5] if out is not None else ():
            hit = None if base in INERT_BASES else self._class(i, base, depth + 1)
            if hit is None:
                out.append(base)
                continue
            inner = self.library_bases(hit[0], hit[1], depth + 1)
            if inner is None:
                out = None
                break
            out.extend(inner)
        if depth == 0:
            self._library_bases[key] = out
        return out

    def _cli_command(self, i: int, deco: str) -> bool:
        """Is ``deco`` (``…command``/``…group``) a command-line registration: click's or typer's
        (by name, or in a file that imports them), or a Flask app's or blueprint's ``.cli``?"""
        if deco.split(".", 1)[0] in CLI_LIBRARIES or ".cli." in f".{deco}":
            return True
        return any(imp.split(".", 1)[0] in CLI_LIBRARIES for imp in self.index.entries[i][3].get("imports", ()))

    def _decide(self) -> None:
        n = len(self.fns)
        origins: List[Optional[Origin]] = [self._origin(f) for f in range(n)]
        # Django URLconf views and signal receivers registered by `connect`
        for i, (_p, _m, _ip, summary) in enumerate(self.index.entries):
            for caller, ref, line, callee_ref in summary.get("refs", ()):
                target = self.resolve(i, ref)
                if target is None:
                    continue
                views = [target] if target in self.fn_ids else []
                if target in self.classes:  # a class-based view: its methods
                    prefix = target[1] + "."
                    views = [(target[0], self.fns[g][1]) for g in self.file_fns[target[0]]
                             if self.fns[g][1].startswith(prefix) and "." not in self.fns[g][1][len(prefix):]]
                for view in views:
                    f = self.fn_ids.get(view)
                    if f is None or origins[f] is not None:
                        continue
                    last = callee_ref.rsplit(".", 1)[-1]
                    path = self.index.entries[i][0]
                    drf = self._drf_register(i, callee_ref)
                    if callee_ref in URL_FUNCTIONS or drf or callee_ref in AIOHTTP_ROUTE_FUNCTIONS or last in URL_METHOD_ATTRS:
                        vrow = self.fns[f][2]
                        routed = f"routed in {self.index.entries[i][1] or os.path.basename(path)}:{line}"
                        # the framework of the routing call: Django's URLconf, aiohttp's route
                        # table, else the web frameworks the registering module imports
                        frameworks = ("django",) if callee_ref in URL_FUNCTIONS or drf else ("aiohttp",) \
                            if callee_ref in AIOHTTP_ROUTE_FUNCTIONS else web_frameworks(self.index.entries[i][3])
                        if self.web_traced(view[0], frameworks):
                            origins[f] = Origin("route", f"the view `{_short(view[1])}` ({routed}), in a traced web process",
                                                self.index.entries[view[0]][0], vrow[2])
                        else:
                            origins[f] = Origin("none", f"the view `{_short(view[1])}` ({routed}) runs in a process whose "
                                                "web framework is not traced", self.index.entries[view[0]][0], vrow[2])
                    elif last in LIFECYCLE_REGISTRATIONS or callee_ref.endswith(LIFECYCLE_REGISTRATIONS) \
                            or callee_ref in LIFECYCLE_APPLICATIONS:
                        origins[f] = Origin("none", f"`{_short(view[1])}` runs when the application starts or stops",
                                            path, line)
                    elif last in CLI_REGISTRATION_ATTRS:
                        origins[f] = Origin("none", f"`{_short(view[1])}` is a command-line command (`{last}(func=...)` "
                                            f"in {self.index.entries[i][1] or os.path.basename(path)}:{line}), run in a "
                                            "process of its own with no context", path, line)
                    elif last in SIGNAL_CONNECT:
                        signal = callee_ref.rsplit(".", 2)[-2] if callee_ref.count(".") else ""
                        if signal in NO_CONTEXT_SIGNALS:
                            origins[f] = Origin("none", f"`{_short(view[1])}` receives `{signal}`, sent outside any request", path, line)
        beat = set()
        for i, (_p, _m, _ip, summary) in enumerate(self.index.entries):
            for name in summary.get("task_names", ()):
                beat.add(name)
        self.origins = origins
        self.beat = beat
        tasks = [f for f in range(n) if self.is_task(f) and origins[f] is None]
        task_origin: Dict[int, Optional[Origin]] = {f: None for f in tasks}
        for _round in range(4):
            yes, no_ctx, unknown, via = self._reach(origins, task_origin)
            changed = False
            for t in tasks:
                new = self._task_origin(t, yes, unknown, beat)
                if new != task_origin[t]:
                    task_origin[t] = new
                    changed = True
            if not changed:
                break
        self.yes, self.unknown, self.via = yes, unknown, via
        self.task_origin = task_origin

    def _task_origin(self, t: int, yes: Dict[int, int], unknown: set, beat: set) -> Optional[Origin]:
        i, qname, row = self.fns[t]
        path = self.index.entries[i][0]
        producers = {p for p in self.producers[t] if p != t}
        from_module = self.module_producers[t]
        periodic = any(d.rsplit(".", 1)[-1] in PERIODIC_DECORATOR_ATTRS for d in row[4]) or self._in_beat(t, beat)
        if not self.worker_traced(i):
            return Origin("none", f"the task `{_short(qname)}` runs in a worker with no tracing of its own", path, row[2])
        if any(p in yes for p in producers):
            p = next(p for p in sorted(producers) if p in yes)
            return Origin("task", f"the task `{_short(qname)}`, sent from `{_short(self.fns[p][1])}`", path, row[2])
        if any(p in unknown for p in producers):
            return Origin("unknown", f"the task `{_short(qname)}`", path, row[2])
        if producers or from_module or periodic or t in self.producers[t]:
            return Origin("none", f"the task `{_short(qname)}` is only sent where no context exists"
                          + (" (a periodic task)" if periodic else ""), path, row[2])
        if any(c != t for c in self.callers[t]):
            return None  # never sent, only called as a function (by another task): its callers decide
        if self._sends_tasks():
            # a project that sends its tasks itself but never this one: a periodic task scheduled
            # outside the code (django-celery-beat's database, a commented-out beat entry) or a dead one
            return Origin("none", f"the task `{_short(qname)}` is sent nowhere in the project (a periodic task "
                          "scheduled outside the code, or unused)", path, row[2])
        return Origin("unknown", f"the task `{_short(qname)}` (sent from outside the project)", path, row[2])

    def _temporal_traced(self) -> bool:
        """Does the project use Temporal's OpenTelemetry TracingInterceptor anywhere?"""
        if self._temporal is None:
            self._temporal = any(imp.startswith(TEMPORAL_TRACING_MODULE)
                                 for _p, _m, _ip, summary in self.index.entries for imp in summary.get("imports", ()))
        return self._temporal

    def _sends_tasks(self) -> bool:
        """Does the project send some of its tasks itself (``task.delay()``, ``send_task("name")``)?"""
        if self._sends is None:
            self._sends = any(self.producers[f] or self.module_producers[f] for f in range(len(self.fns)))
        return self._sends

    def _in_beat(self, t: int, beat: set) -> bool:
        """A beat schedule names the task, by its qualified or its registered name."""
        if _named_in(self.fns[t][1], beat):
            return True
        self.task_registered_names()
        return any(name in beat for name in self._names_of.get(t, ()))

    def _reach(self, origins, task_origin):
        """Forward closure from the origins with a context (``yes``: function -> the origin
        function it was reached from) and from functions nobody calls (``unknown``)."""
        n = len(self.fns)
        seeds_yes: List[int] = []
        seeds_unknown: List[int] = []
        no_ctx = set()
        for f in range(n):
            o = origins[f] if origins[f] is not None else task_origin.get(f)
            if self.excluded[self.fns[f][0]]:
                no_ctx.add(f)
                continue
            if o is not None:
                if o.kind in ("span", "route", "task"):
                    seeds_yes.append(f)
                elif o.kind == "unknown":
                    seeds_unknown.append(f)
                else:
                    no_ctx.add(f)
            elif not self.callers[f] or f in self.registered:
                seeds_unknown.append(f)
        yes: Dict[int, int] = {}
        via: Dict[int, int] = {}
        # the origin a function is named as reached from: the first, in the order of the files'
        # paths and lines (not of the order the files were read in), that reaches it
        for s in sorted(seeds_yes, key=self._rank):
            if s in yes:
                continue
            yes[s] = s
            stack = [s]
            while stack:
                u = stack.pop()
                for v in self.callees[u]:
                    if v not in yes and v not in no_ctx:
                        yes[v] = s
                        via[v] = u
                        stack.append(v)
        unknown = set()
        stack = [s for s in seeds_unknown if s not in yes]
        unknown.update(stack)
        while stack:
            u = stack.pop()
            for v in self.callees[u]:
                if v not in unknown and v not in yes and v not in no_ctx:
                    unknown.add(v)
                    stack.append(v)
        return yes, no_ctx, unknown, via

    # ------------------------------------------------------------------ queries
    def function_at(self, i: int, line: int) -> Optional[int]:
        best = None
        for f in self.file_fns[i]:
            row = self.fns[f][2]
            if row[2] <= line <= row[3] and (best is None or row[2] >= self.fns[best][2][2]):
                best = f
        return best

    def task_at(self, i: int, line: int) -> Optional[int]:
        """The task whose body (or a function nested in it) holds ``line`` of file ``i``."""
        f = self.function_at(i, line)
        while f is not None and not self.is_task(f):
            q = self.fns[f][1]
            f = self.fn_ids.get((i, q.rsplit(".", 1)[0])) if "." in q else None
        return f

    def task_without_producer_context(self, i: int, line: int) -> Optional[Origin]:
        """When ``line`` of file ``i`` is in a task whose every producer in the project runs where
        no context exists (a beat schedule, a management command, the task itself): why. A consumer
        span there begins a trace; no producer's context is lost."""
        if not self._decided:
            self._decided = True
            self._decide()
        f = self.task_at(i, line)
        if f is None:
            return None
        producers = {p for p in self.producers[f] if p != f}
        periodic = any(d.rsplit(".", 1)[-1] in PERIODIC_DECORATOR_ATTRS for d in self.fns[f][2][4]) \
            or self._in_beat(f, self.beat)
        if not (producers or self.module_producers[f] or periodic):
            return None  # sent from outside the project, maybe with a context
        if any(p in self.yes or p in self.unknown for p in producers):
            return None
        qname = self.fns[f][1]
        return Origin("none", f"every producer of the task `{_short(qname)}` runs where no context exists",
                      self.index.entries[i][0], self.fns[f][2][2])

    def task_sent_at(self, i: int, line: int) -> Optional[int]:
        """The project task a producer call on ``line`` of file ``i`` enqueues (``task.delay()``,
        ``task.apply_async()``), or None."""
        for _caller, ref, at in self.index.entries[i][3].get("calls", ()):
            if at == line:
                t = self.task_of_producer(i, ref)
                if t is not None:
                    return t
        return None

    def records_telemetry(self, t: int) -> bool:
        """Does the task ``t`` record telemetry its producer's context would connect: its worker
        instruments the task library (a task span) or some other library (spans of its calls),
        or the task, or a project function it calls, starts a span? A task that records nothing
        loses nothing when its producer sends no context. Files below the task that were only
        skimmed (``lite`` summaries) are read as the search reaches them; past the search's limits
        the answer is yes."""
        hit = self._records.get(t)
        if hit is not None:
            return hit
        i = self.fns[t][0]
        # a task that calls nothing but builtins, a logger or a sleep is a placeholder (an
        # example, a stub): it stands for work that would record something
        result = bool(self.worker_traced(i) or self.worker_observed(i)) or self._placeholder(t)
        if not result:
            seen = {t}
            stack = [t]
            while stack:
                if len(seen) > MAX_TELEMETRY_SEARCH or self._completed > MAX_TELEMETRY_FILES:
                    result = True  # too far to tell: assume it does
                    break
                u = stack.pop()
                if self._starts_span(u):
                    result = True
                    break
                for v in self._reaches(u):
                    if v not in seen:
                        seen.add(v)
                        stack.append(v)
        self._records[t] = result
        return result

    def _placeholder(self, t: int) -> bool:
        i, qname, _row = self.fns[t]
        return all(_trivial_call(ref) for _caller, ref, _line in self._calls_by_caller(i).get(qname, ()))

    def _reaches(self, f: int) -> set:
        """Every project function ``f`` may call, generously: an untyped ``obj.name()`` may call
        any project method of that distinctive name, not only the ones nothing else calls."""
        i, qname, _row = self.fns[f]
        out = set()
        for caller, ref, _line in self._calls_by_caller(i).get(qname, ()):
            if ref.startswith("."):
                out.update(self._methods_named(ref[1:]))
                continue
            split = self.index.split(ref, i)
            if split is not None and self.index.entries[split[0]][3].get("lite"):
                self._complete(split[0])
            target = self.resolve(i, ref)
            callee = self.fn_ids.get(target) if target is not None else None
            if callee is None and target is not None:
                callee = self.fn_ids.get((target[0], target[1] + ".__init__"))
            if callee is not None:
                out.add(callee)
            elif target is None and "." in ref:
                out.update(self._methods_named(ref.rsplit(".", 1)[1]))
        return out

    def _methods_named(self, name: str) -> List[int]:
        """The project methods an untyped ``obj.name()`` may call: none for a name too common to
        tell (``save``, ``get``, ``__init__``), as for the call graph's untyped edges."""
        targets = self._methods().get(name, ())
        if not distinctive(name) or len(targets) > MAX_UNTYPED_TARGETS:
            return []
        return list(targets)

    def _calls_by_caller(self, i: int) -> Dict[str, list]:
        """File ``i``'s calls by the function that makes them (a nested function's and a lambda's
        calls count for their enclosing functions too)."""
        hit = self._file_calls.get(i)
        if hit is None:
            hit = self._file_calls[i] = {}
            for row in self.index.entries[i][3].get("calls", ()):
                caller = row[0]
                while True:
                    hit.setdefault(caller, []).append(row)
                    if (i, caller.rpartition(".")[0]) not in self.fn_ids:
                        break
                    caller = caller.rpartition(".")[0]
        return hit

    def _methods(self) -> Dict[str, List[int]]:
        if self._methods_cache is None:
            self._methods_cache = self._methods_by_name()
        return self._methods_cache

    def _complete(self, j: int) -> None:
        """Read file ``j`` in full (its summary was the cheap one) and add its definitions."""
        path, module, is_package, _summary = self.index.entries[j]
        full = self.read_full(j)
        self.index.entries[j] = (path, module, is_package, full)
        self._completed += 1
        first_new = len(self.fns)
        for row in full.get("defs", ()):
            if row[1] == "class":
                self.classes[(j, row[0])] = row
            elif (j, row[0]) not in self.fn_ids:
                self.fn_ids[(j, row[0])] = len(self.fns)
                self.fns.append((j, row[0], row))
                self.file_fns[j].append(len(self.fns) - 1)
                for table in (self.callees, self.callers, self.producers, self.module_producers):
                    table.append(set())
                if getattr(self, "origins", None) is not None:
                    self.origins.append(None)
        self._resolved.clear()
        self._file_calls.pop(j, None)
        if self._methods_cache is not None:
            # the new methods join the table in the order a rebuild would give (they come last)
            for f in range(first_new, len(self.fns)):
                owner, _, name = self.fns[f][1].rpartition(".")
                if (j, owner) in self.classes:
                    self._methods_cache.setdefault(name, []).append(f)

    def activation(self, f: int) -> str:
        """Where a function that sets something up (``instrument()`` inside it) runs: ``process``
        when module-level code, a ``__main__`` block, a hook or an unknown caller reaches it (it
        runs as the process starts), ``worker`` when only task bodies do, ``none`` when only
        migrations, management commands and tests do."""
        seen = {f}
        stack = [f]
        found = set()
        while stack:
            u = stack.pop()
            if u < 0:
                found.add("process")
                continue
            i, _q, _row = self.fns[u]
            if self.is_task(u):
                found.add("worker")
                continue
            if context_free_file(self.index.entries[i][0]) or self.excluded[i]:
                found.add("none")
                continue
            if not self.callers[u] or u in self.registered:
                found.add("process")
            for c in self.callers[u]:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        for kind in ("process", "worker"):
            if kind in found:
                return kind
        return "none"

    def activating_files(self, f: int, limit: int = 2000) -> Optional[set]:
        """The files whose code starts the calls that reach ``f`` (a module's top level, a
        function nothing in the project calls, a task): a set-up done in ``f`` happens in the
        processes that load one of them, not in every process that imports ``f``'s module (a
        shared ``instrument_aiohttp_server()`` called only by the manager's start-up). None when
        the walk goes too far to tell."""
        seen = {f}
        stack = [f]
        files: set = set()
        while stack:
            u = stack.pop()
            if u < 0:
                files.add(-1 - u)
                continue
            if not self.callers[u] or u in self.registered or self.is_task(u):
                files.add(self.fns[u][0])
            if self.is_task(u):
                continue
            if not _push_unseen(stack, seen, self.callers[u], limit):
                return None
        return files

    def decided(self) -> "ContextModel":
        """The model with every function's state decided (on the first question)."""
        if not self._decided:
            self._decided = True
            self._decide()
        return self

    def site(self, i: int, line: int) -> SiteContext:
        """The context at ``line`` of file ``i``."""
        self.decided()
        path = self.index.entries[i][0]
        if self.index.entries[i][3].get("unplaced"):
            return SiteContext("unknown", "main", Origin(
                "unknown", "this file's syntax is newer than the Python the linter runs on, so its calls "
                "are not in the call graph; it may run with a context", path, line), "medium")
        f = self.function_at(i, line)
        if f is None:
            summary = self.index.entries[i][3]
            module = self.index.entries[i][1]
            if module in summary.get("spans", ()):
                return SiteContext("yes", "main", Origin("span", "a span started at module level", path, line), "high")
            return SiteContext("no", "main", Origin("none", "module top level runs outside any span", path, line), "high")
        f = self._runs_as(f)
        if f in self.yes:
            origin_fn = self.yes[f]
            role, main_origin = self._role_and_origin(f)
            if role == "main" and main_origin is not None:
                origin_fn = main_origin  # the evidence names the origin that makes it run in the main process
            o = self.origins[origin_fn] or self.task_origin.get(origin_fn)
            if origin_fn == f:
                return SiteContext("yes", role, o, "high")
            return SiteContext("yes", role, Origin(o.kind, f"reached from {o.text}", o.path, o.line), "medium")
        if f in self.unknown:
            seeds = self._seeds(f)
            dead = self._dead_code(f, seeds)
            if dead is not None:
                return SiteContext("no", "main", dead, "high", runs=False)
            untraced = self._uninstrumented_callers(f, seeds)
            if untraced is not None:
                return SiteContext("no", "main", untraced, "high")
            untraced = self._untraced_examples(f, seeds) or self._untraced_model_callbacks(f, seeds)
            if untraced is not None:
                return SiteContext("no", "main", untraced, "high")
            made = self._made_without_context(f, seeds)
            if made is not None:
                return SiteContext("no", "main", made, "medium")
            seed = self._unknown_seed(f)
            i2, qname, row = self.fns[seed]
            if seed in self.registered or any(d in RECEIVER_DECORATORS for d in row[4]):
                text = f"`{_short(qname)}` is called by the code it is registered with (a signal, a hook, a callback)"
            else:
                text = f"nothing in the project calls `{_short(qname)}`"
            if seed != f:
                text += f", which reaches `{_short(self.fns[f][1])}`"
            return SiteContext("unknown", "main", Origin("unknown", text + "; it may run with a context",
                                                         self.index.entries[i2][0], row[2]), "medium")
        o = self.origins[f] or self.task_origin.get(f)
        if o is None:
            o = self._no_context_reason(f)
        return SiteContext("no", "main", o, "high")

    def _runs_as(self, f: int) -> int:
        """A nested function (a closure, a callback) nothing calls runs where its enclosing
        function does: the function whose context ``f`` has."""
        while True:
            if f in self.yes or f in self.unknown or self.callers[f] or self.origins[f] is not None \
                    or self.task_origin.get(f) is not None:
                return f
            i2, qname, _row = self.fns[f]
            parent = self.fn_ids.get((i2, qname.rsplit(".", 1)[0])) if "." in qname else None
            if parent is None:
                return f
            f = parent

    def in_background_loop(self, i: int, line: int) -> Optional[int]:
        """For a line nothing in the project calls with a known context: the service loop (a
        function running ``while True:``, ``while not stop.is_set():``) that every path from the
        uncalled code to it goes through, or None. Such a loop is started once and serves work
        that arrives later; a thread it starts carries no request's context (a consume loop's
        message context is CTX103's)."""
        f = self._unknown_function_at(i, line)
        if f is None:
            return None
        loops = self._loop_fns()
        # (whatever started the loop, the work it serves comes later)
        return self._on_every_path(f, loops.__contains__, lambda u: [c for c in self.callers[u] if c >= 0])

    def in_object_setup(self, i: int, line: int) -> Optional[Origin]:
        """For a line nothing in the project calls with a known context, in a method of a class:
        why it runs while an object of that class is set up, when every path from the code nothing
        in the project calls to it enters the class through one of its set-up methods
        (``SETUP_METHODS``: ``__init__``, ``__enter__``, ``start``, ``connect``, ``initialize``...)
        and stays in the class from there, or None. A thread, process or executor job the object
        starts as it is set up serves the object for its lifetime, not the unit of work of
        whoever set it up (work of another class that a set-up method calls is that class's)."""
        f = self._unknown_function_at(i, line)
        if f is None or (self.fns[f][0], self.fns[f][1].rpartition(".")[0]) not in self.classes:
            return None

        def callers_in_class(u: int) -> Optional[List[int]]:
            callers = [c for c in self.callers[u] if c >= 0 and c in self.unknown]  # (no context comes from the rest)
            return callers if all(self._same_class(c, f) for c in callers) else None

        # (whoever sets the object up, what it starts serves the object)
        found = self._on_every_path(f, lambda u: _sets_up(self.fns[u][1].rpartition(".")[2]), callers_in_class)
        if found is None:
            return None
        text = f"`{_short(self.fns[found][1])}` sets an object up"
        if found != f:
            text += f" and reaches `{_short(self.fns[f][1])}`"
        return Origin("none", text + ": what it starts serves the object for its lifetime, not the work of whoever "
                      "sets it up", self.index.entries[self.fns[found][0]][0], self.fns[found][2][2])

    def _unknown_function_at(self, i: int, line: int) -> Optional[int]:
        """The function whose context the line of file ``i`` has, when nothing in the project calls
        it with a known one; else None."""
        self.decided()
        f = self.function_at(i, line)
        if f is None:
            return None
        f = self._runs_as(f)
        return f if f in self.unknown else None

    def _on_every_path(self, f: int, covers: Callable[[int], bool],
                       callers_of: Callable[[int], Optional[List[int]]]) -> Optional[int]:
        """The function that ``covers`` holds for, first by path and line, that every path up the
        call graph from ``f`` (through ``callers_of``) goes through; None when some path gets past
        without one: it starts at code nothing calls, at a registration (handed to other code) or
        at module level, ``callers_of`` gives up on it (None), or the walk goes too far."""
        seen = {f}
        stack = [f]
        found = None
        while stack:
            u = stack.pop()
            if covers(u):
                found = u if found is None else min(found, u, key=self._rank)
                continue
            if u in self.registered or any(c < 0 for c in self.callers[u]):
                return None
            callers = callers_of(u)
            if not callers or not _push_unseen(stack, seen, callers, MAX_DEAD_WALK):
                return None
        return found

    def _loop_fns(self) -> set:
        """The functions that run a service loop (summary ``loops``), origins and tasks aside: a
        task that loops, monitoring its job, still runs one message's work."""
        if self._loops is None:
            loops = (self.fn_ids.get((j, q)) for j, entry in enumerate(self.index.entries) for q in entry[3].get("loops", ()))
            self._loops = {f for f in loops if f is not None and not self.is_task(f) and self.origins[f] is None
                           and self.task_origin.get(f) is None}
        return self._loops

    def _unknown_seed(self, f: int) -> int:
        """The function nothing in the project calls (or that is handed to other code) from which
        ``f`` is reached: the nearest by calls, ``f`` itself when it is one."""
        seen = {f}
        queue = [f]
        while queue:
            u = queue.pop(0)
            if not any(c >= 0 for c in self.callers[u]) or u in self.registered:
                return u
            for c in sorted((c for c in self.callers[u] if c >= 0), key=self._rank):
                if c not in seen and c in self.unknown:
                    seen.add(c)
                    queue.append(c)
        return f

    def _seeds(self, f: int) -> Optional[List[int]]:
        """The functions nothing in the project calls (or handed to other code) from which the
        unknown function ``f`` is reached: all of them, or None when one is an origin of its own,
        is called at module level, or the walk goes too far."""
        seeds: List[int] = []
        seen = {f}
        stack = [f]
        while stack:
            u = stack.pop()
            if self.origins[u] is not None or self.task_origin.get(u) is not None:
                return None  # an origin of its own (a task sent from outside the project)
            callers = [c for c in self.callers[u] if c >= 0]
            if len(callers) < len(self.callers[u]):
                return None  # called at module level
            if u in self.registered or not callers:
                seeds.append(u)
            for c in callers:
                if c not in seen and c in self.unknown:
                    seen.add(c)
                    stack.append(c)
            if len(seen) > MAX_DEAD_WALK:
                return None
        return seeds or None

    def _dead_code(self, f: int, seeds: Optional[List[int]]) -> Optional[Origin]:
        """Why ``f`` never runs, when every function nothing calls that reaches it (``seeds``,
        from :meth:`_seeds`) is dead code of an application (:meth:`_is_dead`); else None (it may
        be called with a context)."""
        if not seeds or any(u in self.registered or not self._is_dead(u) for u in seeds):
            return None  # handed to other code, or maybe API
        return self._seeds_origin(f, seeds, "nothing in the application calls or names", ": it is not run")

    def _uninstrumented_callers(self, f: int, seeds: Optional[List[int]]) -> Optional[Origin]:
        """Why ``f`` runs with no context when every function nothing in the project calls that
        reaches it (``seeds``) belongs to an application process that instruments nothing (no web
        framework, worker or library instrumentation, no launcher) and where no function starts a
        span: no trace context can exist there, whoever calls it. (A process with spans of its own
        keeps its uncalled functions unknown: a framework may call them inside one, as a GraphQL
        view's span holds its resolvers, and so may a table of handlers the project calls.)"""
        if not seeds:
            return None
        for u in seeds:
            j = self.fns[u][0]
            if not self.application(j) or self.observed(j) or self.web_traced(j, ()) or self.worker_traced(j) \
                    or self._spans_in_process(j):
                return None
        return self._seeds_origin(f, seeds, "nothing in the project calls",
                                  ", and its process starts no span and instruments no framework or library: "
                                  "no trace context exists there")

    def _untraced_examples(self, f: int, seeds: Optional[List[int]]) -> Optional[Origin]:
        """Why ``f`` runs with no context when every function nothing in the project calls that
        reaches it (``seeds``) belongs to an example or documentation program (``examples/``,
        ``docs_src/``: a program of its own, or a module of one) whose process sets no
        tracing up: no SDK or agent is imported, no launcher starts it, no instrumentation is
        enabled. The tracing API's spans record nothing there and carry no valid context, even
        where a library it imports has spans of its own (an optional telemetry middleware the
        example does not use)."""
        if not seeds or not all(self.untraced_example(self.fns[u][0]) for u in seeds):
            return None
        first = min(seeds, key=self._rank)
        name = os.path.basename(self.index.entries[self.fns[first][0]][0])
        return self._seeds_origin(f, seeds, "nothing in the project calls",
                                  f"; `{name}` is part of an example, and its process sets no "
                                  "tracing up (no SDK, agent, launcher or instrumentation): no trace context exists there")

    def _untraced_model_callbacks(self, f: int, seeds: Optional[List[int]]) -> Optional[Origin]:
        """Why ``f`` runs with no context when every function nothing in the project calls that
        reaches it (``seeds``) is one Django runs as a model is saved or in its admin site (a
        model's ``save``/``delete``, a ``ModelAdmin``'s methods: ``FRAMEWORK_CALLBACK_BASES``; a
        ``@receiver`` of a signal; a function of an ``admin.py``, an admin action), in a process
        that traces neither Django's requests nor its tasks, and where no function with a context
        saves a model (``MODEL_SAVE_METHODS``: no span of the project holds a save)."""
        if not seeds:
            return None
        for u in seeds:
            j = self.fns[u][0]
            if self.web_traced(j, ("django",)) or self.worker_traced(j) or not self._model_callback(u):
                return None  # (the cheap questions first: the last may read files in full)
        if self._saves_with_context(seeds):
            return None
        return self._seeds_origin(f, seeds, "nothing in the project calls",
                                  "; Django runs it as a model is saved or in its admin site, and this process traces "
                                  "neither Django's requests nor its tasks, and no code with a context saves a model: "
                                  "no trace context exists there")

    def _model_callback(self, u: int) -> bool:
        """Is ``u`` run by Django as a model is saved or by its admin site (see
        :meth:`_untraced_model_callbacks`)?"""
        i, qname, row = self.fns[u]
        owner, _, method = qname.rpartition(".")
        if (i, owner) in self.classes:
            self._complete_bases(i, owner)
            self._library_bases.pop((i, owner), None)  # (read before its bases' files were)
            for base in self.library_bases(i, owner) or ():
                methods = FRAMEWORK_CALLBACK_BASES.get(base)
                if methods is not None and (methods == "*" or method in methods):
                    return True
            return False
        if any(d in RECEIVER_DECORATORS for d in row[4]):
            return True
        return os.path.basename(self.index.entries[i][0]) == "admin.py" and owner == self.index.entries[i][1]

    def _complete_bases(self, i: int, cls: str, depth: int = 0) -> None:
        """Read in full the files defining the project's bases of ``cls`` (at any depth) that
        have only their cheap summary (``class Order(TimestampedModel)``, the base in a file
        that starts no span)."""
        row = self.classes.get((i, cls))
        if row is None or depth > 8:
            return
        for base in row[5]:
            split = self.index.split(base, i)
            if split is not None and self.index.entries[split[0]][3].get("lite"):
                self._complete(split[0])
            hit = self._class(i, base, depth + 1)
            if hit is not None:
                self._complete_bases(hit[0], hit[1], depth + 1)

    def _saves_with_context(self, seeds: List[int]) -> bool:
        """Does a function with a context, in a process that runs one of the ``seeds``, save or
        delete a model (``obj.save()``, ``Model.objects.create()``)? True when too many files
        would have to be read to tell."""
        files = sorted({self.fns[g][0] for g in self.yes})
        files = [k for k in files if any(self.same_process(self.fns[u][0], k) for u in seeds)]
        if len(files) > MAX_TELEMETRY_FILES:
            return True
        for k in files:
            for owner, _method, line in self.read_full(k).get("saves", ()):
                if self._fn(k, owner, line) in self.yes:
                    return True
        return False

    def _made_without_context(self, f: int, seeds: Optional[List[int]]) -> Optional[Origin]:
        """Why ``f`` runs with no context when every function nothing in the project calls that
        reaches it (``seeds``) is a method of a class of the project's own (no library base whose
        hook it could be) whose objects the project makes only where no context exists (a
        start-up function, module level): nothing the linter can follow calls the method, so the
        code holding such an object calls it (``self.consumer.poll()``), code its maker handed
        the object to. None otherwise."""
        if not seeds:
            return None
        makers: set = set()
        for u in seeds:
            cls = self._object_class(u)
            if cls is None:
                return None
            made = set(self.made.get(cls, ()))
            for sub in self._subclasses_of(cls):
                made |= self.made.get(sub, set())
            if not made or any(m >= 0 and (m in self.yes or m in self.unknown) for m in made):
                return None
            makers |= made
        maker = min(makers, key=lambda m: (1, "", 0, "") if m < 0 else (0,) + self._rank(m))
        if maker < 0:
            where, path, line = f"module level of {os.path.basename(self.index.entries[-1 - maker][0])}", \
                self.index.entries[-1 - maker][0], 0
        else:
            where, path, line = f"`{_short(self.fns[maker][1])}`", self.index.entries[self.fns[maker][0]][0], \
                self.fns[maker][2][2]
        first = min(seeds, key=self._rank)
        text = (f"nothing the linter can follow calls `{_short(self.fns[first][1])}`"
                + (f", which reaches `{_short(self.fns[f][1])}`" if first != f else "")
                + f"; the objects it is a method of are made only where no context exists ({where}), so the code "
                  "they are handed to calls it, at start-up or in a loop of its own")
        return Origin("none", text, path, line)

    def _object_class(self, f: int) -> Optional[Tuple[int, str]]:
        """The class of the project whose method ``f`` is, when only the project's code can call
        it: no dunder but ``__init__``, nothing registers it, and no base of the class is a
        library's whose hook it could be."""
        i, qname, row = self.fns[f]
        owner, _, name = qname.rpartition(".")
        if (i, owner) not in self.classes or f in self.registered or row[4] or name.startswith("__"):
            return None
        return (i, owner) if self._project_class(i, owner, name) else None

    def _subclasses_of(self, cls: Tuple[int, str]) -> List[Tuple[int, str]]:
        """The project's classes that derive from ``cls``, at any depth."""
        if self._subclasses is None:
            direct: Dict[Tuple[int, str], List[Tuple[int, str]]] = {}
            for key, row in self.classes.items():
                for base in row[5]:
                    hit = self._class(key[0], base, 1)
                    if hit is not None:
                        direct.setdefault(hit, []).append(key)
            self._subclasses = direct
        out, stack = [], list(self._subclasses.get(cls, ()))
        while stack:
            c = stack.pop()
            if c not in out and c != cls:
                out.append(c)
                stack.extend(self._subclasses.get(c, ()))
        return out

    def _seeds_origin(self, f: int, seeds: List[int], lead: str, tail: str) -> Origin:
        """``lead `seed`, which reaches `f`tail``, at the first seed by path and line."""
        first = min(seeds, key=self._rank)
        i, qname, row = self.fns[first]
        text = f"{lead} `{_short(qname)}`"
        if first != f:
            text += f", which reaches `{_short(self.fns[f][1])}`"
        return Origin("none", text + tail, self.index.entries[i][0], row[2])

    def _rank(self, f: int) -> tuple:
        """A function's place for choosing among equals: its file's path, its line, its name."""
        i, qname, row = self.fns[f]
        return self.index.entries[i][0], row[2], qname

    def _spans_in_process(self, j: int) -> bool:
        """Does some function of a process that runs module ``j`` start a span?"""
        hit = self._process_spans.get(j)
        if hit is None:
            if self._span_fns is None:
                self._span_fns = sorted({self.fns[g][0] for g, o in enumerate(self.origins)
                                         if o is not None and o.kind == "span"})
            hit = self._process_spans[j] = any(self.same_process(j, k) for k in self._span_fns)
        return hit

    def _is_dead(self, f: int) -> bool:
        """A function of an application that no code of the project calls or names, that no
        decorator registers and that overrides no framework's method: nothing runs it (a
        library's function nothing in it calls is its API, and stays unknown)."""
        if f in self._dead:
            return self._dead[f]
        self._dead[f] = False  # (a cycle of enclosing functions)
        i, qname, row = self.fns[f]
        owner, _, name = qname.rpartition(".")
        # (`@staticmethod`/`@classmethod` register nothing)
        registered = any(d.rsplit(".", 1)[-1] not in PLAIN_METHOD_DECORATORS for d in row[4])
        live = registered or self.origins[f] is not None or self.task_origin.get(f) is not None or self.is_task(f) \
            or not self.application(i)
        if live:
            dead = False
        elif (i, owner) in self.classes and self._unnamed_class(i, owner):
            dead = True  # a class nothing makes or names: none of its methods runs
        elif (i, owner) not in self.classes and (i, owner) in self.fn_ids:
            # a nested function runs where its enclosing one hands it: never, if that one never runs
            dead = self._is_dead(self.fn_ids[(i, owner)])
        else:
            dead = not name.startswith("__") and ((i, owner) not in self.classes or self._project_class(i, owner, name)) \
                and not self.named_elsewhere(i, qname)
        self._dead[f] = dead
        return dead

    def _unnamed_class(self, i: int, cls: str) -> bool:
        """A class of an application whose bases are the project's or inert standard-library ones
        and that no code of the project names (no call makes it, no subclass, table or string names
        it): nothing makes an object of it."""
        hit = self._dead_classes.get((i, cls))
        if hit is None:
            bases = self.library_bases(i, cls)
            hit = bases is not None and all(base in INERT_BASES for base in bases) \
                and not self.named_elsewhere(i, cls)
            self._dead_classes[(i, cls)] = hit
        return hit

    def _project_class(self, i: int, cls: str, method: str) -> bool:
        """Does no code outside the project call ``method`` of the class by name: its bases are the
        project's own, or standard-library classes whose hooks it is not (``INERT_BASES``)?"""
        bases = self.library_bases(i, cls)
        return bases is not None and all(base in INERT_BASES and method not in INERT_BASES[base] for base in bases)

    def _no_context_reason(self, f: int) -> Origin:
        i, qname, row = self.fns[f]
        seen = {f}
        stack = [f]
        while stack:
            u = stack.pop()
            if u < 0:
                j = -1 - u
                return Origin("none", f"`{_short(qname)}` is called only where no context exists (from module level of {os.path.basename(self.index.entries[j][0])})", self.index.entries[j][0], 0)
            o = self.origins[u] or self.task_origin.get(u)
            if o is not None and u != f:
                return Origin("none", f"`{_short(qname)}` is called only where no context exists ({o.text})", o.path, o.line)
            for c in self.callers[u]:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return Origin("none", f"`{_short(qname)}` is called only where no context exists", self.index.entries[i][0], row[2])

    def _role_and_origin(self, f: int) -> Tuple[str, Optional[int]]:
        """``worker`` when only tasks' contexts reach ``f``: it runs in a task worker; else
        ``main``, with the origin outside any task that reaches it (None when none does)."""
        seen = {f}
        stack = [f]
        found_task = False
        while stack:
            u = stack.pop()
            o = self.origins[u]
            if o is not None and o.kind in ("span", "route") and not self._inside_task(u):
                return "main", u
            if self.task_origin.get(u) is not None:
                found_task = True
                continue
            for c in sorted((c for c in self.callers[u] if c >= 0), key=self._rank, reverse=True):
                if c not in seen and (c in self.yes):
                    seen.add(c)
                    stack.append(c)
        return ("worker" if found_task else "main"), None

    def _inside_task(self, f: int) -> bool:
        """A span started by code that only tasks call still runs in the worker."""
        seen = {f}
        stack = [f]
        callers_seen = False
        while stack:
            u = stack.pop()
            if self.task_origin.get(u) is not None or self.is_task(u):
                continue
            live = [c for c in self.callers[u] if c >= 0]
            if not live:
                return False
            callers_seen = True
            for c in live:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return callers_seen


def _push_unseen(stack: list, seen: set, nodes, limit: int) -> bool:
    """Push the ``nodes`` not ``seen`` yet on a walk's ``stack``; False once more than ``limit``
    are seen (the walk goes too far to tell)."""
    for c in nodes:
        if c not in seen:
            seen.add(c)
            stack.append(c)
            if len(seen) > limit:
                return False
    return True


def _sets_up(name: str) -> bool:
    """Is ``name`` a method that sets an object up (``SETUP_METHODS``, also with one leading
    underscore: ``_start``)?"""
    return name in SETUP_METHODS or name.startswith("_") and not name.startswith("__") and name[1:] in SETUP_METHODS


def _in_main_block(summary: dict, line: int) -> bool:
    """Is ``line`` inside the file's ``if __name__ == "__main__":`` block (after its test)?"""
    return summary.get("main", 0) < line <= summary.get("main_end", 0)


def _trivial_call(ref: str) -> bool:
    """A call that records nothing and stands for no work: a builtin (``print``, ``len``), a
    logger's method, ``time.sleep``."""
    ref = ref[2:] if ref.startswith("()") else ref  # `logging.getLogger(__name__).info(...)`
    if "." not in ref:
        return ref in _BUILTINS
    head = ref.rpartition(".")[0]
    return head.split(".")[0] in _LOGGING_ROOTS or head.rsplit(".", 1)[-1] in _LOGGING_ROOTS \
        or ref in ("time.sleep", "asyncio.sleep")


_BUILTINS = frozenset(dir(builtins))
_LOGGING_ROOTS = frozenset(LOGGER_NAMES + ("structlog", "loguru"))


def _named_in(qname: str, names: set) -> bool:
    """Is the task ``qname`` one of ``names`` (task names in a beat schedule)? A worker names a
    task by its module as the worker imports it: ``integration.tasks.sync`` is the project's
    ``app.integration.tasks.sync`` when the worker runs from ``app/``."""
    parts = qname.split(".")
    return any(".".join(parts[k:]) in names for k in range(len(parts) - 1))


# The web frameworks a module's routes belong to, by what it imports (``@router.post`` in a file
# that imports FastAPI is a FastAPI route): the names of the ``server:`` rows that trace them.
WEB_FRAMEWORK_IMPORTS = {
    "fastapi": ("fastapi", "starlette"), "starlette": ("starlette",), "flask": ("flask",),
    "aiohttp": ("aiohttp",), "tornado": ("tornado",), "falcon": ("falcon",), "pyramid": ("pyramid",),
    "django": ("django",), "rest_framework": ("django",), "ninja": ("django",), "grpc": ("grpcio", "grpc"),
    "sanic": ("sanic",), "quart": ("quart",), "litestar": ("litestar",), "bottle": ("bottle",),
}


def web_frameworks(summary: dict) -> Tuple[str, ...]:
    """The web frameworks whose routes a module defines, by its imports; ``()`` when it imports
    none (its router comes from a project module: any traced framework may serve it)."""
    out: List[str] = []
    for imp in summary.get("imports", ()):
        for name in WEB_FRAMEWORK_IMPORTS.get(imp.split(".")[0], ()):
            if name not in out:
                out.append(name)
    return tuple(out)


def _short(qname: str) -> str:
    parts = qname.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 and parts[-2][:1].isupper() else parts[-1]


def promotions(index: ModuleIndex, candidates: Sequence[int]) -> List[int]:
    """Of the files ``candidates`` (skipped by the prefilter), those that define a task or enqueue
    one of the project's tasks, through any number of imports and re-exports (``from shop
    import tasks; tasks.sync.delay()``, a task decorated by ``@app.task`` with ``app`` imported
    from the project's Celery module, ``function.delay()`` in a helper handed a task): their
    publishes are judged only if they are analysed."""
    defs = Definitions(index)
    out = []
    for i in candidates:
        if any(defs.is_task(f) for f in defs.file_fns[i]):
            out.append(i)
            continue
        if any(defs.handed_tasks(qname) for qname, _param in index.entries[i][3].get("param_sends", ())):
            out.append(i)  # `function.delay()` in a helper some caller hands a task
            continue
        for _caller, ref, _line in index.entries[i][3].get("calls", ()):
            if defs.task_of_producer(i, ref) is not None:
                out.append(i)
                break
    return out
