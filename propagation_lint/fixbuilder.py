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
from typing import Iterable, Optional, Tuple

import libcst as cst

from .fastvisit import names_in
from .findings import Edit, Fix


def source_lines(text: str, keepends: bool = True) -> list:
    """The lines as Python (and libcst positions) count them: only \\n, \\r\\n and \\r end a line
    (``str.splitlines`` also splits on form feeds and U+2028, which may sit in comments or strings)."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


def _lines(ctx, keepends: bool = True) -> list:
    """The file's lines (with their endings, or without), split once per file."""
    key = "source_lines" if keepends else "source_lines_bare"
    lines = ctx.shared.get(key)
    if lines is None:
        lines = ctx.shared[key] = source_lines(ctx.text, keepends)
    return lines


def make_fix(applicability: str, title: str, edits: Iterable[Optional[Edit]], ctx=None) -> Optional[Fix]:
    """The fix; with ``ctx``, its edits wrapped to fit the file's lines (:func:`fitted`), or None
    when they cannot be."""
    assert applicability in ("safe", "unsafe")
    kept = [e for e in edits if e is not None]
    if ctx is not None:
        kept = fitted(ctx, kept)
        if kept is None:
            return None
    return Fix(applicability, title, tuple(kept))


# A file whose lines are all shorter than this was not necessarily formatted to a shorter limit.
MIN_LINE_LIMIT = 79


def line_limit(ctx) -> int:
    """The longest line a fix may write: the file's longest line, at least :data:`MIN_LINE_LIMIT`."""
    limit = ctx.shared.get("line_limit")
    if limit is None:
        limit = ctx.shared["line_limit"] = max([MIN_LINE_LIMIT] + [len(line) for line in _lines(ctx, False)])
    return limit


def fitted(ctx, edits: list) -> Optional[list]:
    """``edits``, with an argument added after (``, x``) or before (``x, ``) another moved to a
    line of its own when a line would otherwise pass :func:`line_limit`; None when it still does."""
    if _fits(ctx, edits):
        return edits
    for style in (0, 1):
        wrapped = [_wrapped(ctx, e, style) for e in edits]
        if _fits(ctx, wrapped):
            return wrapped
    # else the argument holding the last edit of a line (then of every edit) starts a line of its own
    wrapped = [_wrapped(ctx, e, 0) for e in edits]
    last = {e.line: e for e in sorted(edits, key=lambda e: (e.line, e.column))}
    for holders in (list(last.values()), edits):
        breaks = [b for b in {_argument_break(ctx, e) for e in holders} - {None}
                  if not any(e.line == b.line and (e.column < b.end_column and b.column < e.end_column
                                                   or e.column == e.end_column == b.column == b.end_column)
                             for e in edits)]
        if breaks and _fits(ctx, wrapped + breaks):
            return wrapped + sorted(breaks, key=lambda b: (b.line, b.column))
    return None


def _argument_break(ctx, e: Edit) -> Optional[Edit]:
    """An edit putting the call argument that holds ``e`` on a new line (after the ``(`` or ``,``
    before it, on the same line), or None."""
    text = _lines(ctx, False)[e.line - 1]
    # a tuple's items replaced inside their parentheses: the argument is the whole tuple
    items = e.line == e.end_line and "," in _depth0(text[e.column - 1:e.end_column - 1])
    depth = 0
    for j in range(e.column - 2, -1, -1):
        ch = text[j]
        if ch in _CLOSE:
            depth += 1
        elif ch in _OPEN:
            depth -= 1
            if depth < 0 and items and not text[j + 1:e.column - 1].strip():
                depth, items = 0, False
                continue
        if depth < 0 or (depth == 0 and ch == ","):
            k = j + 1
            while k < len(text) and text[k] == " ":
                k += 1
            if k >= e.column - 1 and k != e.column - 1:
                return None
            indent = text[: len(text) - len(text.lstrip())] + "    "
            return Edit(e.line, j + 2, e.line, k + 1, "\n" + indent)
        if ch in "\"'":
            return None  # a string: not worth reading backwards
    return None


def _wrapped(ctx, e: Edit, style: int) -> Edit:
    """``e`` with its text broken after its top-level commas (it goes between a call's
    arguments): each piece on a line of its own, one indent deeper than the line; with ``style``
    1, the text's first piece too."""
    parts = _top_level_split(e.content)
    if e.line != e.end_line or "\n" in e.content:
        return e
    text = _lines(ctx, False)[e.line - 1]
    own = text[: len(text) - len(text.lstrip())]
    indent = own + "    "
    limit = line_limit(ctx)
    rest = len(text) - (e.end_column - 1)  # what follows on the line ends the last piece's line
    if len(parts) == 1 or "," in _depth0(text[e.column - 1:e.end_column - 1]):
        # one expression (or a tuple's items inside their parentheses: their commas are not the
        # call's): split inside its brackets, its first line going on where it starts
        laid = _layout(e.content, own, limit, rest)
        return e if "\n" not in laid else Edit(e.line, e.column, e.end_line, e.end_column, laid[len(own):])
    start = e.column
    out = parts[0].rstrip()
    if style == 1 and out.strip():
        start -= len(text[: e.column - 1]) - len(text[: e.column - 1].rstrip(" "))  # no space left at the end
        out = "\n" + _layout(out.strip(), indent, limit)
    for i, part in enumerate(parts[1:], 1):
        piece = part.strip()
        out += ",\n" + (_layout(piece, indent, limit, rest if i == len(parts) - 1 else 0) if piece else indent)
    return Edit(e.line, start, e.end_line, e.end_column, out)


