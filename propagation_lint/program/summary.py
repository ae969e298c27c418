"""One file's contribution to the whole-program model, read with CPython's ``ast``.

A pure function of the file's text, its module name and whether it is a package (so it is cached
with the rest of the file's result and ``--jobs`` stays exact). It is computed for every file,
also those the prefilter skips (they never reach libcst): a view that only calls a project helper
still decides whether the helper's publish runs with a context.

The summary is plain JSON-able data:

- ``imports``: project-or-library modules this file imports (absolute dotted names), and
  ``strings``: dotted names in string literals (``"shop.settings"``, ``"shop.urls"``,
  ``"shop.app:create_app"``: framework configuration imports by name);
- ``defs``: ``[qname, kind, line, end_line, decorators, bases, decorator arguments]`` for every
  function and class (as resolved references, see below: ``@receiver(post_migrate)`` has the
  decorator ``django.dispatch.receiver`` and the argument ``django.db.models.signals.post_migrate``);
- ``passes``: ``[qname, position, name]``: the function returns that parameter converted
  (``[(k, v.encode()) for k, v in carrier.items()]``): a carrier handed in comes back out;
- ``withs``: ``[owner, ref]``: calls used as context managers (a project wrapper that starts a
  span makes its block a span); ``task_names``: strings under a ``"task"`` key (beat schedules);
- ``named_tasks``: ``[qname, name]``: a task registered under another name (``@app.task(name="x")``);
  ``sent_tasks``: ``[caller, name, line]``: tasks sent by name (``app.send_task("x")``,
  ``signature("x")``), resolved to the project's task of that registered name by the model;
  ``param_sends``: ``[function, parameter]``: ``function.delay()`` on a parameter (a helper that
  publishes whatever task its callers hand it);
- ``calls``: ``[caller, ref, line]``: every call whose callee could be named. ``caller`` is the
  qualified name of the innermost function (the module name for top-level code); ``ref`` is the
  callee as far as imports and local assignments tell: ``pkg.mod.func``, ``pkg.mod.Class.method``
  (``self.method()``, ``Class.objects.create(...).method()`` assigned to a local first),
  ``pkg.mod.task.delay``; a callee the file cannot qualify is left out;
- ``spans``: functions (or the module) that start a span themselves (a ``start_as_current_span``
  / ``start_span`` / ``start_active_span`` / ddtrace ``trace`` call, or such a decorator);
  ``span_blocks``: ``[function, first line, last line]``: its ``with <span start>:`` blocks, for a
  function whose every span is one (its other lines run in its callers' context);
- ``refs``: ``[caller, ref, line]``: functions passed as values (``path("x/", views.f)``,
  ``signal.connect(f)``, ``Thread(target=f)``), with the call they were passed to;
- ``main``: the line of ``if __name__ == "__main__":`` (0 without one), ``main_end`` the block's last line (full summaries only);
- ``assigns``: module-level ``name = Callee(...)`` as ``{name: callee ref}`` (``app = Celery()``);
- ``tracing``: the file imports a tracing library (not only its metrics or logs);
- ``contextvars``: the file imports ``contextvars``.
"""
from __future__ import annotations

import ast
import gc
import re
from typing import Dict, List, Optional

from ..catalog.classes import MODEL_SAVE_METHODS, MODEL_SAVE_NO_POSITIONAL
from ..catalog.publishers import DISTINCT_TASK_METHODS, TASK_ACCESSOR_METHODS
from ..catalog.threads import SERVICE_WAIT_METHODS
from ..catalog.tracing import SPAN_DECORATOR_METHODS, SPAN_METHOD_LIBRARY, SPAN_START_METHODS, is_trace_import

VERSION = 12
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*)?$")
_SPAN_METHODS = frozenset(SPAN_START_METHODS) | frozenset(SPAN_DECORATOR_METHODS)
_DOTTED_OR_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
# Settings that list modules by name (Django's INSTALLED_APPS and the lists it is built from,
# MIDDLEWARE; Celery's CELERY_IMPORTS / imports / include): their entries are imports.
MODULE_LIST_NAMES = ("APPS", "MIDDLEWARE", "IMPORTS", "INCLUDE")
# Calls that register a function as a command-line command on an object the file may not type:
# argparse's `subparser.set_defaults(func=run)`, dispatched later by `args.func(args)`
CLI_REGISTRATIONS = ("set_defaults",)


# --------------------------------------------------------------------------- the cheap summary
# A file the prefilter skipped is summarised by regular expressions first: its imports, the module
# names in its strings, its __main__ block. Its calls (the costly part: a walk of CPython's tree)
# are read only when the project pass asks for them (`program/model.py`: a function of the project
# with a candidate finding is named in the file), or when it defines or enqueues a task.
# bases written as builtins' names (`class Job(object)`), recorded as `builtins.object`
_BUILTIN_BASES = frozenset(("object", "Exception", "BaseException"))
_BUILTIN_DECORATORS = frozenset(("staticmethod", "classmethod", "property"))
_QUOTED_DOTTED = re.compile(r"[\"']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*)?)[\"']")
_MODULE_LIST = re.compile(r"^[ \t]*(\w*(?:APPS|MIDDLEWARE|IMPORTS|INCLUDE)\w*)[ \t]*=[ \t]*[\[(]([^\])]*)", re.M | re.I)
_QUOTED_NAME = re.compile(r"[\"']([A-Za-z_][\w.]*)[\"']")
_MAIN = re.compile(r"^if[ \t]+__name__[ \t]*==[ \t]*[\"']__main__[\"'][ \t]*:", re.M)
# `obj.publish_ticket(`: a method called on an object the file may not type (names with a `_`)
_METHOD_CALL = re.compile(r"\.([A-Za-z]\w*_\w*)\s*\(")


