"""Linting one file: cheap prefilter, one libcst parse, one model traversal, every enabled rule.

``analyze_source`` is a pure function of the file's text, its module name, the enabled rules and
the effective settings; its :class:`FileResult` (candidate findings with conditions, and the
file's contribution to the project facts) is what the cache stores and what ``project.py``
resolves. Files that contain none of the enabled rules' trigger words, nor any word that can
produce a project fact, are never parsed.
"""
from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.base import CSTNode

from . import fastnodes
from .catalog import CATALOG, Catalog
from .findings import Finding, InternalError, Location, Related
from .fastvisit import fast_visits
from .flow import FlowAnalyzer
from .model import FileModel, Scope, build_model, dotted
from .names import Resolver, stdlib_module_names
from .positions import LazyPositions, def_lines
from .results import PROGRAM_KEY, FileResult  # noqa: F401 (their home before results.py)
from .rule import Candidate, Rule

# Words that make a file relevant on their own, whatever it imports. Words that can make a file
# contribute project facts (helpers that inject or extract, instrumentors, consumer registrations)
# need a resolved library call, so they count only in files that import a library the catalog
# knows (see :class:`Prefilter`); these are the exceptions.
ANCHOR_WORDS = ("inject", "Instrumentor", "opentelemetry", "ddtrace", "opentracing")

# libcst's native parser recurses; guard deep nesting so a pathological file gets CTX005.
RECURSION_LIMIT = 20_000




# Statements that start a line (after blanks): ``^[ \t]*from ...``. The expressions begin with the
# keyword, a literal the regex engine finds fast, and :func:`_statements` keeps the matches whose
# line holds only blanks before them (a ``^`` with ``re.M`` is tried at every position: 3x slower).
_FROM_IMPORT = re.compile(r"from[ \t]+(\.*)([\w.]*)(?:[ \t]|\\\n)+import[ \t]+(\([^)]*\)|[^\n#;]+)")
_PLAIN_IMPORT = re.compile(r"import[ \t]+([^\n#;]+)")


def _statements(pattern: "re.Pattern[str]", text: str):
    """The matches of ``pattern`` that start a line after blanks, as ``re.finditer`` would give them
    for ``^[ \t]*`` + the pattern with ``re.M``: a match elsewhere is skipped and the search goes
    on from its next character."""
    pos = 0
    search = pattern.search
    while True:
        m = search(text, pos)
        if m is None:
            return
        start = m.start()
        if start == 0 or text[start - 1] == "\n" or not text[text.rfind("\n", 0, start) + 1:start].strip(" \t"):
            yield m
            pos = m.end()
        else:
            pos = start + 1


@dataclass(frozen=True)
class _Imports:
    rows: List[list]  # [level, module, name-or-""]
    roots: frozenset  # top-level modules imported absolutely (``from x import *`` too)
    aliases: Dict[str, List[str]]  # root -> names it is bound to by ``import root... as name``


_LAST_IMPORTS: list = [None, None]  # the prefilter and the engine ask about the same text in turn


def _imports(text: str) -> _Imports:
    """What ``text`` imports, found by a regex: cheap, and enough to decide relevance and promotion."""
    if _LAST_IMPORTS[0] is text:
        return _LAST_IMPORTS[1]
    source = text
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # lines a lone \r ends, for ^ and $
    rows: List[list] = []
    roots = set()
    aliases: Dict[str, List[str]] = {}
    if "import" in text:
        for m in _statements(_FROM_IMPORT, text):
            level, module = len(m.group(1)), m.group(2)
            if not level and module:
                roots.add(module.split(".")[0])
            for part in m.group(3).strip("()").replace("\\\n", " ").split(","):
                name = part.strip().split(" ")[0]
                if name.isidentifier():
                    rows.append([level, module, name])
        for m in _statements(_PLAIN_IMPORT, text):
            for part in m.group(1).split(","):
                words = part.split()
                name = words[0] if words else ""
                if name and all(p.isidentifier() for p in name.split(".")):
                    rows.append([0, name, ""])
                    root = name.split(".")[0]
                    roots.add(root)
                    if len(words) == 3 and words[1] == "as":
                        aliases.setdefault(root, []).append(words[2])
    found = _Imports(rows, frozenset(roots), aliases)
    _LAST_IMPORTS[:] = [source, found]
    return found


