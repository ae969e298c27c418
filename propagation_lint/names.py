"""Name resolution: what an expression is, from imports, assignments, annotations and the catalog.

``resolve(expr, scope)`` returns a :class:`Value`:

- ``ref``: a qualified name of something imported or defined (module, class, function),
  e.g. ``kafka.KafkaProducer`` for ``from kafka import KafkaProducer as KP; KP``;
- ``instance``: an object of a known type, e.g. ``kafka.KafkaProducer`` for
  ``producer = KP(...)``, ``self.producer`` assigned in ``__init__``, a parameter annotated
  ``producer: KafkaProducer``, or a catalog factory result (``boto3.client("sqs")``);
- ``unknown``.

Types are canonicalised through the catalog's aliases, so ``kafka.producer.kafka.KafkaProducer``
and ``kafka.KafkaProducer`` are the same type. Nothing is imported or executed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from .catalog import CATALOG
from .model import Binding, FileModel, Scope, dotted, string_value

MAX_DEPTH = 12


@dataclass(frozen=True)
class Value:
    kind: str  # ref | instance | unknown
    qname: str = ""
    # for instances built by a project class or function: the project qualified name
    project: bool = False

    @property
    def known(self) -> bool:
        return self.kind != "unknown"


UNKNOWN = Value("unknown")


class Resolver:
    def __init__(self, model: FileModel):
        self.model = model
        self._cache = {}
        self._names = {}
        self._attributes = {}

    # ------------------------------------------------------------------ lookup
    def lookup(self, name: str, scope: Scope, before: Optional[int] = None):
        """The bindings of ``name`` visible from ``scope`` (Python's LEGB, skipping class scopes)."""
        s: Optional[Scope] = scope
        first = True
        while s is not None:
            if s.kind != "class" or first:
                bindings = s.bindings.get(name)
                if bindings:
                    if any(b.kind == "global" for b in bindings) and s.kind != "module":
                        s = self.model.root
                        continue
                    return s, bindings
            first = False
            s = s.parent
        return None, []

    def qualify(self, expr: cst.BaseExpression, scope: Scope) -> str:
        """The qualified name an expression refers to (imports resolved), or ''."""
        v = self.resolve(expr, scope)
        return v.qname if v.kind == "ref" else ""

    # ------------------------------------------------------------------ resolve
    def resolve(self, expr, scope: Scope, depth: int = 0) -> Value:
        if expr is None or depth > MAX_DEPTH:
            return UNKNOWN
        key = (id(expr), id(scope))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        self._cache[key] = UNKNOWN  # cycle guard
        if type(expr) is cst.Name:
            # what a name means depends on the name and the scope, not on where it is written:
            # every `self` of a method resolves once
            by_name = (expr.value, id(scope), depth)
            value = self._names.get(by_name)
            if value is None:
                value = self._names[by_name] = self._resolve_name(expr.value, scope, depth)
        else:
            value = self._resolve(expr, scope, depth)
        self._cache[key] = value
        return value

    def _resolve(self, expr, scope: Scope, depth: int) -> Value:
        if isinstance(expr, cst.Await):
            return self.resolve(expr.expression, scope, depth + 1)
        if isinstance(expr, cst.Name):
            return self._resolve_name(expr.value, scope, depth)
        if isinstance(expr, cst.Attribute):
            return self._resolve_attribute(expr, scope, depth)
        if isinstance(expr, cst.Call):
            return self._resolve_call(expr, scope, depth)
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            return Value("instance", "builtins.str")
        if isinstance(expr, cst.Dict):
            return Value("instance", "builtins.dict")
        if isinstance(expr, (cst.List, cst.ListComp)):
            return Value("instance", "builtins.list")
        if isinstance(expr, cst.BooleanOperation):
            left = self.resolve(expr.left, scope, depth + 1)
            return left if left.known else self.resolve(expr.right, scope, depth + 1)
        if isinstance(expr, cst.Subscript):
            # Optional[X] / "X | None" style annotations are handled in annotation()
            return UNKNOWN
        return UNKNOWN

    def _resolve_name(self, name: str, scope: Scope, depth: int) -> Value:
        owner, bindings = self.lookup(name, scope)
        declared = scope.bindings.get(name, ())
        if owner is self.model.root and scope is not owner and any(b.kind == "global" for b in declared):
            # `global _producer` then `_producer = KafkaProducer(...)` in the function (a lazy singleton)
            bindings = list(bindings) + [b for b in declared if b.kind == "assign"]
        if not bindings:
            if name in ("print", "len", "dict", "list", "str", "bytes", "int"):
                return Value("ref", f"builtins.{name}")
            return UNKNOWN
        # prefer the most informative binding (last assignment that resolves)
        for b in reversed(bindings):
            v = self._from_binding(name, b, owner, depth)
            if v.known:
                return v
        return UNKNOWN

    def _from_binding(self, name: str, b: Binding, owner: Scope, depth: int) -> Value:
        if b.kind == "import":
            q = CATALOG.canonical(b.qname)
            return Value("ref", q, project=self._is_project(q))
        if b.kind in ("assign", "with", "augassign"):
            v = self.resolve(b.node, owner, depth + 1)
            if b.kind == "with" and v.kind == "instance":
                entered = CATALOG.factory_result(v.qname, "__enter__", None)
                if entered:
                    return Value("instance", entered)
            return v
        if b.kind == "unpack":
            return self._unpacked(name, b, owner, depth)
        if b.kind == "for":
            it = self.resolve(b.node, owner, depth + 1)
            if it.kind == "instance":
                elem = CATALOG.factory_result(it.qname, "__iter__", None)
                if elem:
                    return Value("instance", elem)
            return UNKNOWN
        if b.kind in ("param", "annotated"):
            if b.annotation is not None:
                t = self.annotation_type(b.annotation, owner, depth)
                if t:
                    return Value("instance", t, project=self._is_project(t))
            if b.kind == "param" and owner.class_scope is not None and owner.params and owner.params[0] is b.node:
                if not _is_static(owner):
                    return Value("instance", owner.class_scope.qname, project=True)
            return UNKNOWN
        if b.kind == "def":
            return Value("ref", f"{owner.qname}.{name}" if owner.kind != "module" else _join(self.model.module, name), project=True)
        if b.kind == "class":
            q = f"{owner.qname}.{name}" if owner.kind != "module" else _join(self.model.module, name)
            return Value("ref", q, project=True)
        return UNKNOWN

    def _unpacked(self, name: str, b: Binding, owner: Scope, depth: int) -> Value:
        """``client, retry = make_client()``: the element of the tuple a function of this file returns."""
        index = unpack_index(name, b, owner)
        value = b.node.expression if isinstance(b.node, cst.Await) else b.node
        if index is None or not isinstance(value, cst.Call):
            return UNKNOWN
        callee = self.resolve(value.func, owner, depth + 1)
        target = self.model.scopes.get(callee.qname) if callee.kind == "ref" else None
        if target is None or target.kind != "function":
            return UNKNOWN
        for r in target.returns:
            if isinstance(r, cst.Tuple) and index < len(r.elements) and not any(
                    isinstance(e, cst.StarredElement) for e in r.elements[:index + 1]):
                v = self.resolve(r.elements[index].value, target, depth + 1)
                if v.known:
                    return v
        return UNKNOWN

    def annotation_type(self, ann, scope: Scope, depth: int = 0) -> str:
        """The qualified type an annotation names (unwrapping Optional[...] and X | None)."""
        if isinstance(ann, cst.SimpleString):
            try:
                text = string_value(ann)
                ann = cst.parse_expression(text) if isinstance(text, str) else None
            except Exception:
                return ""
            if ann is None:
                return ""
        if isinstance(ann, cst.BinaryOperation) and isinstance(ann.operator, cst.BitOr):
            return self._one_type([ann.left, ann.right], scope, depth)
        if isinstance(ann, cst.Subscript):
            base = self.qualify(ann.value, scope)
            if base in ("typing.Optional", "typing.Union", "Optional", "Union") and ann.slice:
                members = [el.slice.value for el in ann.slice if isinstance(el.slice, cst.Index)]
                return self._one_type(members, scope, depth)
            if base in ("typing.Annotated", "typing_extensions.Annotated", "Annotated") and ann.slice \
                    and isinstance(ann.slice[0].slice, cst.Index):
                return self.annotation_type(ann.slice[0].slice.value, scope, depth + 1)
            if base.startswith(("typing.", "typing_extensions.", "collections.abc.")) or "." not in base:
                return ""  # `List[X]`, `Callable[...]`, `list[X]`: no class of the project or a client
            # a generic class parametrised (`subprocess.Popen[bytes]`, `Queue[Job]`): that class
            v = self.resolve(ann.value, scope, depth + 1)
            return v.qname if v.kind == "ref" else ""
        v = self.resolve(ann, scope, depth + 1)
        if v.kind == "ref":
            return v.qname
        return ""

    def _one_type(self, members, scope: Scope, depth: int) -> str:
        """``X | None`` / ``Optional[X]`` is X; a union of different types (``Client | TracedClient``) is
        none of them: which one the value is cannot be known."""
        found = set()
        for member in members:
            if isinstance(member, cst.Name) and member.value == "None":
                continue
            t = self.annotation_type(member, scope, depth)
            if not t:
                return ""
            found.add(t)
        return found.pop() if len(found) == 1 else ""

    def _resolve_attribute(self, expr: cst.Attribute, scope: Scope, depth: int) -> Value:
        base = self.resolve(expr.value, scope, depth + 1)
        if base.kind == "unknown":
            return UNKNOWN
        # the rest depends on what the base is, not on where it is written: `self.x` once per class
        key = (base.kind, base.qname, base.project, expr.attr.value, depth)
        value = self._attributes.get(key)
        if value is None:
            value = self._attributes[key] = self._attribute_of(base, expr.attr.value, depth)
        return value

    def _attribute_of(self, base: Value, attr: str, depth: int) -> Value:
        if base.kind == "ref":
            return Value("ref", CATALOG.canonical(f"{base.qname}.{attr}"), project=base.project)
        if base.kind == "instance":
            # project class: look at `self.attr = ...` in its methods, then class-level bindings
            cls = self.model.scopes.get(base.qname)
            if cls is not None and cls.kind == "class":
                for b in reversed(cls.self_attrs.get(attr, [])):
                    method = _method_scope_of(cls, b)
                    v = self.resolve(b.node, method or cls, depth + 1) if b.node is not None else UNKNOWN
                    if v.known:
                        return v
                for b in reversed(cls.bindings.get(attr, [])):
                    if b.kind in ("assign", "annotated"):
                        if b.node is not None:
                            v = self.resolve(b.node, cls, depth + 1)
                        else:
                            t = self.annotation_type(b.annotation, cls, depth)
                            v = Value("instance", t) if t else UNKNOWN
                        if v.known:
                            return v
                for base_expr in cls.bases:
                    parent = self.resolve(base_expr, cls.parent or cls, depth + 1)
                    if parent.kind == "ref":
                        res = self._resolve_attribute_on(parent.qname, attr)
                        if res.known:
                            return res
                return UNKNOWN
            return self._resolve_attribute_on(base.qname, attr)
        return UNKNOWN

    def _resolve_attribute_on(self, type_qname: str, attr: str) -> Value:
        result = CATALOG.factory_result(type_qname, "." + attr, None)
        if result:
            return Value("instance", result)
        return UNKNOWN

    def _resolve_call(self, expr: cst.Call, scope: Scope, depth: int) -> Value:
        func = expr.func
        if isinstance(func, cst.Attribute):
            recv = self.resolve(func.value, scope, depth + 1)
            method = func.attr.value
            if recv.kind == "instance":
                result = CATALOG.factory_result(recv.qname, method, _first_string(expr))
                if result:
                    return Value("instance", result)
                cls = self.model.scopes.get(recv.qname)
                if cls is not None:
                    fn = cls.bindings.get(method)
                    target = self.model.scopes.get(f"{cls.qname}.{method}")
                    if fn and target is not None:
                        return self._returns_of(target, depth)
                return UNKNOWN
            if recv.kind == "ref":
                q = CATALOG.canonical(f"{recv.qname}.{method}")
                return self._call_ref(q, expr, depth, recv.project)
            return UNKNOWN
        callee = self.resolve(func, scope, depth + 1)
        if callee.kind == "ref":
            return self._call_ref(callee.qname, expr, depth, callee.project)
        return UNKNOWN

    def _call_ref(self, q: str, expr: cst.Call, depth: int, project: bool) -> Value:
        result = CATALOG.factory_result(q, "()", _first_string(expr))
        if result:
            return Value("instance", result)
        if CATALOG.is_known_class(q):
            return Value("instance", q)
        target = self.model.scopes.get(q)
        if target is not None:
            if target.kind == "class":
                return Value("instance", q, project=True)
            if target.kind == "function":
                return self._returns_of(target, depth)
        if q.split(".")[-1][:1].isupper():
            # calling a CamelCase name constructs an instance (a library class we do not list,
            # e.g. an instrumentor, or a project class from another module)
            return Value("instance", q, project=project or self._is_project(q))
        return UNKNOWN

    def _returns_of(self, fn: Scope, depth: int) -> Value:
        for r in fn.returns:
            v = self.resolve(r, fn, depth + 1)
            if v.known:
                return v
        return UNKNOWN

    def _is_project(self, qname: str) -> bool:
        return is_project_name(qname, self.model.module)

    # ------------------------------------------------------------------ helpers
    def callee_name(self, call: cst.Call, scope: Scope) -> str:
        """Qualified name of the function called (``opentelemetry.propagate.inject``), or ''."""
        v = self.resolve(call.func, scope)
        return v.qname if v.kind == "ref" else ""

    def receiver(self, call: cst.Call, scope: Scope) -> Value:
        if isinstance(call.func, cst.Attribute):
            return self.resolve(call.func.value, scope)
        return UNKNOWN


def is_project_name(qname: str, module: str) -> bool:
    """Could ``qname`` be defined in the checked project (not the stdlib, not a catalog library)?"""
    top = qname.split(".")[0]
    if not top or top == "builtins":
        return False
    if module and top == module.split(".")[0]:
        return True
    return top not in _external_tops()


_EXTERNAL = None
_STDLIB = None


def stdlib_module_names() -> frozenset:
    """The standard library's top-level modules: ``sys.stdlib_module_names`` (3.10+), else what the
    interpreter's own library directories hold (Python 3.9)."""
    global _STDLIB
    if _STDLIB is None:
        import sys

        names = getattr(sys, "stdlib_module_names", None)
        if names:
            _STDLIB = frozenset(names)
        else:
            _STDLIB = frozenset(_listed_stdlib())
    return _STDLIB


def _listed_stdlib() -> set:
    import importlib.machinery
    import os
    import sys
    import sysconfig

    suffixes = sorted(importlib.machinery.all_suffixes(), key=len, reverse=True)
    found = set(sys.builtin_module_names)
    paths = sysconfig.get_paths()
    for folder in {paths.get("stdlib"), paths.get("platstdlib")} - {None}:
        for place in (folder, os.path.join(folder, "lib-dynload")):
            try:
                entries = os.listdir(place)
            except OSError:
                continue
            for entry in entries:
                if entry in ("site-packages", "dist-packages", "lib-dynload"):
                    continue
                if os.path.isdir(os.path.join(place, entry)):
                    if entry.isidentifier():
                        found.add(entry)
                    continue
                suffix = next((x for x in suffixes if entry.endswith(x)), None)
                if suffix and entry[: -len(suffix)].isidentifier():
                    found.add(entry[: -len(suffix)])
    return found


def _external_tops():
    global _EXTERNAL
    if _EXTERNAL is None:
        import sys

        names = set(stdlib_module_names())
        names |= set(sys.builtin_module_names)
        names |= {"os", "sys", "json", "typing", "logging", "time", "datetime", "functools", "asyncio",
                  "threading", "concurrent", "multiprocessing", "contextvars", "collections", "uuid"}
        names |= CATALOG.library_modules()
        _EXTERNAL = frozenset(names)
    return _EXTERNAL


def _first_string(call: cst.Call) -> Optional[str]:
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value in ("service_name", "service", "name"):
            if isinstance(arg.value, cst.SimpleString):
                v = string_value(arg.value)
                return v if isinstance(v, str) else None
            return None
    return None


def _join(module: str, name: str) -> str:
    return f"{module}.{name}" if module else name


def _is_static(fn: Scope) -> bool:
    return any(dotted(d) == "staticmethod" for d in fn.decorators)


def _method_scope_of(cls: Scope, b: Binding) -> Optional[Scope]:
    for child in cls.children:
        if child.kind == "function" and child.node is not None:
            # the binding's order falls inside the method's statements
            for s in child.walk():
                for attr_binding in s.attr_stores:
                    if attr_binding[2] == b.order:
                        return s
    return None


def unpack_index(name: str, b: Binding, owner: Scope) -> Optional[int]:
    """The position of ``name`` in the tuple target that ``b`` (an ``unpack`` binding) came from:
    ``a, b = f()`` -> 1 for ``b``; None for nested or starred targets and other statements."""
    value = b.node
    for site in owner.calls:
        if site.node is not value and not (isinstance(value, cst.Await) and site.node is value.expression):
            continue
        stmt = site.statement
        for small in getattr(stmt, "body", ()) if isinstance(stmt, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Assign) and small.value is value and len(small.targets) == 1:
                target = small.targets[0].target
                if isinstance(target, (cst.Tuple, cst.List)):
                    for i, el in enumerate(target.elements):
                        if isinstance(el, cst.StarredElement) or isinstance(el.value, cst.StarredElement):
                            return None
                        if isinstance(el.value, cst.Name) and el.value.value == name:
                            return i
        return None
    return None


def root_name(expr) -> str:
    """The variable at the root of an attribute/subscript chain: ``msg.headers['x']`` -> ``msg``."""
    while isinstance(expr, (cst.Attribute, cst.Subscript)):
        expr = expr.value
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        return root_name(expr.func.value)
    return expr.value if isinstance(expr, cst.Name) else ""