_FULL_WORDS = (".delay(", ".apply_async(", ".s(", ".si(", ".signature(", ".kiq(", ".send_with_options(", ".send_task(",
               "start_as_current_span", "start_span", "start_active_span", "tracer.trace(", "Instrumentor",
               "instrument(", "beat_schedule", "BEAT_SCHEDULE", "logfire.span(")
# decorators whose ``name=`` registers a task under that name; calls that send a task by its name
_TASK_DECORATOR_NAMES = ("task", "shared_task", "actor")
_SEND_BY_NAME = ("send_task", "signature")
_TASK_DECORATOR = re.compile(r"@\w*\.?(?:task|shared_task|actor|periodic_task)\b")
# Words of files that name modules in strings (framework configuration, dynamic imports)
_CONFIG_WORDS = ("_APPS", "ROOT_URLCONF", "SETTINGS_MODULE", "_APPLICATION", "MIDDLEWARE", "IMPORTS",
                 "autodiscover", "import_module", "import_string", "urlconf", "config_from_object", "include=",
                 "beat_schedule", "BEAT_SCHEDULE", "send_task")


def _probed(words: tuple, probes: tuple) -> tuple:
    """``words`` as ``(probe, words holding it)`` groups: each probe is searched for once, and the
    words it stands for only when it is there (a text without ``_span`` holds none of the three
    span-starting names). The words that start with ``.`` (method calls, ``.delay(``) are one
    pattern that starts with ``.``, searched for in one pass (a pattern that starts with a literal
    is); any other word no probe covers is its own probe."""
    groups: list = [(p, tuple(w for w in words if p in w)) for p in probes]
    assert all(ws for _p, ws in groups), probes
    covered = {w for _p, ws in groups for w in ws}
    calls = [w for w in dict.fromkeys(words) if w.startswith(".") and w not in covered]
    if calls:
        pattern = re.compile(r"\.(?:%s)" % "|".join(re.escape(w[1:]) for w in sorted(calls, key=len, reverse=True)))
        groups.insert(0, (pattern, tuple(calls)))
        covered.update(calls)
    return tuple(groups) + tuple((w, (w,)) for w in dict.fromkeys(words) if w not in covered)


def _holds_any(text: str, groups: tuple) -> bool:
    """Does ``text`` hold one of the words of :func:`_probed` groups?"""
    for probe, words in groups:
        if type(probe) is not str:
            if probe.search(text):
                return True
        elif probe in text and (words == (probe,) or any(w in text for w in words)):
            return True
    return False


_FULL_GROUPS = _probed(_FULL_WORDS, ("_span", "nstrument"))
_CONFIG_GROUPS = _probed(_CONFIG_WORDS, ("_APP", "import_"))


def needs_full_summary(text: str) -> bool:
    """A file that defines or enqueues a task (its calls decide promotions and tasks' producers),
    starts a span (a wrapper others use) or enables an instrumentation (where it runs matters):
    its calls are read now, whoever asks."""
    if _holds_any(text, _FULL_GROUPS):
        return True
    return "task" in text and "@" in text and bool(_TASK_DECORATOR.search(text))


def lite_summary(text: str, module: str, is_package: bool, rows: List[list]) -> dict:
    """Imports, configuration strings, ``__main__`` and tracing; ``lite`` marks it for
    :func:`summarize` on demand. ``rows``: the file's imports as the engine's prefilter already
    read them (``engine.imported_names``: ``[level, module, name]``), so they are read once."""
    imports: List[str] = []
    tracing = contextvars = False
    aliases: Dict[str, str] = {}
    packages: Dict[int, str] = {}  # level -> the package a relative import of that level starts from
    for level, base, name in rows:
        if level:
            pkg = packages.get(level)
            if pkg is None:
                pkg = packages[level] = _base_package(module, is_package, level)
            base = _under(pkg, base)
        else:
            tracing = tracing or is_trace_import(f"{base}.{name}" if name else base)
            contextvars = contextvars or base == "contextvars"
        if base:
            imports.append(base)
        if name:
            imports.append(f"{base}.{name}" if base else name)
            aliases[name] = f"{base}.{name}" if base else name
    strings: set = set()
    if _holds_any(text, _CONFIG_GROUPS):  # configuration names modules in strings
        strings = {m.group(1) for m in _QUOTED_DOTTED.finditer(text) if len(m.group(1)) < 200}
        for m in _MODULE_LIST.finditer(text):
            strings.update(n.group(1) for n in _QUOTED_NAME.finditer(m.group(2)))
    out: dict = {"v": VERSION, "lite": True}
    if imports:
        out["imports"] = sorted(set(imports))
    if strings:
        out["strings"] = sorted(strings)
    main = _MAIN.search(text) if "__main__" in text else None
    if main:
        out["main"] = text.count("\n", 0, main.start()) + 1
    if tracing:
        out["tracing"] = True
    if contextvars:
        out["contextvars"] = True
    if aliases:
        out["aliases"] = aliases
    methods = {m for m in set(_METHOD_CALL.findall(text)) if distinctive(m)}
    if methods:
        out["methods"] = sorted(methods)
    return out


# The shape of each key, for :func:`checked` (a cache entry is data from disk: never trusted blindly).
_S, _I = str, int
_SHAPES = {
    "imports": [_S], "strings": [_S], "methods": [_S], "spans": [_S], "task_names": [_S], "loops": [_S],
    "defs": [(_S, _S, _I, _I, [_S], [_S], [_S])], "calls": [(_S, _S, _I)], "refs": [(_S, _S, _I, _S)],
    "withs": [(_S, _S)], "span_blocks": [(_S, _I, _I)], "passes": [(_S, _I, _S)], "assigns": {_S: _S}, "aliases": {_S: _S},
    "named_tasks": [(_S, _S)], "sent_tasks": [(_S, _S, _I)], "param_sends": [(_S, _S)], "saves": [(_S, _S, _I)],
    "main": _I, "main_end": _I, "tracing": bool, "contextvars": bool, "v": _I, "lite": bool, "unplaced": bool,
}