def imported_names(text: str) -> List[list]:
    """``[level, module, name]`` for every ``from module import name`` (``name`` empty for
    ``import module``)."""
    return _imports(text).rows


def _specific(word: str) -> bool:
    """A word precise enough to make a file relevant by itself: ``run_in_executor``, ``trace_id``,
    ``ThreadPoolExecutor``, ``traceId`` (an underscore, a dash, or an inner capital). Plain
    words (``send``, ``handler``, ``range``, ``Thread``) appear in most code."""
    if "_" in word.strip("_") or "-" in word:
        return True
    return any(a.islower() and b.isupper() for a, b in zip(word, word[1:]))


def catalog_roots(catalog: Catalog) -> Dict[str, frozenset]:
    """Top-level modules of every library type, factory, publisher function, injector and
    instrumentor in the catalog, each with the names (last components) the catalog knows there."""
    from .catalog.tracing import TRACING_MODULES

    leaves: Dict[str, set] = {}

    def add(qname: str) -> None:
        parts = (qname or "").split(".")
        if len(parts) > 1 and all(p.isidentifier() for p in parts):
            leaves.setdefault(parts[0], set()).add(parts[-1])

    for c in catalog.classes:
        add(c.qname)
        for a in c.aliases:
            add(a)
    for f in catalog.factories:
        add(f.source)
        add(f.result)
    for p in catalog.publishers:
        add(getattr(p, "function", "") or "")
    for q in catalog.injectors:
        add(q)
    for i in catalog.instrumentors:
        add(i.qname)
    for m in TRACING_MODULES:
        leaves.setdefault(m.split(".")[0], set())
    return {k: frozenset(v) for k, v in leaves.items()}


class Prefilter:
    """Decides, from the text alone, whether a file can matter to any enabled rule or to the
    project facts. Files that cannot are never parsed by libcst.

    A file is relevant when it contains

    - a *specific* trigger word of an enabled rule (``run_in_executor``, ``basic_publish``,
      ``trace_id``: see :func:`_specific`; every word of a rule that names no specific one), a word the user declared (publishers, consumers,
      handlers in config), or one of :data:`ANCHOR_WORDS`; or
    - an ``import`` of a third-party library the catalog knows (``kafka``, ``pika``, ``celery``,
      ``boto3``, ``opentelemetry``...); or
    - an ``import`` of a standard-library module the catalog knows (``threading``,
      ``concurrent.futures``, ``multiprocessing``, ``asyncio``, ``contextvars``) together with one
      of the names the catalog knows in it (``Thread``, ``ThreadPoolExecutor``, ``Pool``,
      ``get_event_loop``...).

    Plain trigger words (``send``, ``submit``, ``handler``, ``range``) only name the calls a rule
    looks at; on their own they cannot be resolved to a library (the linter stays silent on an
    unresolvable receiver), so they do not make a file relevant. Cross-file knowledge flows
    through project facts, which only relevant files produce.
    """

    def __init__(self, rules: Sequence[Rule], extra_words: Sequence[str] = (), catalog: Catalog = CATALOG):
        words = set(ANCHOR_WORDS) | {w for w in extra_words if w}
        for rule in rules:
            if rule.needs_library_import:
                continue
            specific = [w for w in rule.trigger_words if _specific(w)]
            # a rule that names no specific word cannot be narrowed: all its words count
            words.update(specific or rule.trigger_words)
        self.words = tuple(sorted(words))
        checks = {w: _word_regex((w,)) for w in self.words}
        self._probes = tuple((probe, tuple((w, checks[w]) for w in covered))
                             for probe, covered in _probes(self.words))
        roots = catalog_roots(catalog)
        stdlib = stdlib_module_names()
        self.roots = roots
        # standard-library modules count only with one of their catalog names (tracing ones too:
        # ``contextvars`` is imported by much code that never hands work to a thread)
        self._leaves = {r: "|".join(sorted(re.escape(l) for l in ls)) for r, ls in roots.items() if r in stdlib}
        self._roots = frozenset(roots)

    # the engine calls ``trigger.search(text)``; a Prefilter stands in for the old regex
    def search(self, text: str) -> bool:
        return self.relevant(text)

    def relevant(self, text: str) -> bool:
        # substring tests first (fast, in C) and the word-boundary check only for the words found:
        # one regular expression alternating ~90 words cost several times more over a whole tree.
        # Each probe stands for the words that contain it, so most text is scanned ~35 times, not ~90
        for probe, covered in self._probes:
            if probe in text:
                for word, pattern in covered:
                    if word in text and pattern.search(text):
                        return True
        found = _imports(text)
        for root in sorted(found.roots & self._roots):
            leaves = self._leaves.get(root)
            if leaves is None or (leaves and self._uses_leaf(root, leaves, text, found)):
                return True
        return False

    @staticmethod
    def _uses_leaf(root: str, leaves: str, text: str, found: "_Imports") -> bool:
        """Whether ``text`` names one of a standard-library module's catalog names through the
        module (``threading.Thread``, an alias ``cf.ThreadPoolExecutor``) or imports it from there
        (``from threading import Thread``): the bare word (``Context``, ``Process``) is common."""
        prefixes = "|".join(re.escape(p) for p in [root] + found.aliases.get(root, []))
        if re.search(r"\b(?:%s)(?:\.\w+)*\.(?:%s)\b" % (prefixes, leaves), text):
            return True
        names = set(leaves.split("|"))
        return any(row[1].split(".")[0] == root and row[2] in names for row in found.rows if row[0] == 0)

