"""The catalog: everything the linter knows about libraries, as data.

Rows live in one module per concern: ``classes`` (types and factories), ``publishers``,
``consumers``, ``threads``, ``tracing`` (inject/extract/link/span APIs), ``instrumentors``, and
``suggestions`` (the code each finding proposes, per carrier kind). :class:`Catalog` indexes them
for the rules; ``Catalog.extended(settings)`` adds the user's own rows from ``pyproject.toml``.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from . import classes, consumers, instrumentors, publishers, threads, tracing
from .schema import Arg, ClassInfo, Factory, Injector, Instrumentor, Publisher

# Every catalog module may contribute CLASSES and FACTORIES rows for the types it talks about.
_ROW_MODULES = (classes, publishers, consumers, threads, tracing, instrumentors)


def _all(attr: str) -> tuple:
    rows = []
    for module in _ROW_MODULES:
        rows.extend(getattr(module, attr, ()))
    return tuple(rows)


class Catalog:
    def __init__(self, publisher_rows: Iterable[Publisher] = publishers.PUBLISHERS):
        self.classes = _all("CLASSES")
        self._canonical: Dict[str, str] = {}
        for c in self.classes:
            self._canonical[c.qname] = c.qname
            for a in c.aliases:
                self._canonical[a] = c.qname
        self._library_of = {c.qname: c.library for c in self.classes}
        self._factories: Dict[Tuple[str, str], List[Factory]] = {}
        self.factories = _all("FACTORIES")
        for f in self.factories:
            self._factories.setdefault((self.canonical(f.source), f.member), []).append(f)
        self.publishers: Tuple[Publisher, ...] = tuple(publisher_rows)
        self._pub_by_method: Dict[str, List[Publisher]] = {}
        self._pub_by_function: Dict[str, List[Publisher]] = {}
        for p in self.publishers:
            if p.function:
                self._pub_by_function.setdefault(p.function, []).append(p)
            else:
                self._pub_by_method.setdefault(p.method, []).append(p)
        self.injectors: Dict[str, Injector] = {i.qname: i for i in tracing.INJECTORS}
        self.instrumentors: Tuple[Instrumentor, ...] = instrumentors.INSTRUMENTORS
        self._instrumentor_by_qname = {i.qname: i for i in self.instrumentors}

    # ------------------------------------------------------------- types
    def canonical(self, qname: str) -> str:
        return self._canonical.get(qname, qname)

    def is_known_class(self, qname: str) -> bool:
        return qname in self._library_of

    def library_of(self, qname: str) -> str:
        return self._library_of.get(qname, "")

    def factory_result(self, source: str, member: str, first_arg: Optional[str]) -> str:
        for f in self._factories.get((self.canonical(source), member), ()):
            if f.when_arg is None or f.when_arg == first_arg:
                return f.result
        return ""

    # ------------------------------------------------------------- publishers
    def publishers_for_method(self, method: str) -> List[Publisher]:
        return self._pub_by_method.get(method, [])

    def publishers_for_function(self, qname: str) -> List[Publisher]:
        return self._pub_by_function.get(qname, [])

    @property
    def publish_method_names(self) -> Tuple[str, ...]:
        return tuple(sorted(self._pub_by_method))

    # ------------------------------------------------------------- tracing
    def injector(self, qname: str) -> Optional[Injector]:
        return self.injectors.get(qname)

    def instrumentor(self, qname: str) -> Optional[Instrumentor]:
        return self._instrumentor_by_qname.get(qname)

    def instrumentors_covering(self, key: str) -> List[Instrumentor]:
        return [i for i in self.instrumentors if key in i.covers]

    def library_modules(self) -> set:
        """Top-level module names of every library the catalog describes."""
        tops = {c.qname.split(".")[0] for c in self.classes}
        tops |= {f.source.split(".")[0] for f in self.factories}
        tops |= {i.qname.split(".")[0] for i in self.injectors.values()}
        tops |= {i.qname.split(".")[0] for i in self.instrumentors}
        tops |= set(tracing.TRACING_MODULES)
        for p in self.publishers:
            tops |= {m.split(".")[0] for m in p.hint_modules}
        return tops

    def extended(self, user_publishers: dict) -> "Catalog":
        """A catalog with the user's publish wrappers (``[tool.propagation-lint.publishers]``) added."""
        if not user_publishers:
            return self
        rows = list(self.publishers)
        for qname, spec in sorted(user_publishers.items()):
            carrier = Arg(spec["carrier"], spec.get("position"))
            payload = Arg(spec["payload"]) if spec.get("payload") else None
            dest = Arg(spec["destination"]) if spec.get("destination") else None
            owner, _, method = qname.rpartition(".")
            rows.append(Publisher("user:" + qname, method, function=qname, carrier=carrier,
                                  carrier_kind="dict", payload=payload, destination=dest))
            rows.append(Publisher("user:" + qname, method, receiver=owner, carrier=carrier,
                                  carrier_kind="dict", payload=payload, destination=dest))
        return Catalog(rows)


CATALOG = Catalog()