def _fits(value, shape) -> bool:
    if isinstance(shape, type):
        return isinstance(value, shape) and (shape is bool or not isinstance(value, bool))
    if isinstance(shape, list):
        return isinstance(value, list) and all(_fits(v, shape[0]) for v in value)
    if isinstance(shape, tuple):
        return isinstance(value, list) and len(value) == len(shape) and all(_fits(v, s) for v, s in zip(value, shape))
    if isinstance(shape, dict):
        (ks, vs), = shape.items()
        return isinstance(value, dict) and all(_fits(k, ks) and _fits(v, vs) for k, v in value.items())
    return False


def _strings(value) -> bool:
    return type(value) is list and all(type(x) is str for x in value)


def _fits_fast(value, shape) -> bool:
    """:func:`_fits`, first trying whether every value has exactly the type of its place (what
    JSON and the summary give): a row that does fits; any other is asked of :func:`_fits`."""
    if type(shape) is list and type(value) is list:
        inner = shape[0]
        if inner is str:
            return all(type(x) is str for x in value) or _fits(value, shape)
        if type(inner) is tuple:
            exact = tuple(list if type(t) is list else t for t in inner)
            nested = [k for k, t in enumerate(inner) if type(t) is list]
            for row in value:
                if type(row) is list and tuple(map(type, row)) == exact and all(_strings(row[k]) for k in nested):
                    continue
                if not _fits(row, inner):
                    return False
            return True
    return _fits(value, shape)


def checked(summary) -> dict:
    """``summary`` when it has the shape :func:`summarize` gives, else an empty summary."""
    if not isinstance(summary, dict) or summary.get("v") != VERSION:
        return {}
    for key, value in summary.items():
        shape = _SHAPES.get(key)
        if shape is None or not _fits_fast(value, shape):
            return {}
    return summary


# Syntax newer than the Python the linter runs on, which libcst reads: PEP 758's
# `except A, B:` (3.14; `ruff format` writes it for that target) and PEP 695's `type X = ...`,
# `def f[T](...)`, `class C[T]:` (3.12). Each is a syntax error in the older Python, so code that
# parses is never rewritten; the rewrite keeps every line where it was (a summary holds lines).
_EXCEPT_BARE_TUPLE = re.compile(r"^([ \t]*except\*?[ \t]+)((?:(?![ \t]as[ \t])[^\n#:])*,(?:(?![ \t]as[ \t])[^\n#:])*?)([ \t]*:)",
                                re.M)
