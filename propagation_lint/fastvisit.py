"""A read-only traversal of libcst trees that does not rebuild them.

libcst's ``CSTNode.visit`` always rebuilds every node it walks (``_visit_and_replace_children``
constructs and re-validates a copy even for a read-only ``CSTVisitor``), which made the model
traversal cost about twice the parse. For a plain ``CSTVisitor`` the copy is thrown away, so
:func:`fast_visits` swaps in a walk that calls the same ``on_visit`` / ``on_leave`` callbacks in
the same order on the original nodes, and returns the original node, as libcst does.

The children order of each node class is read once from the field names its
``_visit_and_replace_children`` passes to libcst's ``visit_*`` helpers (source order). Visitors
with attribute callbacks (``visit_Call_func``), transformers, and any class whose order cannot be
read fall back to libcst's own ``visit``.
"""
from __future__ import annotations

import contextlib
import inspect
import operator
import re
import threading
from typing import Callable, Dict, Optional, Tuple

import libcst as cst
from libcst._nodes.base import CSTNode
from libcst._typed_visitor import CSTTypedVisitorFunctions

_FIELD_RE = re.compile(r"visit_(?:required|optional|sentinel|sequence|body_sequence|iterable|body_iterable)\(\s*self,\s*\"(\w+)\"")
_ATTR_CALLBACK_RE = re.compile(r"^(?:visit|leave)_[A-Za-z0-9]+_\w+$")
_ORDER: Dict[type, Optional[Tuple[str, ...]]] = {}
_VISITOR_OK: Dict[type, bool] = {}
_ORIGINAL_VISIT = CSTNode.visit
_ORIGINAL_MODULE_VISIT = cst.Module.visit
_LOCK = threading.Lock()
_DEPTH = 0


def _order(cls: type) -> Optional[Tuple[str, ...]]:
    try:
        return _ORDER[cls]
    except KeyError:
        pass
    order: Optional[Tuple[str, ...]]
    try:
        source = inspect.getsource(cls._visit_and_replace_children)
        order = tuple(dict.fromkeys(_FIELD_RE.findall(source)))
    except (OSError, TypeError):
        order = None
    _ORDER[cls] = order
    return order


def _visitor_ok(visitor) -> bool:
    cls = type(visitor)
    ok = _VISITOR_OK.get(cls)
    if ok is None:
        ok = isinstance(visitor, cst.CSTVisitor) and cls.on_visit_attribute is cst.CSTVisitor.on_visit_attribute \
            and cls.on_leave_attribute is cst.CSTVisitor.on_leave_attribute
        if ok:
            for klass in cls.__mro__:
                if klass is cst.CSTVisitor:
                    break
                if any(_ATTR_CALLBACK_RE.match(name) for name in vars(klass)):
                    ok = False
                    break
        if len(_VISITOR_OK) > 10_000:  # visitor classes made per call: do not grow without bound
            _VISITOR_OK.clear()
        _VISITOR_OK[cls] = ok
    return ok


def walk(node: CSTNode, visitor) -> None:
    """Visit ``node`` and its descendants with ``visitor`` without rebuilding anything."""
    cls = type(visitor)
    if cls.on_visit is cst.CSTVisitor.on_visit and cls.on_leave is cst.CSTVisitor.on_leave:
        table = _TABLES.get(cls)
        if table is None:
            table = _TABLES.setdefault(cls, {})
        want = _SKIPS.get(cls)
        if want is None:
            want = _SKIPS[cls] = _Wanted(_skippable(cls))
        _walk_dispatching(node, visitor, table, want)
        return
    if visitor.on_visit(node):
        order = _order(type(node))
        if order is None:
            # unknown layout: let libcst walk the children (it rebuilds, but is exact)
            _ORIGINAL_VISIT(node, _ChildrenOnly(visitor, node))
        else:
            for name in order:
                value = getattr(node, name)
                if isinstance(value, CSTNode):
                    value.visit(visitor)
                elif isinstance(value, (tuple, list)):
                    for child in value:
                        if isinstance(child, CSTNode):
                            child.visit(visitor)
    visitor.on_leave(node)


# Per visitor class: node class -> (visit_X or None, leave_X or None, children field order). The
# stubs every CSTVisitor inherits (they do nothing) count as None, so a node no callback cares
# about costs one dictionary lookup, not libcst's name formatting and two calls.
_TABLES: Dict[type, Dict[type, tuple]] = {}
# Per visitor class: the node classes that hold only whitespace, comments and operator tokens
# (a third of a tree's nodes), not walked at all when the visitor has no callback for any of them.
_SKIPS: Dict[type, "_Wanted"] = {}


class _Wanted(dict):
    """``wanted[type(value)]``: is a field value of that type a node to walk into (a node, and not
    one of the skipped trivia classes)? Answered once per type, then by a plain lookup."""

    __slots__ = ("skip",)

    def __init__(self, skip: frozenset):
        super().__init__()
        self.skip = skip

    def __missing__(self, kind: type) -> bool:
        wanted = self[kind] = kind not in self.skip and issubclass(kind, CSTNode)
        return wanted


def _trivia_classes() -> frozenset:
    from libcst._nodes import op, whitespace

    found = set()
    for module in (op, whitespace):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, CSTNode) and value.__module__ == module.__name__:
                found.add(value)
    found.update((cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
                  cst.LeftCurlyBrace, cst.RightCurlyBrace))
    return frozenset(found)


_TRIVIA = _trivia_classes()