def _probes(words: Sequence[str]) -> List[Tuple[str, List[str]]]:
    """Substrings that together cover ``words``, each with the words containing it: chosen
    greedily (most words covered, then longest), among a word's substrings of three or more
    characters that hold a separator (``_``, ``-``, an inner capital: rarer in code than plain
    letters) and the word itself."""
    covers: Dict[str, set] = {}
    for word in set(words):
        pieces = {word}
        for size in range(3, len(word)):
            for start in range(len(word) - size + 1):
                piece = word[start:start + size]
                if _specific(piece) or "_" in piece:
                    pieces.add(piece)
        for piece in pieces:
            covers.setdefault(piece, set()).add(word)
    uncovered = set(words)
    chosen: List[Tuple[str, List[str]]] = []
    # the pieces in sorted order (the first of equals wins), dropping each once it covers no word
    # left (it can no longer be the best: some piece covers every word still uncovered)
    live = [(piece, covers[piece]) for piece in sorted(covers)]
    while uncovered:
        best, best_key, kept = "", (0, 0), []
        for piece, words_in in live:
            count = len(words_in & uncovered)
            if not count:
                continue
            kept.append((piece, words_in))
            key = (count, len(piece))
            if key > best_key:
                best, best_key = piece, key
        chosen.append((best, sorted(covers[best] & uncovered)))
        uncovered -= covers[best]
        live = kept
    return chosen


def _word_regex(words: Sequence[str]) -> "re.Pattern[str]":
    idents = sorted((w for w in words if w.isidentifier()), key=len, reverse=True)
    others = sorted((re.escape(w) for w in words if w and not w.isidentifier()), key=len, reverse=True)
    parts = []
    if idents:
        parts.append(r"\b(?:" + "|".join(idents) + r")\b")
    parts.extend(others)
    return re.compile("|".join(parts)) if parts else re.compile(r"(?!x)x")


def trigger_regex(rules: Sequence[Rule], extra_words: Sequence[str] = (), catalog: Catalog = CATALOG) -> Prefilter:
    """The prefilter for these rules (kept under its old name: callers use ``.search(text)``)."""
    return Prefilter(rules, extra_words, catalog)


