"""The project's modules, how they import each other, and the processes those imports form.

Two files may carry the same module name (``producer.py`` in ``examples/kafka/`` and in
``examples/sqs/``: each a script run from its own directory), so an import is resolved to the
file of that name *nearest* the importer, as Python's path would find it for a script run from
its own directory.

A **process** is what one entry point loads: a root module (one that no project module imports,
tests aside) and every project module its imports reach, transitively. Imports by name in
framework configuration count (``"shop.settings"``, ``ROOT_URLCONF = "shop.urls"``,
``"shop.app:create_app"``), and a package named that way brings in its direct submodules (Django
loads an installed app's ``models``, ``signals``, ``admin``; Celery's ``autodiscover_tasks`` its
``tasks``). Facts that hold "in a process" (an instrumentor enabled, tracing in use) then hold
for exactly the modules of the processes that load them, never for the whole repository.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple


PACKAGING_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


class ModuleIndex:
    """Module names to files (``entries``: ``(filesystem path, module, is_package, summary)``)."""

    def __init__(self, entries: Sequence[tuple]):
        self.entries = list(entries)
        self.by_module: Dict[str, List[int]] = {}
        self.dirs: List[str] = []
        for i, (path, module, _is_package, _summary) in enumerate(self.entries):
            if module:
                self.by_module.setdefault(module, []).append(i)
            self.dirs.append(os.path.dirname(os.path.abspath(path)))
        self.by_path: Dict[str, int] = {os.path.abspath(e[0]): i for i, e in enumerate(self.entries)}
        self.all_dirs: set = set()  # every directory that holds a project file, and its parents
        for d in self.dirs:
            while d not in self.all_dirs:
                self.all_dirs.add(d)
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
        # the names of those directories: a module whose first part names none of them is in no
        # package of the project, wherever it is imported from (``_package_above`` finds none)
        self._dir_names = {os.path.basename(d) for d in self.all_dirs}
        self._above: Dict[tuple, Optional[str]] = {}
        self._installed_dirs: Optional[Dict[str, set]] = None
        self._nearest: Dict[tuple, Optional[int]] = {}
        self._below: Dict[tuple, Optional[int]] = {}  # (dotted module, directory) -> its file there
        self._namespace_portions: Optional[Dict[str, List[str]]] = None  # `_portions`
        self._portion_hits: Dict[str, Optional[int]] = {}  # `_in_portions`

    def nearest(self, module: str, importer: int) -> Optional[int]:
        """The file ``module`` names when imported from file ``importer`` (a function of the
        module and the importer's directory: memoised on both)."""
        key = (module, self.dirs[importer])
        try:
            return self._nearest[key]
        except KeyError:
            found = self._nearest[key] = self._find_nearest(module, importer)
            return found

    def _find_nearest(self, module: str, importer: int) -> Optional[int]:
        if module.split(".", 1)[0] not in self._dir_names:
            pass  # an outside library's module (or a top-level module of the project's): by name
        elif "." in module:
            # as Python finds it: from the nearest directory above the importer that holds the
            # package (a service run from its own directory, whatever name the linter gave its
            # files); a submodule missing there is none of the project's, never another
            # service's package of the same name (a monorepo of services that each have `src/`)
            base = self._package_above(module.split(".", 1)[0], importer)
            if base is not None:
                key = (module, base)  # a function of the directory found: shared by its importers
                try:
                    return self._below[key]
                except KeyError:
                    hit = self._below[key] = self._find_below(module, base)
                    return hit
        else:
            base = self._package_above(module, importer)  # a package, as found from the importer
            if base is not None:
                hit = self.by_path.get(os.path.join(base, module, "__init__.py"))
                if hit is not None:
                    return hit
        found = self.by_module.get(module)
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        here = self.dirs[importer] + os.sep
        return max(found, key=lambda i: (_common_len(here, self.dirs[i] + os.sep), -i))

    def _find_below(self, module: str, base: str) -> Optional[int]:
        hit = self._found_below(module, base)
        top = module.split(".", 1)[0]
        if hit is None and not os.path.isfile(os.path.join(base, top, "__init__.py")):
            # a namespace package (no __init__.py): Python looks in each of its portions, as a
            # monorepo installs them (`promptflow-core/promptflow/`, `promptflow-tracing/promptflow/`)
            hit = self._in_portions(module, top)
        return hit

    def _in_portions(self, module: str, top: str) -> Optional[int]:
        """The file of ``module`` in the first portion of the namespace package ``top`` that holds
        it. A function of the module alone (memoised): the importer's own portion, which
        ``_find_below`` tried first and found nothing in, would find nothing here either."""
        try:
            return self._portion_hits[module]
        except KeyError:
            pass
        hit = None
        for other in self._portions(top):
            hit = self._found_below(module, other)
            if hit is not None:
                break
        self._portion_hits[module] = hit
        return hit

    def _portions(self, top: str) -> List[str]:
        """The directories holding a directory ``top`` without ``__init__.py`` (a portion of the
        namespace package ``top``), in path order."""
        if self._namespace_portions is None:
            portions: Dict[str, List[str]] = {}
            packages = {os.path.dirname(p) for p in self.by_path if os.path.basename(p) == "__init__.py"}
            for d in sorted(self.all_dirs):
                if d not in packages:
                    portions.setdefault(os.path.basename(d), []).append(os.path.dirname(d))
            self._namespace_portions = portions
        return self._namespace_portions.get(top, [])

    def _found_below(self, module: str, base: str) -> Optional[int]:
        rel = os.path.join(base, module.replace(".", os.sep))
        hit = self.by_path.get(rel + ".py")
        if hit is None:
            hit = self.by_path.get(os.path.join(rel, "__init__.py"))
        if hit is None:
            # the linter's own name for a file below that directory (the name a package's
            # re-exports were summarised with: `obs.obs.kafka` for `libs/obs/obs/kafka.py`)
            inside = base.rstrip(os.sep) + os.sep
            hit = next((j for j in self.by_module.get(module, ())
                        if os.path.abspath(self.entries[j][0]).startswith(inside)), None)
        return hit

    def _package_above(self, top: str, importer: int) -> Optional[str]:
        """The nearest directory at or above the importer's that holds a directory ``top``."""
        start = self.dirs[importer]
        try:
            return self._above[(top, start)]
        except KeyError:
            pass
        # walked up from the importer's directory: each directory passed on the way has the same
        # answer (the nearest one at or above it that holds ``top``), so it is memoised too, and
        # the walks from sibling directories stop where they meet
        above, all_dirs = self._above, self.all_dirs
        passed, d = [], start
        while True:
            key = (top, d)
            if key in above:
                hit = above[key]
                break
            passed.append(key)
            if os.path.join(d, top) in all_dirs:
                hit = d
                break
            parent = os.path.dirname(d)
            if parent == d:
                hit = self._installed(top)
                break
            d = parent
        for key in passed:
            above[key] = hit
        return hit

    def _installed(self, top: str) -> Optional[str]:
        """The one directory of the project from which package ``top`` is installed: it holds
        ``top/__init__.py`` and a packaging file (``pyproject.toml``, ``setup.py``, ``setup.cfg``),
        itself or, for a ``src/`` layout, its parent. A library of a monorepo that its services
        install (``libraries/python/obs/obs/``) is imported by that name from anywhere."""
        if self._installed_dirs is None:
            self._installed_dirs = {}
            for path in self.by_path:
                if os.path.basename(path) != "__init__.py":
                    continue
                package = os.path.dirname(path)
                base = os.path.dirname(package)
                owner = os.path.dirname(base) if os.path.basename(base) == "src" else base
                if any(os.path.isfile(os.path.join(owner, f)) for f in PACKAGING_FILES):
                    self._installed_dirs.setdefault(os.path.basename(package), set()).add(base)
        found = self._installed_dirs.get(top, ())
        return next(iter(found)) if len(found) == 1 else None

    def split(self, ref: str, importer: int) -> Optional[Tuple[int, str]]:
        """The file a dotted reference lives in and the rest of it: ``pkg.mod.Class.m`` ->
        (index of ``pkg/mod.py``, ``Class.m``). The longest module prefix wins."""
        parts = ref.split(".")
        for cut in range(len(parts), 0, -1):
            i = self.nearest(".".join(parts[:cut]), importer)
            if i is not None:
                return i, ".".join(parts[cut:])
        return None


def _common_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n].rfind(os.sep)


