"""Linting one file: cheap prefilter, one libcst parse, one model traversal, every enabled rule.

``analyze_source`` is a pure function of the file's text, its module name, the enabled rules and
the effective settings; its :class:`FileResult` (candidate findings with conditions, and the
file's contribution to the project facts) is what the cache stores and what ``project.py``
resolves. Files that contain none of the enabled rules' trigger words, nor any word that can
produce a project fact, are never parsed.
"""
from __future__ import annotations

import re
import sys
import traceback
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .catalog import CATALOG, Catalog
from .findings import Finding, InternalError, Location, Related
from .flow import FlowAnalyzer
from .model import FileModel, Scope, build_model, dotted
from .names import Resolver
from .rule import Candidate, Rule

# Words that can make a file contribute project facts (helpers that inject or extract,
# instrumentors, consumer registrations, launchers), even when no rule triggers on it.
FACT_WORDS = (
    "inject", "extract", "instrument", "Instrumentor", "attach", "copy_context", "tracer",
    "opentelemetry", "ddtrace", "contextvars", "Thread", "Executor", "subscribe", "consume",
    "on_message", "callback", "handler", "task", "actor", "Link", "link_span",
)

# libcst's native parser recurses; guard deep nesting so a pathological file gets CTX005.
RECURSION_LIMIT = 20_000


@dataclass
class FileResult:
    path: str
    status: str = "linted"  # linted | skipped | error
    candidates: List[Candidate] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    internal_errors: List[InternalError] = field(default_factory=list)


def trigger_regex(rules: Sequence[Rule], extra_words: Sequence[str] = ()) -> "re.Pattern[str]":
    words = set(FACT_WORDS) | set(extra_words)
    for rule in rules:
        words.update(rule.trigger_words)
    idents = sorted((w for w in words if w.isidentifier()), key=len, reverse=True)
    others = sorted((re.escape(w) for w in words if w and not w.isidentifier()), key=len, reverse=True)
    parts = []
    if idents:
        parts.append(r"\b(?:" + "|".join(idents) + r")\b")
    parts.extend(others)
    return re.compile("|".join(parts)) if parts else re.compile(r"(?!x)x")


class FileContext:
    """What a rule sees besides the model: name resolution, flow analysis, the catalog, settings,
    and helpers to build findings with exact locations and meaning-based fingerprints."""

    def __init__(self, model: FileModel, catalog: Catalog, settings, text: str):
        self.model = model
        self.catalog = catalog
        self.settings = settings
        self.text = text
        self.resolver = Resolver(model)
        self.flow = FlowAnalyzer(self.resolver)
        self._positions = None
        self._ordinals: Dict[tuple, int] = {}
        self.shared: dict = {}  # per-file memo that rules of one family may share

    # ------------------------------------------------------------ positions
    def _position_map(self):
        if self._positions is None:
            wrapper = MetadataWrapper(self.model.tree, unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        return self._positions

    def location(self, node: cst.CSTNode) -> Location:
        rng = self._position_map().get(node)
        if rng is None:
            return Location(self.model.path, 1, 1, 1, 1)
        return Location(self.model.path, rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1)

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
        loc = self.location(node)
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

    raw = f"{code}\x00{scope}\x00{target}\x00{ordinal}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def parse_module(text: str) -> cst.Module:
    old = sys.getrecursionlimit()
    if old < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    try:
        return cst.parse_module(text)
    finally:
        sys.setrecursionlimit(old)


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
    """Lint one file's text. Raises nothing for bad input: a parse failure is a CTX001 candidate."""
    from .rules.file_problems import SyntaxErrorRule, TooComplexRule
    from .facts import collect_facts

    result = FileResult(path=path)
    if trigger is not None and not trigger.search(text):
        # Irrelevant to every rule: not parsed by libcst. CPython's own parser (several times
        # faster) still checks it compiles, so a broken file is never reported clean.
        if _compiles(text, path):
            result.status = "skipped"
            return result
    try:
        tree = parse_module(text)
    except cst.ParserSyntaxError as exc:
        result.candidates.append(SyntaxErrorRule.candidate_for(path, _python_syntax_error(text, path) or exc))
        result.status = "error"
        return result
    except (RecursionError, MemoryError) as exc:
        result.candidates.append(TooComplexRule.candidate_for(path, exc))
        result.status = "error"
        return result
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, RECURSION_LIMIT))
    try:
        model = build_model(tree, path, module, is_package)
        ctx = FileContext(model, catalog, settings, text)
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
        sys.setrecursionlimit(old)
    return result


def _compiles(text: str, path: str) -> bool:
    """True when CPython parses ``text``. False means "let libcst decide" (it may know newer
    syntax than the running interpreter, so a CPython failure alone is not a CTX001)."""
    import ast

    try:
        compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False


def _python_syntax_error(text: str, path: str):
    """CPython's SyntaxError for ``text`` (clearer position and message than libcst's), if any."""
    import ast

    try:
        compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except Exception:
        return None
    return None


def _short_trace() -> str:
    etype, value, tb = sys.exc_info()
    frames = traceback.extract_tb(tb)[-3:]
    where = "; ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in frames)
    return f"{etype.__name__}: {value} ({where})"