_TYPE_ALIAS = re.compile(r"^([ \t]*)type[ \t]+([A-Za-z_]\w*)[ \t]*(?:\[[^\n=]*\])?[ \t]*=(?!=)", re.M)
_TYPE_PARAMS = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+[A-Za-z_]\w*[ \t]*\[", re.M)


def _older_syntax(text: str) -> str:
    """``text`` with the newer syntax above written the way older Python reads it."""
    if "except" in text:
        text = _EXCEPT_BARE_TUPLE.sub(r"\1(\2)\3", text)
    if "type" in text:
        text = _TYPE_ALIAS.sub(r"\1\2 =", text)
    out: List[str] = []
    last = 0
    for m in _TYPE_PARAMS.finditer(text):  # drop the balanced `[...]` of the type parameters
        depth, end = 0, m.end() - 1
        while end < len(text) and text[end] != "\n":
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            end += 1
            if depth == 0:
                break
        if depth == 0:
            out.append(text[last:m.end() - 1])
            last = end
    out.append(text[last:])
    return "".join(out)


def parse_python(text: str) -> Optional[ast.AST]:
    """CPython's tree of the file, or None when CPython cannot read it even with the newer syntax
    it lacks (:func:`_older_syntax`) rewritten."""
    import warnings

    with warnings.catch_warnings():  # "invalid escape sequence" and the like: not ours to say
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except SyntaxError:
            pass
        except (ValueError, RecursionError, MemoryError, OverflowError):
            return None
        older = _older_syntax(text)
        if older == text:
            return None
        try:
            return ast.parse(older)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return None


def summarize(text: str, module: str, is_package: bool, tree: Optional[ast.AST] = None,
              focus: Optional["re.Pattern[str]"] = None) -> dict:
    """The file's summary; an empty one when CPython cannot parse it. With ``focus`` (asked by
    the project pass about some names), the bodies of functions whose text matches nothing of it
    are not walked: their rows are kept, their calls cannot concern those names.

    Python's cyclic collector is paused meanwhile: the tree and the rows hold no reference cycle
    (reference counting frees them), yet the parse's allocations would trigger collections that
    walk everything the run keeps."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        if tree is None:
            tree = parse_python(text)
            if tree is None:
                return {}
        try:
            builder = _Summary(module, is_package)
            if focus is not None:
                builder.focus = focus
                builder.lines = text.splitlines(keepends=True)
            builder.run(tree)
        except RecursionError:
            return {}
        return builder.result()
    finally:
        if enabled:
            gc.enable()


def _absolute(module: str, is_package: bool, level: int, base: str) -> str:
    """The module a relative import (``from ..x import y``: ``level`` 2, ``base`` ``x``) names."""
    return _under(_base_package(module, is_package, level), base)


def _under(pkg: str, base: str) -> str:
    return f"{pkg}.{base}" if pkg and base else (pkg or base)


def _base_package(module: str, is_package: bool, level: int) -> str:
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: max(0, len(parts) - (level - 1))]
    return ".".join(parts)


class _Summary:
    def __init__(self, module: str, is_package: bool):
        self.module = module
        self.is_package = is_package
        self.focus: Optional["re.Pattern[str]"] = None
        self.lines: List[str] = []
        self.aliases: Dict[str, str] = {}  # local name -> qualified target (module level imports)
        self.imports: List[str] = []
        self.strings: List[str] = []
        self.defs: List[list] = []
        self.calls: List[list] = []
        self.refs: List[list] = []
        self.spans: List[str] = []
        self.withs: List[list] = []  # [owner, ref]: calls used as context managers
        # [owner, first line, last line]: the body of a `with <span start>:` block; kept only for
        # owners whose every span is such a block (`unscoped` holds the others)
        self.span_blocks: List[list] = []
        self.scoped: set = set()  # ids of the span-start calls of those blocks
        self.span_managers: Dict[str, set] = {}  # owner -> names bound to a span's context manager
        self.unscoped: set = set()
        self.task_names: List[str] = []  # strings under a "task" key: {"task": "shop.tasks.sync", ...}
        self.named_tasks: List[list] = []  # [qname, name]: @app.task(name="shop.sync")
        self.sent_tasks: List[list] = []  # [caller, name, line]: app.send_task("shop.sync", ...)
        self.param_sends: List[list] = []  # [function, parameter]: `function.delay()` on a parameter
        self.saves: List[list] = []  # [function, method, line]: `obj.save()`, `Model.objects.create()`
        self.params: Dict[str, set] = {}  # function qname -> its parameters' names (not self/cls)
        self.returns: Dict[str, list] = {}  # function qname -> its `return` values (for `passes`)
        self.passes: List[list] = []  # [qname, position, name]: returns a conversion of that parameter
        self.assigns: Dict[str, str] = {}
        self.loops: List[str] = []  # functions that run a service loop (`while True:`, `while not stop.is_set():`)
        self.main = 0
        self.main_end = 0  # the last line of the `if __name__ == "__main__":` block
        self.tracing = False
        self.contextvars = False
        self.top_names: set = set()  # names defined at module level (functions, classes)
        self.children: Dict[str, set] = {}  # function qname -> names of the defs nested in it

    def result(self) -> dict:
        out: dict = {"v": VERSION}
        for key in ("imports", "strings", "defs", "calls", "refs", "spans", "assigns", "aliases", "withs", "task_names",
                    "passes", "named_tasks", "sent_tasks", "param_sends", "loops", "saves"):
            value = getattr(self, key)
            if value:
                out[key] = sorted(set(value)) if key in ("imports", "strings", "spans", "task_names", "loops") else value
        blocks = [b for b in self.span_blocks if b[0] not in self.unscoped]
        if blocks:
            out["span_blocks"] = blocks
        if self.main:
            out["main"] = self.main
            out["main_end"] = self.main_end
        if self.tracing:
            out["tracing"] = True
        if self.contextvars:
            out["contextvars"] = True
        return out

    def qualify_module(self, name: str) -> str:
        return f"{self.module}.{name}" if self.module else name

    # ------------------------------------------------------------------ walk
    def run(self, tree: ast.AST) -> None:
        body = getattr(tree, "body", [])
        for stmt in body:  # names defined at the top, for references before their definition
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.top_names.add(stmt.name)
        self._block(body, self.module, None, self.aliases, top=True)

    def _import(self, stmt, local: Dict[str, str], top: bool) -> None:
        if top:
            local = self.aliases  # module-level imports are what other modules can import from here
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                self.imports.append(a.name)
                self.tracing = self.tracing or is_trace_import(a.name)
                self.contextvars = self.contextvars or a.name == "contextvars"
                if a.asname:
                    local[a.asname] = a.name
                else:
                    root = a.name.split(".")[0]
                    local[root] = root
        else:
            base = stmt.module or ""
            if stmt.level:
                base = _absolute(self.module, self.is_package, stmt.level, base)
            else:
                self.tracing = self.tracing or any(is_trace_import(f"{base}.{a.name}") for a in stmt.names)
                self.contextvars = self.contextvars or base == "contextvars"
            if base:
                self.imports.append(base)
            for a in stmt.names:
                if a.name == "*":
                    continue
                target = f"{base}.{a.name}" if base else a.name
                local[a.asname or a.name] = target
                self.imports.append(target)  # `from svc import publisher`: a module, maybe

    def _block(self, body, owner: str, cls: Optional[str], local: Dict[str, str], top: bool = False) -> None:
        for stmt in body:
            self._stmt(stmt, owner, cls, local, top)

    def _stmt(self, stmt, owner: str, cls: Optional[str], local: Dict[str, str], top: bool) -> None:
        t = type(stmt)  # exact types, as in _expr
        if t is _EXPR:  # the commonest statement: a call on its own
            self._expr(stmt.value, owner, cls, local)
            return
        if t is _IMPORT or t is _IMPORT_FROM:
            self._import(stmt, local, top)
            return
        if t is _FUNCTION_DEF or t is _ASYNC_FUNCTION_DEF:
            self.children.setdefault(owner, set()).add(stmt.name)
            self._function(stmt, owner, cls, local, self_class=local.get("__self__") or "")  # closures keep `self`
            return
        if t is _CLASS_DEF:
            qname = f"{owner}.{stmt.name}" if owner else stmt.name
            bases = [self._ref(b, owner, cls, local)
                     or ("builtins." + b.id if type(b) is _NAME and b.id in _BUILTIN_BASES else "?") for b in stmt.bases]
            decorators = [self._ref(d.func if type(d) is _CALL else d, owner, cls, local) or "?" for d in stmt.decorator_list]
            self.defs.append([qname, "class", stmt.lineno, getattr(stmt, "end_lineno", stmt.lineno), decorators, bases, []])
            for d in stmt.decorator_list:
                self._expr(d, owner, cls, local)
            for stmt2 in stmt.body:
                if type(stmt2) is _FUNCTION_DEF or type(stmt2) is _ASYNC_FUNCTION_DEF:
                    self._function(stmt2, qname, None, local, self_class=qname)
                else:
                    self._stmt(stmt2, qname, qname, local, False)
            return
        if top and t is _IF and _is_main_test(stmt.test):
            self.main = stmt.lineno
            self.main_end = stmt.end_lineno or stmt.lineno
            self._block(stmt.body, self.module, cls, local)
            self._block(stmt.orelse, self.module, cls, local)
            return
        if t is _ASSIGN and len(stmt.targets) == 1 and type(stmt.targets[0]) is _NAME:
            # `cm = tracer.start_as_current_span(...)` (or `... if tracer else nullcontext()`): a
            # context manager that starts its span when a `with` enters it
            value = stmt.value
            calls = [value.body, value.orelse] if type(value) is ast.IfExp else [value]
            found = [c for c in calls if type(c) is _CALL and _span_start(c)]
            if found:
                self.span_managers.setdefault(owner, set()).add(stmt.targets[0].id)
                self.scoped.update(id(c) for c in found)
        if t is _ASSIGN or t is _ANN_ASSIGN:
            value = stmt.value
            if t is _ASSIGN and (type(value) is _LIST or type(value) is _TUPLE) and any(
                    type(x) is _NAME and any(w in x.id.upper() for w in MODULE_LIST_NAMES) for x in stmt.targets):
                # LOCAL_APPS = ["orders", "billing"], CELERY_IMPORTS = ("shop.tasks",): modules by name
                self.strings.extend(e.value for e in value.elts if type(e) is _CONSTANT
                                    and isinstance(e.value, str) and _DOTTED_OR_NAME.match(e.value))
            if type(value) is _CALL:
                targets = stmt.targets if t is _ASSIGN else [stmt.target]
                ref = self._instance_ref(value, owner, cls, local)
                for target in targets:
                    if type(target) is _NAME and ref:
                        if top:
                            self.assigns[target.id] = ref
                        else:
                            local[target.id] = "()" + ref  # an instance of ref (or what ref returns)
        elif t is _RETURN:
            if stmt.value is not None:
                self.returns.setdefault(owner, []).append(stmt.value)
        elif t is _WITH or t is _ASYNC_WITH:
            for item in stmt.items:
                call = item.context_expr
                if type(call) is _NAME and call.id in self.span_managers.get(owner, ()):
                    # `cm = tracer.start_as_current_span(...)` earlier, then `with cm:`: the span
                    # starts where the block is entered
                    self.span_blocks.append([owner, stmt.lineno, getattr(stmt, "end_lineno", stmt.lineno)])
                if type(call) is _CALL and _span_start(call) and stmt.body:
                    # `with tracer.start_as_current_span(...):`: the span holds the block's lines only
                    self.scoped.add(id(call))
                    self.span_blocks.append([owner, stmt.lineno, getattr(stmt, "end_lineno", stmt.lineno)])
                if type(call) is _CALL:
                    ref = self._ref(call.func, owner, cls, local)
                    if ref:
                        self.withs.append([owner, ref])
        # anything else: walk its expressions and nested blocks
        for field_name in _stmt_fields(t):
            value = getattr(stmt, field_name, None)
            if type(value) is list:
                if not value:
                    continue
                if isinstance(value[0], _STMT):
                    self._block(value, owner, cls, local, top=False)
                else:
                    for v in value:
                        if isinstance(v, _EXPR_NODE):
                            self._expr(v, owner, cls, local)
                        elif isinstance(v, _AST):
                            self._node(v, owner, cls, local)
            elif value is None:
                continue
            elif isinstance(value, _EXPR_NODE):
                self._expr(value, owner, cls, local)
            elif isinstance(value, _AST):
                self._node(value, owner, cls, local)

    def _function(self, stmt, owner: str, cls: Optional[str], local: Dict[str, str], self_class: str) -> None:
        """A def: its row, its decorators' calls, its body (``self`` is ``self_class`` in a method)."""
        qname = f"{owner}.{stmt.name}" if owner else stmt.name
        decorators = [self._ref(d.func if isinstance(d, ast.Call) else d, owner, cls, local)
                      or ("builtins." + d.id if type(d) is _NAME and d.id in _BUILTIN_DECORATORS else "?")
                      for d in stmt.decorator_list]
        self.defs.append([qname, "function", stmt.lineno, getattr(stmt, "end_lineno", stmt.lineno), decorators, [],
                          self._decorator_args(stmt, owner, cls, local)])
        for d in stmt.decorator_list:
            self._expr(d, owner, cls, local)
            target = d.func if isinstance(d, ast.Call) else d
            if _span_method(target):
                self.spans.append(qname)
                self.unscoped.add(qname)  # the whole function runs in the decorator's span
            if isinstance(d, ast.Call):
                name = next((k.value.value for k in d.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)
                             and isinstance(k.value.value, str)), None)
                last = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name and last in _TASK_DECORATOR_NAMES:
                    self.named_tasks.append([qname, name])
        for default in stmt.args.defaults + [d for d in stmt.args.kw_defaults if d is not None]:
            self._expr(default, owner, cls, local)
        if _service_loop(stmt.body) and not _generator(stmt):
            self.loops.append(qname)
        if self.focus is not None and not self.focus.search(
                "".join(self.lines[stmt.lineno - 1:getattr(stmt, "end_lineno", stmt.lineno)])):
            return  # nothing in its body concerns the names asked about
        inner = dict(local)
        inner["__self__"] = self_class
        params = [a.arg for a in stmt.args.posonlyargs + stmt.args.args + stmt.args.kwonlyargs]
        self.params[qname] = set(params[1:] if self_class and params else params)
        self._block(stmt.body, qname, None, inner)
        self._conversions(stmt, qname, bool(self_class) and not any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in stmt.decorator_list))

    def _conversions(self, stmt, qname: str, method: bool) -> None:
        """Parameters the function returns converted (``[(k, v.encode()) for k, v in
        carrier.items()]``, ``dict(carrier)``, ``{**carrier}``, ``json.dumps(carrier)``): a carrier
        passed in comes back out, with what it carries."""
        params = [a.arg for a in stmt.args.posonlyargs + stmt.args.args]
        offset = 1 if method and params else 0
        returns = self.returns.get(qname, ())
        if not returns:
            return
        merged = None  # read from the body only when a returned local name decides it
        for pos, name in enumerate(params[offset:]):
            for r in returns:
                if _converts(r, name):
                    continue
                if type(r) is not _NAME or r.id in params:
                    break  # _merged_locals holds returned names of locals only
                if merged is None:
                    merged = _merged_locals(stmt, returns, params)
                if name not in merged.get(r.id, ()):
                    break
            else:
                self.passes.append([qname, pos, name])

    def _node(self, node, owner, cls, local) -> None:
        if isinstance(node, ast.expr):
            self._expr(node, owner, cls, local)
        elif isinstance(node, ast.stmt):
            self._stmt(node, owner, cls, local, False)
        else:
            for child in ast.iter_child_nodes(node):
                self._node(child, owner, cls, local)

    def _expr(self, node, owner, cls, local) -> None:
        # dispatch on the exact type: the parser builds no subclasses of its node types
        stack = [node]
        pop, push, extend = stack.pop, stack.append, stack.extend
        fields_of, dotted = _FIELDS.get, _DOTTED.match
        while stack:
            n = pop()
            t = type(n)
            if t is _NAME:
                continue
            if t is _ATTRIBUTE or t is _KEYWORD:  # one child each: taken next, as the fields below would
                push(n.value)
                continue
            if t is _CALL:
                func = n.func
                if _span_start(n):  # ("trace" is one)
                    self.spans.append(owner)
                    if id(n) not in self.scoped:
                        self.unscoped.add(owner)  # `span = tracer.start_span(...)`: no block to bound it
                ref = self._ref(func, owner, cls, local)
                if n.args and type(n.args[0]) is ast.Constant and isinstance(n.args[0].value, str) and (
                        (type(func) is _ATTRIBUTE and func.attr in _SEND_BY_NAME)
                        or (ref or "").rsplit(".", 1)[-1] in _SEND_BY_NAME):
                    self.sent_tasks.append([owner, n.args[0].value, n.lineno])
                if type(func) is _ATTRIBUTE and func.attr in DISTINCT_TASK_METHODS and type(func.value) is _NAME \
                        and func.value.id in self.params.get(owner, ()) and [owner, func.value.id] not in self.param_sends:
                    self.param_sends.append([owner, func.value.id])  # the task its callers hand it
                if type(func) is _ATTRIBUTE and func.attr in MODEL_SAVE_METHODS \
                        and not (n.args and func.attr in MODEL_SAVE_NO_POSITIONAL):  # (not `cache.delete(key)`)
                    self.saves.append([owner, func.attr, n.lineno])  # what fires a model's hooks and signals
                if ref:
                    self.calls.append([owner, ref, n.lineno])
                elif type(func) is _ATTRIBUTE and distinctive(func.attr):
                    # `connector.expand_book_data(...)`: a method of an object the file cannot type
                    self.calls.append([owner, "." + func.attr, n.lineno])
                args, keywords = n.args, n.keywords
                for arg in (args + [k.value for k in keywords] if keywords else args):
                    if type(arg) is _NAME or type(arg) is _ATTRIBUTE:
                        passed = self._ref(arg, owner, cls, local)
                        if passed:
                            if not ref and type(func) is _ATTRIBUTE and func.attr in CLI_REGISTRATIONS:
                                ref = "." + func.attr  # `sub.set_defaults(func=run)` on a parser of any name
                            self.refs.append([owner, passed, n.lineno, ref or ""])
                    elif type(arg) is _CALL and type(arg.func) is _ATTRIBUTE and arg.func.attr == "as_view":
                        view = self._ref(arg.func.value, owner, cls, local)
                        if view:
                            self.refs.append([owner, view, n.lineno, ref or ""])
            elif t is _CONSTANT:
                value = n.value
                if type(value) is str and len(value) < 200 and dotted(value):
                    self.strings.append(value)
                continue
            elif t is _LIST or t is _TUPLE:
                elts = n.elts
                if owner in self.params:
                    self._table_refs(elts, owner, cls, local, n.lineno)
                if elts and all(type(e) is _CONSTANT and isinstance(e.value, str) for e in elts) \
                        and any(dotted(e.value) for e in elts):
                    # INSTALLED_APPS = ["django.contrib.auth", "orders"]: a list of module names
                    self.strings.extend(e.value for e in elts if e.value.isidentifier())
            elif t is _DICT:
                if owner in self.params:
                    self._table_refs(n.values, owner, cls, local, n.lineno)
                for k, v in zip(n.keys, n.values):
                    if type(k) is _CONSTANT and k.value == "task" and type(v) is _CONSTANT \
                            and isinstance(v.value, str):
                        self.task_names.append(v.value)
            elif t is _LAMBDA:
                push(n.body)
                continue
            elif t is _NONE:
                continue  # an absent optional child (`x[a:]`, a `**kw` key)
            fields = fields_of(t)
            if fields is None:
                fields = _child_fields(t)
            for field in fields:
                value = getattr(n, field, None)
                if type(value) is list:
                    extend(value)
                elif value is not None:
                    push(value)

    def _table_refs(self, values, owner, cls, local, line: int) -> None:
        """Functions a function puts in a table it builds (``commands = [{"function": run_cli}]``,
        ``steps = [self._ensure_roles, ...]``): it dispatches them, as a call would."""
        for v in values:
            if type(v) is _NAME or type(v) is _ATTRIBUTE:
                ref = self._ref(v, owner, cls, local)
                if ref:
                    self.refs.append([owner, ref, line, ""])

    def _decorator_args(self, stmt, owner, cls, local) -> List[str]:
        """References passed to the decorators (``@receiver(post_migrate)``), and keyword names
        with constant values as ``name=value`` (``@app.task(bind=True)``)."""
        out: List[str] = []
        for d in stmt.decorator_list:
            if not isinstance(d, ast.Call):
                continue
            for arg in list(d.args) + [k.value for k in d.keywords]:
                ref = self._ref(arg, owner, cls, local) if isinstance(arg, (ast.Name, ast.Attribute)) else ""
                if ref:
                    out.append(ref)
        return out

    # ------------------------------------------------------------------ names
    def _ref(self, node, owner: str, cls: Optional[str], local: Dict[str, str]) -> str:
        # exact types, as in _expr
        if type(node) is _NAME:  # the commonest: a name alone (what the general case below gives it)
            name = node.id
            if name == "cls":
                return local.get("__self__", "")  # `cls(...)` in a classmethod makes its class
            if name == "self":
                return ""
            base = local.get(name)
            if base is not None:
                return base
            if name in self.top_names or name in self.assigns:
                return self.qualify_module(name)
            if owner != self.module and name in self.children.get(owner, ()):
                return f"{owner}.{name}"
            return ""
        parts: List[str] = []
        n = node
        while type(n) is _ATTRIBUTE:
            parts.append(n.attr)
            n = n.value
        parts.reverse()
        if type(n) is _CALL:
            # super().m(), Cls().m(), factory().m()
            if type(n.func) is _NAME and n.func.id == "super":
                self_cls = local.get("__self__") or cls
                return f"super:{self_cls}." + ".".join(parts) if self_cls and parts else ""
            if isinstance(n.func, ast.Attribute) and n.func.attr in TASK_ACCESSOR_METHODS and len(n.args) == 1 \
                    and not n.keywords and isinstance(n.args[0], (ast.Name, ast.Attribute)) and parts:
                # `request.task(send_email).delay()`: a registry accessor returns the function's task
                inner = self._ref(n.args[0], owner, cls, local)
                return inner + "." + ".".join(parts) if inner else ""
            inner = self._instance_ref(n, owner, cls, local)
            return "()" + inner + "." + ".".join(parts) if inner and parts else ""
        if type(n) is not _NAME:
            return ""
        name = n.id
        if name in ("self", "cls"):
            self_cls = local.get("__self__")
            if self_cls and parts:
                return f"{self_cls}." + ".".join(parts)
            return ""
        base = local.get(name)
        if base is None:
            if name in self.top_names or name in self.assigns:
                base = self.qualify_module(name)
            elif owner != self.module and name in self.children.get(owner, ()):
                base = f"{owner}.{name}"
            else:
                return ""
        return base + ("." + ".".join(parts) if parts else "")

    def _instance_ref(self, call: ast.Call, owner, cls, local) -> str:
        """``Cls(...)`` -> ``Cls``; ``Cls.objects.create(...)`` / ``Cls.objects.get(...)`` /
        ``Cls.create(...)`` -> ``Cls`` (a Django manager or a factory classmethod returns an
        instance of its model); anything else: the callee's reference."""
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) and func.value.attr == "objects" \
                and func.attr in ("create", "get", "get_or_create", "first", "last", "latest", "earliest"):
            return self._ref(func.value.value, owner, cls, local)
        return self._ref(func, owner, cls, local)