_OPEN, _CLOSE = "([{", ")]}"


def _layout(code: str, indent: str, limit: int, reserve: int = 0) -> str:
    """``code`` (one expression or argument) at ``indent``, split as black would when it is too
    long (its last line followed by ``reserve`` more characters): inside its widest outermost
    brackets, one item a line; a comprehension whole, or one clause a line."""
    if len(indent) + len(code) + reserve <= limit:
        return indent + code
    pair = _widest_brackets(code)
    if pair is None:
        return indent + code
    head, inner, tail = code[: pair[0] + 1], code[pair[0] + 1:pair[1]].strip(), code[pair[1]:]
    if " for " in _depth0(inner):  # a comprehension: whole, or one clause a line
        if len(indent) + 4 + len(inner) <= limit:
            return f"{indent}{head}\n{indent}    {inner}\n{indent}{tail}"
        body = "\n".join(_layout(clause, indent + "    ", limit) for clause in _clauses(inner))
        return f"{indent}{head}\n{body}\n{indent}{tail}"
    parts = [p.strip() for p in _top_level_split(inner)]
    comma = "," if len(parts) > 1 else ""
    body = "\n".join(_layout(part, indent + "    ", limit) + comma for part in parts if part)
    return f"{indent}{head}\n{body}\n{indent}{tail}"


def _scan(code: str):
    """(index, character, depth before it) of every character outside string literals."""
    depth, quote, i = 0, "", 0
    while i < len(code):
        ch = code[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        else:
            yield i, ch, depth
            depth += (ch in _OPEN) - (ch in _CLOSE)
        i += 1


def _widest_brackets(code: str) -> Optional[Tuple[int, int]]:
    """(open, close) of the outermost bracket pair holding the most text, or None."""
    best, stack = None, []
    for i, ch, _ in _scan(code):
        if ch in _OPEN:
            stack.append(i)
        elif ch in _CLOSE and stack:
            opened = stack.pop()
            if not stack and i - opened > 1 and (best is None or i - opened > best[1] - best[0]):
                best = (opened, i)
    return best


def _depth0(code: str) -> str:
    """``code`` with everything inside brackets and strings blanked out."""
    out = [" "] * len(code)
    for i, ch, depth in _scan(code):
        if depth == 0 and ch not in _OPEN:
            out[i] = ch
    return "".join(out)


def _clauses(code: str) -> list:
    """A comprehension's element, then its ``for`` and ``if`` clauses."""
    flat = _depth0(code)
    cuts = [i + 1 for i in range(len(flat)) if flat.startswith((" for ", " if ", " async for "), i)
            and not flat[:i].endswith(" async")]  # `async for` is one clause
    return [code[a:b].strip() for a, b in zip([0] + cuts, cuts + [len(code)])]


def _top_level_split(code: str) -> list:
    cuts = [i for i, ch, depth in _scan(code) if depth == 0 and ch == ","]
    return [code[a + 1 if a >= 0 else 0:b] for a, b in zip([-1] + cuts, cuts + [len(code)])]


def _fits(ctx, edits: list) -> bool:
    """Whether every line the edits write is within :func:`line_limit` (only the lines they touch
    are rebuilt)."""
    lines = _lines(ctx, False)
    limit = line_limit(ctx)
    touched = [e for e in edits if e.line <= len(lines)]
    if not touched:
        return all(len(line) <= limit for e in edits for line in e.content.splitlines())
    first = min(e.line for e in touched)
    last = max(min(e.end_line, len(lines)) for e in touched)
    starts = [0]
    for line in lines[first - 1:last]:
        starts.append(starts[-1] + len(line) + 1)
    segment = "\n".join(lines[first - 1:last])
    out, at = [], 0
    for e in sorted(touched, key=lambda e: (e.line, e.column)):
        start = starts[e.line - first] + e.column - 1
        end = starts[min(e.end_line, last) - first] + e.end_column - 1 if e.end_line <= last else len(segment)
        out.append(segment[at:start])
        out.append(e.content)
        at = max(at, end)
    out.append(segment[at:])
    return all(len(line) <= limit for line in "".join(out).split("\n"))


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
    lines = _lines(ctx)
    placed = _isort_position(ctx, module, name is not None)
    if placed is not None:
        line, before, after = placed
        return Edit(line, 1, line, 1, before + stmt + newline + after)
    body = list(model.tree.body)
    insert_at = 0
    for i, s in enumerate(body):
        if isinstance(s, cst.SimpleStatementLine) and s.body:
            first = s.body[0]
            if i == 0 and isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString)):
                insert_at = i + 1
                continue
        break
    if 0 < insert_at:
        # right after the docstring, not after the blank lines that follow it
        end_line = ctx.location(body[insert_at - 1]).end_line
        if end_line < len(lines) or (lines and lines[-1].endswith(("\n", "\r"))):
            return Edit(end_line + 1, 1, end_line + 1, 1, stmt + newline)
    if insert_at < len(body):
        target = body[insert_at]
        loc = ctx.location(target)
        # insert on the target statement's own line, before any leading comments of it stay put
        return Edit(loc.line, 1, loc.line, 1, stmt + newline)
    # file with only a docstring (or empty): append at the end
    end_line = len(lines) + 1
    prefix = "" if not lines or lines[-1].endswith(("\n", "\r")) else newline
    return Edit(end_line, 1, end_line, 1, prefix + stmt + newline)