class FileContext:
    """What a rule sees besides the model: name resolution, flow analysis, the catalog, settings,
    and helpers to build findings with exact locations and meaning-based fingerprints."""

    def __init__(self, model: FileModel, catalog: Catalog, settings, text: str, python_tree=None):
        self.model = model
        self.catalog = catalog
        self.settings = settings
        self.text = text
        self.resolver = Resolver(model)
        self.flow = FlowAnalyzer(self.resolver)
        symbols = getattr(python_tree, "symbols", None)
        self._positions = LazyPositions(
            model.tree, python_tree, (lambda: def_lines(model.root, symbols)) if symbols is not None else None,
            lines=text.count("\n") + 1)
        self._scope_of_node: Optional[Dict[int, Scope]] = None
        self._ordinals: Dict[tuple, int] = {}
        self.shared: dict = {}  # per-file memo that rules of one family may share

    # ------------------------------------------------------------ positions
    def location(self, node: cst.CSTNode, scope: Optional[Scope] = None) -> Location:
        """Where ``node`` is; ``scope``, the scope that holds it (known for calls and their
        statements without it), saves the search for the definition to compute positions in."""
        if scope is None:
            if self._scope_of_node is None:
                self._scope_of_node = {}
                known = self._scope_of_node
                for site in self.model.all_calls:  # calls, their parts, their statements
                    call = site.node
                    known[id(call)] = known[id(call.func)] = site.scope
                    for arg in call.args:
                        known[id(arg)] = known[id(arg.value)] = site.scope
                    if site.statement is not None:
                        known[id(site.statement)] = site.scope
            scope = self._scope_of_node.get(id(node))
        chain = []
        while scope is not None and scope.parent is not None:
            chain.append(scope.node)
            scope = scope.parent
        chain.reverse()
        rng = self._positions.get(node, chain)
        if rng is None:
            return Location(self.model.path, 1, 1, 1, 1)
        line, column, end_line, end_column = rng
        return Location(self.model.path, line, column + 1, end_line, end_column + 1)

    def related(self, node: cst.CSTNode, message: str) -> Related:
        return Related(self.location(node), message)

    def code_for(self, node: cst.CSTNode) -> str:
        return self.model.tree.code_for_node(node)

    # ------------------------------------------------------------ findings
    def candidate(
        self,
        rule: Rule,
        node: cst.CSTNode,
        *,
        scope: Optional[Scope] = None,
        target: str = "",
        message: str = "",
        suggestion: str = "",
        related: Sequence[Related] = (),
        fix=None,
        confidence: str = "resolved",
        requires: Tuple[tuple, ...] = (),
        unless: Tuple[tuple, ...] = (),
        statement: Optional[cst.CSTNode] = None,
        notes: Tuple[tuple, ...] = (),
    ) -> Candidate:
        loc = self.location(node, scope)
        scope_name = scope.qname if scope is not None else self.model.module
        key = (rule.code, scope_name, target)
        ordinal = self._ordinals.get(key, 0)
        self._ordinals[key] = ordinal + 1
        fingerprint = _fingerprint(rule.code, scope_name, target, ordinal)
        noqa = {loc.line}
        if statement is not None:
            noqa.add(self.location(statement).line)
        finding = Finding(
            code=rule.code,
            name=rule.name,
            message=message or rule.message,
            location=loc,
            severity=rule.severity,
            suggestion=suggestion,
            related=tuple(related),
            fix=fix,
            fingerprint=fingerprint,
            confidence=confidence,
        )
        return Candidate(finding, requires=requires, unless=unless, noqa_lines=tuple(sorted(noqa)), notes=notes)


def _fingerprint(code: str, scope: str, target: str, ordinal: int) -> str:
    import hashlib

    raw = f"{code}\x00{scope}\x00{target}\x00{ordinal}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:16]


def parse_module(text: str) -> cst.Module:
    old = sys.getrecursionlimit()
    if old < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    try:
        with _trusted_parser():
            return cst.parse_module(text)
    finally:
        sys.setrecursionlimit(old)


_POST_INIT = CSTNode.__post_init__


def _no_validation(self) -> None:
    return None


_TRUSTED_FOR_GOOD = False


def trust_parser_for_good() -> None:
    """In a worker process of our own pool, where nothing but the parser builds libcst nodes:
    the lean constructors stay, instead of being swapped in and out around every parse."""
    global _TRUSTED_FOR_GOOD
    if not _TRUSTED_FOR_GOOD:
        CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
        fastnodes.install()
        _TRUSTED_FOR_GOOD = True