_NAME, _CALL, _ATTRIBUTE, _CONSTANT = ast.Name, ast.Call, ast.Attribute, ast.Constant
_IMPORT, _IMPORT_FROM, _FUNCTION_DEF, _ASYNC_FUNCTION_DEF = ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef
_CLASS_DEF, _IF, _ANN_ASSIGN, _RETURN, _WITH, _ASYNC_WITH = ast.ClassDef, ast.If, ast.AnnAssign, ast.Return, ast.With, ast.AsyncWith
_STMT, _EXPR_NODE, _AST = ast.stmt, ast.expr, ast.AST
_LIST, _TUPLE, _DICT, _LAMBDA, _EXPR, _KEYWORD = ast.List, ast.Tuple, ast.Dict, ast.Lambda, ast.Expr, ast.keyword
_STMT_FIELDS: Dict[type, tuple] = {}


def _stmt_fields(node_type: type) -> tuple:
    """A statement type's fields, less those that hold a name or a number only (never a node)."""
    fields = _STMT_FIELDS.get(node_type)
    if fields is None:
        fields = _STMT_FIELDS[node_type] = tuple(
            f for f in node_type._fields if f not in ("name", "type_comment", "level", "module", "simple"))
    return fields


_NONE = type(None)
_FIELDS: Dict[type, tuple] = {}
# Fields of the nodes an expression holds that never hold a node worth a visit: names and
# numbers (``attr``, ``id``, ``conversion``, ``kind``, ``is_async``, ``arg``), the load/store
# context and the operators. Every other field holds a node, a list of nodes (``None`` where an
# optional one is absent), or nothing.
_NOT_NODES = frozenset(("ctx", "attr", "id", "conversion", "kind", "is_async", "arg", "op", "ops"))