# isort's (and ruff's) sections, in order
_FUTURE, _STDLIB, _THIRD_PARTY, _FIRST_PARTY, _LOCAL = range(5)


def _section(ctx, module: str, relative: bool = False) -> int:
    from .names import stdlib_module_names

    top = module.split(".")[0]
    if relative:
        return _LOCAL
    if top == "__future__":
        return _FUTURE
    if top in stdlib_module_names():
        return _STDLIB
    own = (ctx.model.module or "").split(".")[0]
    return _FIRST_PARTY if own and top == own else _THIRD_PARTY


def _header_imports(ctx) -> list:
    """``(statement, section, sort key)`` of the module's top-level imports above its first
    definition, compound statement or call (its header): a plain assignment between them
    (``__all__ = [...]``, ``DEBUG = True``) does not end it; a call does, since a fix there must
    find its import above it (``logger = logging.getLogger()``, ``sys.path.insert(...)``)."""
    out = []
    for statement in ctx.model.tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        first = statement.body[0] if statement.body else None
        if not isinstance(first, (cst.Import, cst.ImportFrom)) and _calls(statement):
            break
        if isinstance(first, cst.Import):
            name = ctx.code_for(first.names[0].name)
            out.append((statement, _section(ctx, name), (0, name.lower())))
        elif isinstance(first, cst.ImportFrom):
            name = ctx.code_for(first.module) if first.module is not None else ""
            out.append((statement, _section(ctx, name, bool(first.relative)), (1, name.lower())))
    return out


class _HasCall(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Call(self, node: cst.Call) -> bool:
        self.found = True
        return False


def _calls(statement: cst.CSTNode) -> bool:
    visitor = _HasCall()
    statement.visit(visitor)
    return visitor.found


def _isort_position(ctx, module: str, from_import: bool):
    """Where isort/ruff would put a new import of ``module``: ``(line, text before, text after)``,
    or None when the module has no top-level import to place it among. Inside its section, in
    order (straight imports before from-imports, then by module name); a new section is set off
    by a blank line."""
    found = _header_imports(ctx)
    if not found:
        return None
    section = _section(ctx, module)
    key = (1 if from_import else 0, module.lower())
    same = [(s, k) for s, sec, k in found if sec == section]
    if same:
        for statement, other in same:
            if other > key:
                return _line_above(ctx, statement), "", ""
        return ctx.location(same[-1][0]).end_line + 1, "", ""
    lower = [s for s, sec, _ in found if sec < section]
    newline = ctx.model.tree.default_newline
    if lower:
        return ctx.location(lower[-1]).end_line + 1, newline, ""
    higher = next(s for s, sec, _ in found if sec > section)
    return _line_above(ctx, higher), "", newline


def _line_above(ctx, statement) -> int:
    """The first line of ``statement`` with the comment lines right above it (they belong to it)."""
    line = ctx.location(statement).line
    for empty in reversed(statement.leading_lines):
        if empty.comment is None:
            break
        line -= 1
    return line


# ----------------------------------------------------------------------------- names for new code
def used_names(ctx, node: cst.CSTNode) -> set:
    """Every name used in ``node`` (a function, or the module): a new variable must avoid them.
    Names read, bound, imported or declared global (not attribute names, not keyword names):
    ``fastvisit.names_in``."""
    memo = ctx.shared.setdefault("fix_used_names", {})
    if id(node) not in memo:
        memo[id(node)] = names_in(node)
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
                    out[i] = Edit(e.line, e.column, e.line, e.column, _joined(out[i].content, e.content))
                continue
            at[key] = len(out)
        out.append(e)
    return out


_IMPORT_LINE = re.compile(r"(?:import|from) ([\w.]+)[^\r\n]*(?:\r\n|\r|\n)")


def _joined(first: str, second: str) -> str:
    """Two insertions at one point, one after the other; added imports in isort's order."""
    lines = source_lines(first + second)
    if all(_IMPORT_LINE.fullmatch(line) for line in lines):
        return "".join(sorted(lines, key=lambda line: (line.startswith("from "),
                                                        _IMPORT_LINE.fullmatch(line).group(1).lower())))
    return first + second
