"""Building fixes: text edits computed from libcst nodes, so they are exact and picklable.

A rule builds a :class:`~propagation_lint.findings.Fix` from one or more edits:

- :func:`replace_node` replaces a node's source text with new code;
- :func:`insert_before` / :func:`insert_after` add text at a node's edges;
- :func:`add_import` adds ``import module`` (or ``from module import name``) once, after the module
  docstring, ``__future__`` imports and the existing top-of-file imports; it returns ``None`` when
  the name is already imported at module level.

Fixes are applied by ``fixing.py`` (``check --fix`` / ``--diff``): edits of one fix go together;
fixes that overlap are deferred to a later pass; every result is re-parsed before it is written.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

import libcst as cst

from .findings import Edit, Fix


def source_lines(text: str, keepends: bool = True) -> list:
    """The lines as Python (and libcst positions) count them: only \\n, \\r\\n and \\r end a line
    (``str.splitlines`` also splits on form feeds and U+2028, which may sit in comments or strings)."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


def _lines(ctx) -> list:
    """The file's lines (with their endings), split once per file."""
    lines = ctx.shared.get("source_lines")
    if lines is None:
        lines = ctx.shared["source_lines"] = source_lines(ctx.text)
    return lines


def make_fix(applicability: str, title: str, edits: Iterable[Optional[Edit]]) -> Fix:
    assert applicability in ("safe", "unsafe")
    return Fix(applicability, title, tuple(e for e in edits if e is not None))


def _range(ctx, node: cst.CSTNode):
    loc = ctx.location(node)
    return loc.line, loc.column, loc.end_line, loc.end_column


def replace_node(ctx, node: cst.CSTNode, new_code: str) -> Edit:
    line, col, end_line, end_col = _range(ctx, node)
    return Edit(line, col, end_line, end_col, new_code)


def insert_before(ctx, node: cst.CSTNode, text: str) -> Edit:
    line, col, _, _ = _range(ctx, node)
    return Edit(line, col, line, col, text)


def insert_after(ctx, node: cst.CSTNode, text: str) -> Edit:
    _, _, end_line, end_col = _range(ctx, node)
    return Edit(end_line, end_col, end_line, end_col, text)


def statement_indent(ctx, statement: cst.CSTNode) -> str:
    """The indentation of the line a statement starts on."""
    line = ctx.location(statement).line
    lines = _lines(ctx)
    if 0 < line <= len(lines):
        text = lines[line - 1].rstrip("\r\n")
        return text[: len(text) - len(text.lstrip())]
    return ""


def is_imported(model, module: str, name: Optional[str] = None) -> bool:
    for binding_list in model.root.bindings.values():
        for b in binding_list:
            if b.kind != "import":
                continue
            if name is None and b.qname == module:
                return True
            if name is not None and b.qname == f"{module}.{name}":
                return True
    return False


def add_import(ctx, module: str, name: Optional[str] = None, alias: Optional[str] = None) -> Optional[Edit]:
    """An edit adding the import (``as alias`` when given) at the top of the file, or None when
    already there."""
    memo = ctx.shared.setdefault("add_import", {})
    key = (module, name, alias)
    if key not in memo:
        memo[key] = _add_import(ctx, module, name, alias)
    return memo[key]


def _add_import(ctx, module: str, name: Optional[str], alias: Optional[str] = None) -> Optional[Edit]:
    model = ctx.model
    if alias is None and is_imported(model, module, name):
        return None
    stmt = f"import {module}" if name is None else f"from {module} import {name}"
    if alias is not None:
        stmt += f" as {alias}"
    newline = ctx.model.tree.default_newline
    body = list(model.tree.body)
    insert_at = 0
    for i, s in enumerate(body):
        if isinstance(s, cst.SimpleStatementLine) and s.body:
            first = s.body[0]
            if i == 0 and isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString)):
                insert_at = i + 1
                continue
            if isinstance(first, (cst.Import, cst.ImportFrom)):
                insert_at = i + 1
                continue
        break
    lines = _lines(ctx)
    if 0 < insert_at:
        # right after the last import (or the docstring), not after the blank lines that follow it
        end_line = ctx.location(body[insert_at - 1]).end_line
        if end_line < len(lines) or (lines and lines[-1].endswith(("\n", "\r"))):
            return Edit(end_line + 1, 1, end_line + 1, 1, stmt + newline)
    if insert_at < len(body):
        target = body[insert_at]
        loc = ctx.location(target)
        # insert on the target statement's own line, before any leading comments of it stay put
        return Edit(loc.line, 1, loc.line, 1, stmt + newline)
    # file with only imports/docstring (or empty): append at the end
    end_line = len(lines) + 1
    prefix = "" if not lines or lines[-1].endswith(("\n", "\r")) else newline
    return Edit(end_line, 1, end_line, 1, prefix + stmt + newline)