@contextlib.contextmanager
def _trusted_parser():
    """libcst re-validates every node the native parser builds (``__post_init__`` ->
    ``_validate``), about a fifth of the parse time; the parser only builds valid trees, so the
    check is switched off while it runs (libcst's own source notes the same), and the nodes are
    built by leaner constructors (``fastnodes.py``)."""
    current = threading.current_thread()
    owner = getattr(current, "_propagation_lint_owner", current)  # on_deep_stack's caller waits
    if _TRUSTED_FOR_GOOD or owner is not threading.main_thread():
        yield
        return
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    fastnodes.install()
    try:
        yield
    finally:
        fastnodes.remove()
        CSTNode.__post_init__ = _POST_INIT  # type: ignore[method-assign]


def analyze_source(
    text: str,
    path: str,
    module: str,
    is_package: bool,
    rules: Sequence[Rule],
    settings=None,
    catalog: Catalog = CATALOG,
    trigger: Optional["re.Pattern[str]"] = None,
) -> FileResult:
    """Lint one file's text. Raises nothing for bad input: a parse failure is a CTX001 candidate,
    nesting past the guards a CTX005 one (see docs/robustness.md)."""
    return _analyze_source(text, path, module, is_package, rules, settings, catalog, trigger)


# libcst's native parser and the model's visitors recurse once per nesting level: they run on a
# thread with a stack this large (address space, committed only as used), so that no input that
# passes MAX_NESTING can overflow it and kill the process (a segfault, not an exception).
DEEP_STACK_BYTES = 512 * 1024 * 1024
# The nesting guard: a file whose syntax tree (as CPython parses it) is deeper than this is CTX005
# without being given to libcst, whose parse time grows much faster than linearly with the depth
# (a chain of 4000 unary minus signs took 13 s; real code stays under ~50).
MAX_NESTING = 1000
# Files nested no deeper than this (as CPython's symbol-table pass counts) are analysed on the
# calling thread, whose default stack holds libcst's recursion for them with room to spare; only
# deeper ones (generated code, pathological input) get the thread with the large stack.
SHALLOW_NESTING = 100
# CPython's own refusals that mean "too deep", not "wrong": reported as CTX005 too.
_CPYTHON_TOO_DEEP = ("too many nested parentheses", "too complex", "parser stack overflow")


