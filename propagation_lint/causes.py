"""Root causes: the one change that fixes many findings at once.

On a real application most findings of a run often share one reason: Celery is instrumented
only in the worker, so every ``.delay()`` of the web process is a finding; a launcher in the
Dockerfile would instrument the producer, but nothing installs its instrumentation. The
project pass knows that reason when it keeps a candidate (the ``instrumented`` or
``handoff-covered`` condition that did not hold, and the instrumentors it looked at), so it
records it on the finding as a :class:`~propagation_lint.findings.Cause`; the outputs group
findings by it and say it once.

A cause is recorded only where one change would remove the finding: an instrumentation that
the catalog says covers this exact call exists (enabling it, or declaring it with
``auto-instrumented``, fixes the finding). A call no instrumentor covers has no shared cause:
each site needs its own ``inject``.

Not recorded (yet): "a project helper that does not inject". The publish candidates carry the
helper conditions (``injects``, ``returns-injected``) of the carrier and of every other argument
merged into one ``unless``, so a payload builder (``.delay(*format_email(...))``) cannot be told
from a carrier helper here; advising to inject in a payload builder would be wrong. It needs the
carrier's conditions kept apart where the candidate is built (``publishing.publish_candidate``).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, List, Optional, Tuple

from .findings import Cause, Location

if TYPE_CHECKING:  # pragma: no cover
    from .project import EnabledInstrumentor, Project
    from .rule import Candidate


def _short(qname: str) -> str:
    return qname.rsplit(".", 1)[-1]


def _at(loc: Optional[Location]) -> str:
    return f"{loc.path}:{loc.line}" if loc is not None else ""


def _wanted(cand: "Candidate") -> Optional[Tuple[str, frozenset, str, str]]:
    """(library, covers keys, process, subject) of the instrumentation that would have removed
    the candidate, from the first condition of its ``unless`` that names one."""
    for cond in cand.unless:
        if cond[0] == "instrumented" and len(cond) >= 3:
            library, method, receiver, process = (list(cond[1:]) + ["", "", "", ""])[:4]
            keys = frozenset({f"{library}:{method}", f"{library}:{method}@{receiver}"})
            noun = "consumers" if method.startswith("consume:") else "publishes"
            return library, keys, process or "main", f"{library} {noun}"
        if cond[0] == "handoff-covered" and len(cond) >= 2:
            library = cond[2] if len(cond) > 2 else "threading"
            noun = "greenlet hand-offs" if library == "gevent" else "thread hand-offs"
            return library, frozenset({cond[1]}), "main", noun
    return None


def _covers(here: Optional[str], inst: "EnabledInstrumentor") -> bool:
    d = inst.scope_dir
    return d is None or here is None or here == d or here.startswith(d.rstrip(os.sep) + os.sep)


def cause_of(project: "Project", cand: "Candidate") -> Optional[Cause]:
    """The shared reason of a candidate the project pass keeps (see the module docstring)."""
    wanted = _wanted(cand)
    if wanted is None:
        return None
    library, keys, process, subject = wanted
    rows = [r for r in project.catalog.instrumentors if keys.intersection(r.covers)]
    if not rows:
        return None
    qnames = {r.qname for r in rows}
    system = "ddtrace" if any(i.source == "ddtrace-run" for i in project.instrumentors) else "opentelemetry"
    row = next((r for r in rows if r.system == system), rows[0])
    name = _short(row.qname)
    declare = f'or set auto-instrumented = ["{library}"] if your deployment does'
    where = "Celery workers" if process == "celery-worker" else "the process that runs this code"
    here = project._current_path
    active = project.active_instrumentors()
    elsewhere = sorted(
        (i for i in project.instrumentors if i.qname in qnames and i.location is not None
         and (i not in active or (i.where == "celery-worker" and process != "celery-worker"))),
        key=lambda i: (i.location.path, i.location.line),
    )
    for inst in sorted(project.uninstalled, key=lambda i: (i.location.path, i.location.line) if i.location else ("", 0)):
        if inst.qname in qnames and inst.location is not None and _covers(here, inst):
            inst_row = project.catalog.instrumentor(inst.qname)
            dist = inst_row.installed_by[0] if inst_row is not None and inst_row.installed_by else "its instrumentation"
            return Cause(f"uninstalled:{library}:{_at(inst.location)}", subject,
                         f"{inst.source} at {_at(inst.location)} would instrument {library}, but {inst.why_not}",
                         f"add {dist} to the service's dependencies, {declare}", inst.location)
    for inst in elsewhere:
        n, loc = _short(inst.qname), inst.location
        if inst.where == "celery-worker":
            return Cause(f"worker-only:{library}:{_at(loc)}", subject,
                         f"no {library} instrumentation is enabled in the process that publishes "
                         f"({n} is enabled only in Celery worker processes, by worker_process_init, at {_at(loc)})",
                         f"enable it in the web process too, {declare}", loc)
        if inst.where == "inactive":
            return Cause(f"inactive:{library}:{_at(loc)}", subject,
                         f"no {library} instrumentation runs in any service ({n} is enabled only by a "
                         f"migration, a management command or a test, {_at(loc)})",
                         f"enable it where the service starts, {declare}", loc)
        if inst.scope_dir is not None and not _covers(here, inst):
            return Cause(f"launcher-scope:{library}:{_at(loc)}", subject,
                         f"no {library} instrumentation is enabled in {where} ({inst.source} at {_at(loc)} "
                         f"covers only the files below its own directory)",
                         f"start this service under {inst.source} too, {declare}", loc)
        return Cause(f"other-process:{library}:{_at(loc)}", subject,
                     f"no {library} instrumentation is enabled in {where} ({n} is enabled at {_at(loc)}, "
                     f"in a process that does not run this code)",
                     f"enable {n} in this process too, {declare}", loc)
    if any(i.qname in qnames for i in project.instrumentors):
        return None  # enabled where this code runs, and still a finding: not a missing instrumentor
    return Cause(f"none:{library}", subject,
                 f"no {library} instrumentation is enabled in any process of the project",
                 f"enable {name} in every process that sends or runs them, {declare}", None)


def group_causes(findings) -> List[Tuple[Cause, int, str]]:
    """(cause, count, subject) for each cause at least two findings share, most findings first.
    The subject is the cause's own when all its findings agree, else ``findings``."""
    groups: dict = {}
    for f in findings:
        c = f.cause
        if c is None:
            continue
        entry = groups.setdefault(c.id, [c, 0, {c.subject}])
        entry[1] += 1
        entry[2].add(c.subject)
    out = [(c, n, subjects.pop() if len(subjects) == 1 else "findings")
           for c, n, subjects in groups.values() if n >= 2]
    out.sort(key=lambda item: (-item[1], item[0].id))
    return out
