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
    lines = source_lines(ctx.text, keepends=False)
    if 0 < line <= len(lines):
        text = lines[line - 1]
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


def add_import(ctx, module: str, name: Optional[str] = None) -> Optional[Edit]:
    """An edit adding the import at the top of the file, or None when already there."""
    model = ctx.model
    if is_imported(model, module, name):
        return None
    stmt = f"import {module}" if name is None else f"from {module} import {name}"
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
    lines = source_lines(ctx.text)
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
