"""The semantic model of one file, built in one traversal of its libcst tree.

What it holds, per scope (module, class, function): the import bindings, the assignments, the
parameters with their annotations, ``with ... as`` and ``for`` bindings, and every call in source
order together with the branch it sits in. ``names.py`` answers "what is this expression?" from
it, without executing anything, and without libcst's metadata providers (which cost several
times the parse itself).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst


@dataclass
class Binding:
    """One way a local name got its value."""

    kind: str  # import | assign | param | with | for | def | class | global
    node: Optional[cst.CSTNode]  # the value expression (assign/with/for iterable) or the def
    order: int  # source order of the binding statement
    qname: str = ""  # for imports: the qualified name it binds
    annotation: Optional[cst.BaseExpression] = None  # for params
    branch: Tuple[Tuple[int, int], ...] = ()


@dataclass(repr=False)
class CallSite:
    node: cst.Call
    order: int
    branch: Tuple[Tuple[int, int], ...]
    scope: "Scope"
    awaited: bool = False
    in_loop: bool = False
    statement: Optional[cst.CSTNode] = None  # the enclosing simple statement or compound header
    # (with_node, index) when this call is the context-manager expression of a `with` item
    with_item: Optional[cst.WithItem] = None

    def __repr__(self) -> str:
        return f"<CallSite #{self.order} in {self.scope.qname}>"


@dataclass(repr=False, eq=False)
class Scope:
    kind: str  # module | class | function
    name: str
    qname: str
    node: cst.CSTNode
    parent: Optional["Scope"]
    bindings: Dict[str, List[Binding]] = field(default_factory=dict)
    calls: List[CallSite] = field(default_factory=list)
    children: List["Scope"] = field(default_factory=list)
    # class scopes: `self.x = ...` assignments made in any method, and the base expressions
    self_attrs: Dict[str, List[Binding]] = field(default_factory=dict)
    bases: List[cst.BaseExpression] = field(default_factory=list)
    # function scopes
    params: List[cst.Param] = field(default_factory=list)
    decorators: List[cst.BaseExpression] = field(default_factory=list)
    is_async: bool = False
    returns: List[cst.BaseExpression] = field(default_factory=list)
    # attribute stores `x.attr = value` and augmented assignments, by root name
    attr_stores: List[Tuple[cst.BaseExpression, cst.BaseExpression, int, tuple]] = field(default_factory=list)
    # `for target in iter:` loops: (target, iter, order, node)
    loops: List[Tuple[cst.BaseExpression, cst.BaseExpression, int, cst.CSTNode]] = field(default_factory=list)
    # dict literals written directly in this scope (rules read them instead of walking the tree again)
    dicts: List[cst.Dict] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<Scope {self.kind} {self.qname}>"

    def add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    @property
    def class_scope(self) -> Optional["Scope"]:
        """For a method: the class it is defined in."""
        if self.kind == "function" and self.parent is not None and self.parent.kind == "class":
            return self.parent
        return None

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class FileModel:
    path: str
    module: str  # dotted module name, e.g. "shop.orders.publisher"
    is_package: bool
    tree: cst.Module
    root: Scope
    # every scope by qualified name
    scopes: Dict[str, Scope] = field(default_factory=dict)
    # every node's enclosing scope is not stored: calls carry their scope.
    all_calls: List[CallSite] = field(default_factory=list)
    # module-level imports of any kind (qualified names), for the cheap "does this file use X" test
    imported: List[str] = field(default_factory=list)
    # positions resolved lazily (only files with findings pay for them)
    _positions: Optional[dict] = None
    _wrapper: Optional[object] = None

    def functions(self):
        for scope in self.root.walk():
            if scope.kind == "function":
                yield scope

    def release(self) -> None:
        """Break the model's reference cycles (scopes and their parents, children and calls), so
        that the tree is freed as soon as the last reference goes, without a garbage collection."""
        for scope in list(self.root.walk()):
            scope.parent = None
            scope.children = []
            scope.calls = []
            scope.bindings = {}
            scope.self_attrs = {}
        self.scopes = {}
        self.all_calls = []

    def imports_any(self, prefixes) -> bool:
        for q in self.imported:
            for p in prefixes:
                if q == p or q.startswith(p + "."):
                    return True
        return False


class _Builder(cst.CSTVisitor):
    def __init__(self, model: FileModel):
        self.model = model
        self.scope = model.root
        self.order = 0
        self.branch: List[Tuple[int, int]] = []
        self.loop_depth = 0
        self.await_stack: List[cst.Await] = []
        self.statement: Optional[cst.CSTNode] = None
        self.with_items: Dict[int, cst.WithItem] = {}

    # ---------------------------------------------------------------- helpers
    def _next(self) -> int:
        self.order += 1
        return self.order

    def _bind_target(self, target: cst.BaseExpression, value, kind: str) -> None:
        order = self._next()
        if isinstance(target, cst.Name):
            self.scope.add(target.value, Binding(kind, value, order, branch=tuple(self.branch)))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                inner = el.value
                if isinstance(inner, cst.StarredElement):
                    inner = inner.value
                # element of a destructured value: keep the whole value as the source
                self._bind_target(inner, value, kind if kind == "for" else "unpack")
        elif isinstance(target, cst.Attribute):
            base = target.value
            cls = self.scope.class_scope
            if isinstance(base, cst.Name) and base.value == "self" and cls is not None:
                cls.self_attrs.setdefault(target.attr.value, []).append(
                    Binding(kind, value, order, branch=tuple(self.branch))
                )
            self.scope.attr_stores.append((target, value, order, tuple(self.branch)))
        elif isinstance(target, cst.Subscript):
            self.scope.attr_stores.append((target, value, order, tuple(self.branch)))

    def _push(self, kind: str, name: str, node: cst.CSTNode) -> Scope:
        parent = self.scope
        if parent.kind == "module":
            qname = f"{self.model.module}.{name}" if self.model.module else name
        else:
            qname = f"{parent.qname}.{name}"
        scope = Scope(kind=kind, name=name, qname=qname, node=node, parent=parent)
        parent.children.append(scope)
        self.model.scopes.setdefault(qname, scope)
        self.scope = scope
        return scope

    def _resolve_relative(self, module: Optional[cst.BaseExpression], level: int) -> str:
        name = _dotted(module) if module is not None else ""
        if level == 0:
            return name
        parts = self.model.module.split(".") if self.model.module else []
        if not self.model.is_package:
            parts = parts[:-1]
        if level > 1:
            parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
        base = ".".join(parts)
        if name:
            return f"{base}.{name}" if base else name
        return base

    # ---------------------------------------------------------------- imports
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local, qname = alias.asname.name.value, full
            else:
                local, qname = full.split(".")[0], full.split(".")[0]
            self.scope.add(local, Binding("import", None, self._next(), qname=qname))
            self.model.imported.append(full)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        level = len(node.relative)
        base = self._resolve_relative(node.module, level)
        if isinstance(node.names, cst.ImportStar):
            self.model.imported.append(base)
            return
        for alias in node.names:
            name = _dotted(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            qname = f"{base}.{name}" if base else name
            self.scope.add(local, Binding("import", None, self._next(), qname=qname))
            self.model.imported.append(qname)

    # ---------------------------------------------------------------- scopes
    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.scope.add(node.name.value, Binding("class", node, self._next()))
        scope = self._push("class", node.name.value, node)
        scope.bases = [arg.value for arg in node.bases]
        scope.decorators = [d.decorator for d in node.decorators]
        return True

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope = self.scope.parent

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        # decorators and defaults are evaluated in the enclosing scope
        for dec in node.decorators:
            dec.visit(self)
        self.scope.add(node.name.value, Binding("def", node, self._next(), branch=tuple(self.branch)))
        scope = self._push("function", node.name.value, node)
        scope.is_async = node.asynchronous is not None
        scope.decorators = [d.decorator for d in node.decorators]
        params = node.params
        all_params = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        if isinstance(params.star_arg, cst.Param):
            all_params.append(params.star_arg)
        if params.star_kwarg is not None:
            all_params.append(params.star_kwarg)
        scope.params = all_params
        for p in all_params:
            ann = p.annotation.annotation if p.annotation is not None else None
            scope.add(p.name.value, Binding("param", p, self._next(), annotation=ann))
        saved = (self.branch, self.loop_depth)
        self.branch, self.loop_depth = [], 0
        node.body.visit(self)
        self.branch, self.loop_depth = saved
        self.scope = self.scope.parent
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return True

    # ---------------------------------------------------------------- statements
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statement = node

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._bind_target(t.target, node.value, "assign")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value, "assign")
        elif isinstance(node.target, cst.Name):
            self.scope.add(node.target.value, Binding("annotated", None, self._next(), annotation=node.annotation.annotation))
        if isinstance(node.target, cst.Attribute) and node.value is None:
            pass

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, node.value, "augassign")

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value, "assign")

    def visit_Global(self, node: cst.Global) -> None:
        for n in node.names:
            self.scope.add(n.name.value, Binding("global", None, self._next()))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.scope.returns.append(node.value)

    def visit_With(self, node: cst.With) -> bool:
        self.statement = node
        for item in node.items:
            self.with_items[id(item.item)] = item
            item.item.visit(self)
            if item.asname is not None:
                self._bind_target(item.asname.name, item.item, "with")
        node.body.visit(self)
        return False

    def visit_For(self, node: cst.For) -> bool:
        self.statement = node
        node.iter.visit(self)
        self._bind_target(node.target, node.iter, "for")
        self.scope.loops.append((node.target, node.iter, self._next(), node))
        self.loop_depth += 1
        node.body.visit(self)
        self.loop_depth -= 1
        if node.orelse is not None:
            node.orelse.visit(self)
        return False

    def visit_While(self, node: cst.While) -> bool:
        self.statement = node
        node.test.visit(self)
        self.loop_depth += 1
        node.body.visit(self)
        self.loop_depth -= 1
        if node.orelse is not None:
            node.orelse.visit(self)
        return False

    def visit_If(self, node: cst.If) -> bool:
        self.statement = node
        node.test.visit(self)
        key = id(node)
        self.branch.append((key, 0))
        node.body.visit(self)
        self.branch.pop()
        if node.orelse is not None:
            self.branch.append((key, 1))
            node.orelse.visit(self)
            self.branch.pop()
        return False

    def visit_Try(self, node: cst.Try) -> bool:
        key = id(node)
        node.body.visit(self)
        for i, handler in enumerate(node.handlers):
            self.branch.append((key, i + 1))
            handler.visit(self)
            self.branch.pop()
        if node.orelse is not None:
            node.orelse.visit(self)
        if node.finalbody is not None:
            node.finalbody.visit(self)
        return False

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, node.type, "except")

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, node.iter, "for")

    # ---------------------------------------------------------------- calls
    def visit_Await(self, node: cst.Await) -> None:
        self.await_stack.append(node)

    def leave_Await(self, original_node: cst.Await) -> None:
        self.await_stack.pop()

    def visit_Dict(self, node: cst.Dict) -> None:
        self.scope.dicts.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        awaited = bool(self.await_stack) and self.await_stack[-1].expression is node
        site = CallSite(
            node=node,
            order=self._next(),
            branch=tuple(self.branch),
            scope=self.scope,
            awaited=awaited,
            in_loop=self.loop_depth > 0,
            statement=self.statement,
            with_item=self.with_items.get(id(node)),
        )
        self.scope.calls.append(site)
        self.model.all_calls.append(site)


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        left = _dotted(node.value)
        return f"{left}.{node.attr.value}" if left else ""
    return ""


dotted = _dotted


def string_value(node):
    """``node.evaluated_value``. libcst evaluates every string with ``ast.literal_eval`` (a
    ``compile`` per call); a plain quoted string without escapes is its own text."""
    if type(node) is cst.SimpleString:
        v = node.value
        if v[:1] in ("'", '"') and "\\" not in v and "\r" not in v:
            n = 3 if len(v) >= 6 and v[:3] == v[0] * 3 else 1
            return v[n:-n]
    return node.evaluated_value


def module_name_for(rel_path: str) -> Tuple[str, bool]:
    """Dotted module name for a path relative to the project root, and whether it is a package."""
    parts = rel_path.replace("\\", "/").split("/")
    if parts and parts[0] in (".", ""):
        parts = parts[1:]
    # strip a leading src/ layout directory
    if len(parts) > 1 and parts[0] in ("src", "lib"):
        parts = parts[1:]
    last = parts[-1]
    if last.endswith(".py"):
        last = last[:-3]
    is_package = last == "__init__"
    parts = parts[:-1] if is_package else parts[:-1] + [last]
    parts = [p for p in parts if p and p != ".."]
    return ".".join(parts), is_package


def build_model(tree: cst.Module, path: str, module: str, is_package: bool) -> FileModel:
    root = Scope(kind="module", name=module, qname=module, node=tree, parent=None)
    model = FileModel(path=path, module=module, is_package=is_package, tree=tree, root=root)
    model.scopes[module] = root
    tree.visit(_Builder(model))
    return model