def _child_fields(node_type: type) -> tuple:
    """The fields of a node type that can hold nodes worth a visit."""
    fields = _FIELDS.get(node_type)
    if fields is None:
        fields = _FIELDS[node_type] = tuple(f for f in node_type._fields if f not in _NOT_NODES)
    return fields


def distinctive(name: str) -> bool:
    """A method name specific enough to stand for the project's methods of that name: it has a
    separator and is not a container or I/O method every library has."""
    return "_" in name.strip("_") and not name.startswith("__") and name not in _COMMON_METHODS


_COMMON_METHODS = frozenset((
    "get_or_create", "update_or_create", "bulk_create", "bulk_update", "select_related", "prefetch_related",
    "values_list", "order_by", "set_defaults", "add_argument", "add_url_rule", "startswith", "endswith",
    "set_attribute", "add_event", "set_status", "record_exception", "is_valid", "to_dict", "as_view",
    "send_message", "basic_publish", "apply_async", "run_in_executor", "create_task",
))


def _service_loop(body: list) -> bool:
    """A function body that runs (outside any ``if``/``for``) a ``while`` loop on ``True``, a flag
    or an event: a poller or dispatcher started once that serves work arriving later (as
    ``handoffs.is_service_loop`` judges a thread's target)."""
    for stmt in body:
        if type(stmt) is ast.While and _service_test(stmt.test):
            return True
        if type(stmt) in (ast.Try, ast.With, ast.AsyncWith) and _service_loop(stmt.body):
            return True
    return False