def on_deep_stack(function, *args):
    """``function(*args)`` on a fresh thread with a :data:`DEEP_STACK_BYTES` stack."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as exc:  # re-raised in the caller's thread
            outcome.append((False, exc))

    try:
        previous = threading.stack_size(DEEP_STACK_BYTES)
    except (ValueError, RuntimeError):  # a platform that cannot: run here, with the guards
        return function(*args)
    try:
        worker = threading.Thread(target=run, name="propagation-lint-analysis", daemon=True)
        worker._propagation_lint_owner = threading.current_thread()  # type: ignore[attr-defined]
    finally:
        threading.stack_size(previous)
    try:
        worker.start()
    except RuntimeError:  # no room for the stack (a low address-space limit): run here
        return function(*args)
    worker.join()
    ok, value = outcome[0]
    if ok:
        return value
    raise value


def _in_project(path: str, settings) -> str:
    """``path`` as the project sees it, for deciding whether it is test code (which is out of the
    context rules anyway): relative to the project's root, the file's name alone outside it (a
    project checked out under ``/home/me/tests/`` is no test code)."""
    relative = getattr(settings, "relative_path", None)
    shown = relative(path) if relative is not None else path
    return os.path.basename(shown) if os.path.isabs(shown) else shown


def _analyze_source(text, path, module, is_package, rules, settings, catalog, trigger) -> FileResult:
    from .rules.file_problems import MAX_TOKENS, FileTooLarge, SyntaxErrorRule, TooComplexRule, over_token_budget

    result = FileResult(path=path)
    if trigger is not None and not trigger.search(text):
        # Irrelevant to every rule: read, never parsed (not even by CPython, whose compile
        # would cost more than all the reading): a syntax error in a file that names no API the
        # rules look at is not the linter's to report (CTX001 is for files it must analyse).
        result.status = "skipped"
        result.imports = imported_names(text)
        if _imports_tracing(result.imports):
            result.facts = {"uses_tracing": True}  # what facts.py's collector says of a parsed file
        if not over_token_budget(text, getattr(settings, "max_file_tokens", MAX_TOKENS)):
            _add_summary(result, text, module, is_package, lite=True)  # a generated giant adds none
        return result
    # the memory guard, before any parser sees the file (CPython's symbol-table pass included)
    too_many_tokens = over_token_budget(text, getattr(settings, "max_file_tokens", MAX_TOKENS))
    if too_many_tokens:
        result.candidates.append(FileTooLarge.candidate_for(path, too_many_tokens))
        result.status = "error"
        return result
    shallow = _symtable_within(text, path, SHALLOW_NESTING) if _SYMTABLE_GUARD else None
    if shallow is not None:
        # valid and nested no deeper than real code is: analysed on this thread (no thread to
        # start, and a profiler of --jobs 1 sees the analysis)
        lazy = _LazyPythonTree(text, path, shallow)
        result = _analyze_tree(result, text, path, module, is_package, rules, settings, catalog, None, lazy)
        python_tree, python_error = lazy.built, None  # built for positions, or None
    else:
        python_tree, python_error, too_deep = _cpython_check(text, path)
        if too_deep:
            result.candidates.append(TooComplexRule.candidate_for(path, too_deep[0], too_deep[1]))
            result.status = "error"
            return result
        if python_tree is None and python_error is None:
            python_tree = _LazyPythonTree(text, path)  # the guard passed without building it
        result = on_deep_stack(_analyze_tree, result, text, path, module, is_package, rules, settings, catalog,
                               python_error, python_tree)
    if python_error is not None and result.status != "error" and isinstance(python_error, SyntaxError):
        # syntax newer than the Python the linter runs on (`except A, B:` of 3.14), which libcst
        # read: CPython reads it with that syntax written the older way
        from .program.summary import parse_python

        python_tree = parse_python(text)
        python_error = None if python_tree is not None else python_error
    if python_error is None:
        from .program.context import is_test_path

        judged = any(c.finding.code.startswith(CONTEXT_CODES) for c in result.candidates) and (
            getattr(settings, "include_tests", False) or not is_test_path(_in_project(path, settings)))
        if isinstance(python_tree, _LazyPythonTree):
            python_tree = python_tree.built
        _add_summary(result, text, module, is_package, python_tree, lite=not judged)
    elif result.candidates:
        # newer syntax still (a 3.12 f-string): its imports place it in its processes; its
        # lines are placed nowhere
        _add_summary(result, text, module, is_package, unplaced=True)
    return result


def _add_summary(result: FileResult, text: str, module: str, is_package: bool, tree=None, lite: bool = False,
                 unplaced: bool = False) -> None:
    """The file's contribution to the whole-program model (``program/summary.py``), for every
    file the linter reads. A file with no candidate finding gets the cheap summary of its imports
    and configuration strings (its calls are read later, only if the project pass asks: ``lite``),
    unless it defines or enqueues a task, starts a span or enables an instrumentation."""
    from .program.summary import lite_summary, needs_full_summary, summarize

    if unplaced:  # CPython cannot read it: the cheap summary, marked
        summary = dict(lite_summary(text, module, is_package, imported_names(text)), unplaced=True)
    elif lite and not needs_full_summary(text):
        summary = lite_summary(text, module, is_package, imported_names(text))
    else:
        summary = summarize(text, module, is_package, tree)
    if summary:
        result.facts = dict(result.facts)
        result.facts[PROGRAM_KEY] = summary


# Findings the whole-program model judges: a file holding one of them is summarised in full.
CONTEXT_CODES = ("CTX1", "CTX2", "CTX3")


class _LazyPythonTree:
    """CPython's syntax tree of a file, built when first asked for (positions need it only in
    files with findings)."""

    __slots__ = ("text", "path", "symbols", "built")

    def __init__(self, text: str, path: str, symbols=None):
        self.text = text
        self.path = path
        self.symbols = symbols  # CPython's symbol table, when the guard built one: lines of defs
        self.built = None  # the tree, once asked for (the file's summary reads it too)

    def __call__(self):
        if self.built is None:
            self.built = _cpython_parse(self.text, self.path)[0]
        return self.built


def _analyze_tree(*args) -> FileResult:
    """libcst's part (on the deep-stack thread): parse, build the model, run the rules.

    Python's cyclic garbage collector is paused meanwhile: the parse builds a million objects for
    a large file and none of them is garbage, yet each would trigger collections that walk them
    all (about a fifth of the parse time). The model's reference cycles are broken when the file
    is done (``FileModel.release``), so the tree is freed at once by reference counting and
    memory follows the largest single file, not the number of files."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze_tree_unmanaged(*args)
    finally:
        if enabled:
            gc.enable()