# ----------------------------------------------------------------------------- names for new code
class _UsedNames(cst.CSTVisitor):
    """Names read, bound, imported or declared global (not attribute names, not keyword names)."""

    def __init__(self) -> None:
        self.names: set = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def used_names(ctx, node: cst.CSTNode) -> set:
    """Every name used in ``node`` (a function, or the module): a new variable must avoid them."""
    memo = ctx.shared.setdefault("fix_used_names", {})
    if id(node) not in memo:
        visitor = _UsedNames()
        node.visit(visitor)
        memo[id(node)] = visitor.names
    return memo[id(node)]


def fresh_name(ctx, scope, candidates: Iterable[str]) -> Optional[str]:
    """The first of ``candidates`` that no code of ``scope`` (a function; the module: all of it) uses."""
    taken = used_names(ctx, scope.node if scope.kind == "function" else ctx.model.tree)
    return next((c for c in candidates if c not in taken), None)


def imported_name(ctx, scope, qname: str, prefer_module: bool = False):
    """``(text, import edit or None)`` naming ``qname`` in code of ``scope``, or None.

    Reuses the file's own import when one is visible from ``scope`` (``from opentelemetry.propagate
    import inject as otel_inject`` -> ``otel_inject``; ``from opentelemetry import propagate`` ->
    ``propagate.inject``). Else adds an import once, of a name no code of the file uses for
    anything else (a module-level ``contextvars = {...}`` or a parameter named ``contextvars``
    must not capture the new code): with ``prefer_module``, ``import module`` (``contextvars`` ->
    ``contextvars.copy_context``) when the module's name is free; else ``from module import name``,
    or ``... import name as _name`` (``name_2``...) when ``name`` is taken.
    """
    visible = _visible_import(ctx, scope, qname)
    if visible is not None:
        return visible, None
    module, _, name = qname.rpartition(".")
    if not module:
        return None
    taken = used_names(ctx, ctx.model.tree)
    if prefer_module and "." not in module and module not in taken:
        return qname, add_import(ctx, module)
    alias = next((c for c in (name, f"_{name}", *(f"{name}_{i}" for i in range(2, 10))) if c not in taken), None)
    if alias is None:
        return None
    return alias, add_import(ctx, module, name, None if alias == name else alias)


def _visible_import(ctx, scope, qname: str) -> Optional[str]:
    """How code of ``scope`` names ``qname`` through one of the file's imports, or None."""
    from .catalog import CATALOG

    target = CATALOG.canonical(qname)
    found = []
    s = scope
    while s is not None:
        for name, bindings in s.bindings.items():
            for b in bindings:
                if b.kind != "import":
                    continue
                if CATALOG.canonical(b.qname) == target:
                    found.append((0, name, name))
                elif qname.startswith(b.qname + ".") and (qname.rpartition(".")[0] in (b.qname, *ctx.model.imported)):
                    # `from opentelemetry import propagate` -> propagate.inject; `import a.b` binds
                    # `a` but only makes `a.b`'s names reachable
                    found.append((1, name, name + qname[len(b.qname):]))
        s = s.parent
    for _, name, text in sorted(found):
        _, visible = ctx.resolver.lookup(name, scope)
        if visible and all(b.kind == "import" for b in visible) and any(
            CATALOG.canonical(b.qname) == target or qname.startswith(b.qname + ".") for b in visible[-1:]
        ):
            return text
    return None


def join_insertions(edits: Iterable[Optional[Edit]]) -> list:
    """The edits of one fix, with insertions at one point joined in order (an import added where a
    statement is inserted): the engine refuses two different insertions at one point."""
    out: list = []
    at: dict = {}
    for e in edits:
        if e is None:
            continue
        if (e.line, e.column) == (e.end_line, e.end_column):
            key = (e.line, e.column)
            if key in at:
                i = at[key]
                if e.content not in out[i].content:
                    out[i] = Edit(e.line, e.column, e.line, e.column, out[i].content + e.content)
                continue
            at[key] = len(out)
        out.append(e)
    return out