def _generator(stmt) -> bool:
    """Does the function (not a function nested in it) ``yield``: its loop runs as its consumer
    iterates, not as a service of its own."""
    stack = list(stmt.body)
    while stack:
        node = stack.pop()
        if type(node) in (ast.Yield, ast.YieldFrom):
            return True
        if type(node) in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _service_test(test) -> bool:
    if type(test) is ast.BoolOp:  # `while not self._closing and not self._kill_sent:`
        return all(_service_test(value) for value in test.values)
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        test = test.operand
    if type(test) is ast.Compare and len(test.ops) == 1:
        left = test.left  # `while stop.wait(timeout=10) is False:`
        return type(left) is ast.Call and type(left.func) is ast.Attribute and left.func.attr in SERVICE_WAIT_METHODS
    if type(test) is ast.Constant:
        return bool(test.value)
    if type(test) is ast.Name:
        return test.id not in ("False", "None")
    if type(test) is ast.Attribute:
        return type(test.value) is ast.Name and test.value.id == "self"
    if type(test) is ast.Call and type(test.func) is ast.Attribute:
        return test.func.attr in SERVICE_WAIT_METHODS
    return False


def _span_start(call) -> bool:
    """``tracer.start_as_current_span(...)``, ``tracer.trace(...)``: a call that starts a span (or
    makes the context manager that starts one)."""
    return _span_method(call.func)