def _analyze_tree_unmanaged(result, text, path, module, is_package, rules, settings, catalog, python_error, python_tree) -> FileResult:
    from .rules.file_problems import SyntaxErrorRule, TooComplexRule
    from .facts import collect_facts

    try:
        tree = parse_module(text)
    except cst.ParserSyntaxError as exc:
        if python_error is None:
            exc = _libcst_limitation(exc)
        elif isinstance(python_error, SyntaxError):
            exc = python_error
        result.candidates.append(SyntaxErrorRule.candidate_for(path, exc))
        result.status = "error"
        return result
    except (RecursionError, MemoryError) as exc:
        result.candidates.append(TooComplexRule.candidate_for(path, exc))
        result.status = "error"
        return result
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, RECURSION_LIMIT))
    walks = fast_visits()
    walks.__enter__()
    model = ctx = None
    try:
        model = build_model(tree, path, module, is_package)
        ctx = FileContext(model, catalog, settings, text, python_tree)
        try:
            result.facts = collect_facts(model, ctx)
        except RecursionError as exc:
            result.candidates.append(TooComplexRule.candidate_for(path, exc))
            result.status = "error"
            return result
        except Exception:  # a crash in the linter, never the user's fault
            result.internal_errors.append(InternalError(path, "project-facts", _short_trace()))
        for rule in rules:
            try:
                result.candidates.extend(rule.check(model, ctx))
            except RecursionError as exc:
                result.candidates.append(TooComplexRule.candidate_for(path, exc))
            except Exception:
                result.internal_errors.append(InternalError(path, rule.code, _short_trace()))
    except RecursionError as exc:
        result.candidates.append(TooComplexRule.candidate_for(path, exc))
        result.status = "error"
    finally:
        walks.__exit__(None, None, None)
        sys.setrecursionlimit(old)
        if ctx is not None:
            # the rules' shared memo holds objects that hold the context (a publish family's
            # CarrierFlow): a cycle that kept the whole file (model, libcst's tree, CPython's)
            # alive until a collection found it
            ctx.shared.clear()
        if model is not None:
            model.release()
    return result


def _imports_tracing(rows) -> bool:
    from .catalog.tracing import TRACING_MODULES

    return any(row[0] == 0 and row[1].split(".")[0] in TRACING_MODULES for row in rows)