class Processes:
    """Which modules each root's imports reach, as bit sets over the index."""

    def __init__(self, index: ModuleIndex, excluded: Sequence[bool]):
        self.index = index
        n = len(index.entries)
        self.edges: List[set] = [set() for _ in range(n)]
        children: Dict[str, List[int]] = {}
        for i, (path, module, is_package, _s) in enumerate(index.entries):
            if module and "." in module:
                children.setdefault(module.rsplit(".", 1)[0], []).append(i)
        for i, (_path, module, _is_package, summary) in enumerate(index.entries):
            for name in summary.get("imports", ()):
                j = index.nearest(name, i)
                if j is None and "." in name:
                    j = index.nearest(name.rsplit(".", 1)[0], i)  # `from pkg import name`
                if j is not None and j != i:
                    self.edges[i].add(j)
            for text in summary.get("strings", ()):
                name = text.split(":", 1)[0]
                hit = index.split(name, i)
                if hit is None or hit[0] == i:
                    continue
                self.edges[i].add(hit[0])
                target_module = index.entries[hit[0]][1]
                if index.entries[hit[0]][2]:  # a package named in configuration: its submodules load
                    self.edges[i].update(c for c in children.get(target_module, ()) if not excluded[c])
        imported = self._imported(excluded)
        # for each module: does a production module import it, by an import statement or by
        # name in configuration (not only as a plugin of its package, below)?
        self.imported_by_name = imported
        # A module of a package that nothing imports by name and that is no script (no __main__
        # block) is loaded dynamically by its package's process (`import_module(f"pkg.{name}")`:
        # plugins, connectors, backends): it runs where its package does.
        for i, (_path, module, _is_package, summary) in enumerate(index.entries):
            if imported[i] or excluded[i] or "." not in module or summary.get("main"):
                continue
            j = index.nearest(module.rsplit(".", 1)[0], i)
            if j is not None and j != i and index.entries[j][2] and imported[j]:
                self.edges[j].add(i)
        imported = self._imported(excluded)
        self.closure = _closures(self.edges)
        self.roots = [i for i in range(n) if not imported[i] and not excluded[i]]
        # every module is in at least one process: a cycle no root reaches is its own
        covered = 0
        for r in self.roots:
            covered |= self.closure[r]
        for i in range(n):
            if not excluded[i] and not (covered >> i) & 1:
                self.roots.append(i)
                covered |= self.closure[i]
        self._root_sets = [(r, self.closure[r]) for r in self.roots]

    def _imported(self, excluded: Sequence[bool]) -> List[bool]:
        imported = [False] * len(self.edges)
        for i, targets in enumerate(self.edges):
            if excluded[i]:
                continue
            for j in targets:
                imported[j] = True
        return imported

    def processes_of(self, i: int) -> int:
        """The union of every process (as a bit set of modules) that holds module ``i``."""
        out = 0
        for _r, members in self._root_sets:
            if (members >> i) & 1:
                out |= members
        return out


def _closures(edges: List[set]) -> List[int]:
    """For each node, the bit set of the nodes it reaches (itself included), through the
    strongly connected components in reverse topological order (iterative Tarjan)."""
    n = len(edges)
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: List[int] = []
    comp = [-1] * n
    comps: List[List[int]] = []
    counter = 0
    for start in range(n):
        if index[start] != -1:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack[start] = True
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if index[nxt] == -1:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack[nxt] = True
                    work.append((nxt, iter(sorted(edges[nxt]))))
                    advanced = True
                    break
                if on_stack[nxt]:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp[w] = len(comps)
                    members.append(w)
                    if w == node:
                        break
                comps.append(members)
    # Tarjan emits components in reverse topological order: successors first
    comp_bits = [0] * len(comps)
    for c, members in enumerate(comps):
        bits = 0
        for m in members:
            bits |= 1 << m
        for m in members:
            for nxt in edges[m]:
                if comp[nxt] != c:
                    bits |= comp_bits[comp[nxt]]
        comp_bits[c] = bits
    return [comp_bits[comp[i]] for i in range(n)]
