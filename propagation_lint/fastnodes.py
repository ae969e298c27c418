"""Building libcst's nodes faster while its native parser runs.

libcst's nodes are frozen, slotted dataclasses: each generated ``__init__`` sets every field
through ``object.__setattr__`` (frozen classes forbid plain assignment) and then calls
``__post_init__``, which re-validates the node (``_validate``). The parser builds only valid
trees, and several million nodes for a large project, so while it runs (see
``engine._trusted_parser``) each node class gets an ``__init__`` with the same signature and
defaults that stores the fields through their slot descriptors directly and validates nothing:
about 40% less per node. The classes get their own ``__init__`` back when the parse ends.

A class whose fields do not fit that shape (a field left out of ``__init__``, keyword-only, not a
slot) keeps its own ``__init__``.
"""
from __future__ import annotations

import dataclasses
import types
from typing import Dict, List, Tuple

from libcst._nodes.base import CSTNode

_MISSING = object()  # a default_factory field left out by the caller


def _node_classes() -> List[type]:
    found, stack = [], [CSTNode]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            # libcst's add_slots replaces each dataclass by a slotted copy: the originals linger
            # in __subclasses__() and are never instantiated
            if "__init__" in sub.__dict__ and "__slots__" in sub.__dict__ and dataclasses.is_dataclass(sub):
                found.append(sub)
    return sorted(set(found), key=lambda c: (c.__module__, c.__qualname__))


def _fast_init(cls: type):
    """An ``__init__`` for ``cls`` equivalent to its dataclass one, minus validation; or None."""
    namespace: Dict[str, object] = {"_MISSING": _MISSING}
    params, body = ["self"], []
    for index, f in enumerate(dataclasses.fields(cls)):
        slot = next((k.__dict__[f.name] for k in cls.__mro__ if f.name in k.__dict__), None)
        if not f.init or getattr(f, "kw_only", False) or type(slot) is not types.MemberDescriptorType:
            return None
        namespace[f"_set{index}"] = slot.__set__
        value = f.name
        if f.default is not dataclasses.MISSING:
            namespace[f"_default{index}"] = f.default
            params.append(f"{f.name}=_default{index}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory{index}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            value = f"(_factory{index}() if {f.name} is _MISSING else {f.name})"
        else:
            params.append(f.name)
        body.append(f"    _set{index}(self, {value})")
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(source, namespace)  # noqa: S102 - our own generated code, from the classes' fields
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


_SWAPS: List[Tuple[type, object, object]] = []


def _swaps() -> List[Tuple[type, object, object]]:
    if not _SWAPS:
        for cls in _node_classes():
            fast = _fast_init(cls)
            if fast is not None:
                _SWAPS.append((cls, cls.__dict__["__init__"], fast))
    return _SWAPS


def install() -> None:
    """Give every node class its fast ``__init__`` (the caller restores them with :func:`remove`)."""
    for cls, _, fast in _swaps():
        type.__setattr__(cls, "__init__", fast)


def remove() -> None:
    for cls, original, _ in _swaps():
        type.__setattr__(cls, "__init__", original)