def _cpython_parse(text: str, path: str):
    """(CPython's syntax tree, None) or (None, the exception CPython raised). A failure alone is
    not a CTX001: libcst may know newer syntax than the running interpreter, so it decides."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():  # "invalid escape sequence" and the like: not ours to say
            warnings.simplefilter("ignore")
            return compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True), None
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return None, exc


def _cpython_check(text: str, path: str):
    """(CPython's syntax tree, or a :class:`_LazyPythonTree` that builds it on demand, or None;
    None or the exception CPython raised; CTX005 reason or None).

    The nesting guard, cheaply where it can be: CPython's symbol-table pass (``_symtable``) parses
    the file and walks its tree without building Python objects for it, and stops with a
    ``RecursionError`` past a depth derived from the interpreter's recursion limit; run with the
    limit set for :data:`MAX_NESTING`, it answers "valid, and not too deep" at about a quarter of
    the cost of an ``ast`` tree and a walk over it. Only when it objects (a syntax error, too
    deep), or where the interpreter's limits do not work that way (:data:`_SYMTABLE_GUARD`), is the
    full tree built, to decide and to give the line. The tree itself is otherwise built later, and
    only for files with findings whose positions the symbol table's lines of ``def`` and ``class``
    statements do not give (see ``positions.py``)."""
    table = _symtable_within(text, path, MAX_NESTING) if _SYMTABLE_GUARD else None
    if table is not None:
        return _LazyPythonTree(text, path, table), None, None
    python_tree, python_error = _cpython_parse(text, path)
    return python_tree, python_error, _too_deep(python_tree, python_error)


def _frames() -> int:
    frame, count = sys._getframe(1), 0
    while frame is not None:
        count += 1
        frame = frame.f_back
    return count


# CPython's compiler passes allow (recursion limit - current depth) * 3 levels (3.9-3.11's
# COMPILER_STACK_FRAME_SCALE); checked at import by :func:`_symtable_guard_works`.
_SCALE = 3


def _symtable_within(text: str, path: str, depth: int):
    """CPython's symbol table of ``text`` when its pass accepts it with at most about ``depth``
    levels of nesting; None for a syntax error, too deep, or anything else it objects to."""
    import warnings

    try:
        import _symtable
    except ImportError:  # pragma: no cover - not CPython
        return None
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(_frames() + 1 + depth // _SCALE)
    except (RecursionError, ValueError):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _symtable.symtable(text, path, "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    finally:
        sys.setrecursionlimit(old)


def _symtable_guard_works() -> bool:
    """Whether :func:`_symtable_within` measures nesting on this interpreter: a chain a little
    under the guard passes, one a little over is refused (CPython 3.12+ count the compiler's
    recursion apart from the interpreter's limit, so the full tree is used there)."""
    try:
        shallow = "x = " + "-" * (MAX_NESTING - 100) + "1\n"
        deep = "x = " + "-" * (MAX_NESTING + 100) + "1\n"
        return (_symtable_within(shallow, "<probe>", MAX_NESTING) is not None
                and _symtable_within(deep, "<probe>", MAX_NESTING) is None)
    except Exception:  # pragma: no cover - any surprise: the full tree, always
        return False


def _too_deep(python_tree, python_error) -> Optional[Tuple[str, int]]:
    """(reason, line) when the nesting guard refuses the file, else None."""
    if isinstance(python_error, (RecursionError, MemoryError)):
        return f"Python itself cannot parse it ({type(python_error).__name__}: nested too deeply)", 1
    if isinstance(python_error, SyntaxError) and any(m in (python_error.msg or "") for m in _CPYTHON_TOO_DEEP):
        return f"{python_error.msg} (Python itself refuses it)", python_error.lineno or 1
    if python_tree is None:
        return None
    deep = nesting_over(python_tree, MAX_NESTING)
    if deep is None:
        return None
    return f"nested more than {MAX_NESTING} levels deep (nesting guard)", deep


def nesting_over(tree, limit: int) -> Optional[int]:
    """The line of the first node of ``tree`` (a CPython ``ast``) deeper than ``limit``, or None."""
    import ast

    node_type, context = ast.AST, ast.expr_context  # Load/Store/Del: leaves on every name
    stack = [(tree, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth > limit:
            return getattr(node, "lineno", None) or 1
        depth += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for child in value:
                    if isinstance(child, node_type) and not isinstance(child, context):
                        push((child, depth))
            elif isinstance(value, node_type) and not isinstance(value, context):
                push((value, depth))
    return None


def _libcst_limitation(exc: "cst.ParserSyntaxError") -> SyntaxError:
    """libcst refused a file that CPython parses: say so, rather than call the code invalid."""
    detail = str(getattr(exc, "message", "") or exc).strip().splitlines()
    error = SyntaxError(
        "valid Python that the linter's parser (libcst) cannot parse"
        + (f" ({detail[0][:200]})" if detail else "")
    )
    error.lineno = getattr(exc, "raw_line", None) or 1
    error.offset = (getattr(exc, "raw_column", None) or 0) + 1
    return error


def _short_trace() -> str:
    etype, value, tb = sys.exc_info()
    frames = traceback.extract_tb(tb)[-3:]
    where = "; ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in frames)
    return f"{etype.__name__}: {value} ({where})"


_SYMTABLE_GUARD = _symtable_guard_works()