def _skippable(visitor_cls: type) -> frozenset:
    for node_cls in _TRIVIA:
        for prefix in ("visit_", "leave_"):
            fn = getattr(visitor_cls, prefix + node_cls.__name__, None)
            if fn is not None and getattr(CSTTypedVisitorFunctions, prefix + node_cls.__name__, None) is not fn:
                return frozenset()
    return _TRIVIA


def _entry(table: dict, visitor_cls: type, node_cls: type) -> tuple:
    name = node_cls.__name__
    callbacks = []
    for prefix in ("visit_", "leave_"):
        fn = getattr(visitor_cls, prefix + name, None)
        if fn is not None and getattr(CSTTypedVisitorFunctions, prefix + name, None) is fn:
            fn = None
        callbacks.append(fn)
    entry = table[node_cls] = (callbacks[0], callbacks[1], _order(node_cls))
    return entry


def _walk_dispatching(node: CSTNode, visitor, table: dict, wanted: "_Wanted") -> None:
    """``walk`` for visitors that keep CSTVisitor's own on_visit/on_leave: the same callbacks, in
    the same order, with the same "False skips the children" rule."""
    entry = table.get(type(node))
    if entry is None:
        entry = _entry(table, type(visitor), type(node))
    visit, leave, order = entry
    if visit is None or visit(visitor, node) is not False:
        if order is None:
            _ORIGINAL_VISIT(node, _ChildrenOnly(visitor, node))
        else:
            for name in order:
                value = getattr(node, name)
                kind = type(value)
                if kind is tuple or kind is list:
                    for child in value:
                        if wanted[type(child)]:
                            _walk_dispatching(child, visitor, table, wanted)
                elif wanted[kind]:
                    _walk_dispatching(value, visitor, table, wanted)
    if leave is not None:
        leave(visitor, node)


class _ChildrenOnly(cst.CSTVisitor):
    """Fallback: forwards everything below ``root`` to ``inner`` (used for unknown layouts)."""

    def __init__(self, inner, root):
        self.inner = inner
        self.root = root

    def on_visit(self, node) -> bool:
        if node is self.root:
            return True
        node.visit(self.inner)
        return False

    def on_leave(self, node) -> None:
        return None


def _fast_visit(self, visitor):
    if _visitor_ok(visitor):
        walk(self, visitor)
        return self
    return _ORIGINAL_VISIT(self, visitor)


def _fast_module_visit(self, visitor):
    if _visitor_ok(visitor):
        walk(self, visitor)
        return self
    return _ORIGINAL_MODULE_VISIT(self, visitor)


@contextlib.contextmanager
def fast_visits():
    """Within the block, read-only visitors walk libcst trees without rebuilding them."""
    global _DEPTH
    with _LOCK:
        _DEPTH += 1
        if _DEPTH == 1:
            CSTNode.visit = _fast_visit  # type: ignore[method-assign]
            cst.Module.visit = _fast_module_visit  # type: ignore[method-assign]
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0:
                CSTNode.visit = _ORIGINAL_VISIT  # type: ignore[method-assign]
                cst.Module.visit = _ORIGINAL_MODULE_VISIT  # type: ignore[method-assign]


def contains(root: CSTNode, target: CSTNode) -> bool:
    """Whether ``target`` is ``root`` or one of its descendants (identity, no rebuilding)."""
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if node is target:
            return True
        _push_children(node, push, _ALL_NODES)
    return False


def _push_children(node: CSTNode, push, wanted: "_Wanted") -> None:
    """``push`` each child of ``node`` that ``wanted`` selects (all of them for an unknown layout)."""
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _fields(type(node))
    if fields is _UNKNOWN:
        for child in node.children:
            push(child)
        return
    for value in fields(node):
        if type(value) in _SEQUENCES:
            for child in value:
                if wanted[type(child)]:
                    push(child)
        elif wanted[type(value)]:
            push(value)


# node class -> a function giving its children fields' values as a tuple, in field order
_FIELDS: Dict[type, Callable] = {}
_SEQUENCES = (tuple, list)


def _UNKNOWN(node):  # a layout :func:`_order` cannot read
    return ()


def _fields(kind: type) -> Callable:
    order = _order(kind)
    if order is None:
        fields = _UNKNOWN
    elif len(order) == 1:
        one = operator.attrgetter(order[0])

        def fields(node):
            return (one(node),)
    else:
        fields = operator.attrgetter(*order) if order else (lambda node: ())
    _FIELDS[kind] = fields
    return fields


_ALL_NODES = _Wanted(frozenset())
_NOT_TRIVIA = _Wanted(_TRIVIA)


def names_in(root: CSTNode) -> set:
    """The values of the ``Name`` nodes in ``root`` (itself included), except an attribute's name
    and an argument's keyword: names read, bound, imported or declared global. The same set as a
    visitor with ``visit_Name`` that walks only ``value`` under ``Attribute`` and ``Arg``, in one
    loop instead of a call per node."""
    names: set = set()
    add = names.add
    stack = [root]
    pop, push = stack.pop, stack.append
    wanted = _NOT_TRIVIA
    name_cls, attribute_cls, arg_cls = cst.Name, cst.Attribute, cst.Arg
    while stack:
        node = pop()
        kind = type(node)
        if kind is name_cls:
            add(node.value)
            continue  # its children are parentheses
        if kind is attribute_cls or kind is arg_cls:
            push(node.value)
            continue
        _push_children(node, push, wanted)
    return names