def _span_method(func) -> bool:
    """``tracer.start_as_current_span``, ``tracer.trace``, ``logfire.span``: a span-starting
    method (called, or as a decorator)."""
    return type(func) is _ATTRIBUTE and func.attr in _SPAN_METHODS and _starts_span(func)


def _starts_span(func: ast.Attribute) -> bool:
    if func.attr == "trace":  # ddtrace's tracer.trace(name): only on something named a tracer
        value = func.value
        name = value.attr if isinstance(value, ast.Attribute) else value.id if isinstance(value, ast.Name) else ""
        return "tracer" in name.lower()
    library = SPAN_METHOD_LIBRARY.get(func.attr)
    if library is not None:  # `logfire.span(...)`: only on the library's module
        root = func.value
        while isinstance(root, (ast.Attribute, ast.Call)):
            root = root.value if isinstance(root, ast.Attribute) else root.func
        return isinstance(root, ast.Name) and root.id == library
    return func.attr in _SPAN_METHODS


_CONVERTERS = ("dict", "list", "tuple", "sorted", "dumps", "copy", "deepcopy", "encode", "items", "OrderedDict")


def _converts(expr, name: str) -> bool:
    """``expr`` is the parameter ``name`` converted, keeping its entries."""
    if isinstance(expr, ast.Name):
        return expr.id == name
    if isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        return any(_converts(g.iter, name) for g in expr.generators)
    if isinstance(expr, ast.Dict):
        return any(k is None and _converts(v, name) for k, v in zip(expr.keys, expr.values))
    if isinstance(expr, ast.Call):
        func = expr.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if last not in _CONVERTERS:
            return False
        if isinstance(func, ast.Attribute) and _converts(func.value, name):
            return True  # carrier.items(), carrier.copy()
        return bool(expr.args) and _converts(expr.args[0], name)
    return False


def _merged_locals(stmt, returns, params) -> Dict[str, set]:
    """Returned local names that hold a parameter's entries: ``merged = dict(base)`` then
    ``merged.update(extra)`` (or ``merged |= extra``, ``merged = {**base, **extra}``) holds both."""
    names = {r.id for r in returns if isinstance(r, ast.Name) and r.id not in params}
    if not names:
        return {}
    out: Dict[str, set] = {}
    stack = [stmt]  # every node below the def, in any order (the answer is sets)
    while stack:
        node = stack.pop()
        t = type(node)
        fields = _WALKED.get(t)
        if fields is None:
            fields = _WALKED[t] = _child_fields(t) if issubclass(t, ast.AST) else ()
        if t is _ASSIGN:
            if len(node.targets) == 1 and type(node.targets[0]) is _NAME and node.targets[0].id in names:
                out.setdefault(node.targets[0].id, set()).update(p for p in params if _converts(node.value, p))
        elif t is _AUG_ASSIGN:
            if type(node.op) is ast.BitOr and type(node.target) is _NAME and node.target.id in names:
                out.setdefault(node.target.id, set()).update(p for p in params if _converts(node.value, p))
        elif t is _CALL:
            if type(node.func) is _ATTRIBUTE and node.func.attr == "update" and type(node.func.value) is _NAME \
                    and node.func.value.id in names and node.args:
                out.setdefault(node.func.value.id, set()).update(p for p in params if _converts(node.args[0], p))
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)
    return out


_ASSIGN, _AUG_ASSIGN = ast.Assign, ast.AugAssign
_WALKED: Dict[type, tuple] = {}  # node type (or str, int...) -> the fields that can hold nodes


def _is_main_test(test) -> bool:
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        sides = [test.left] + list(test.comparators)
        names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
        consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
        return bool(names and consts)
    return False
