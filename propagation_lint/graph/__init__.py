"""``propagation-lint graph``: run the normal check, build the propagation map, render it.

The run is the ``check`` run (same configuration, discovery, rules, cache and project pass), so
every edge's state comes from the findings users see. Formats: ``mermaid``, ``dot``, ``json``,
``html`` (one self-contained offline page). Output is byte-identical for the same repository.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import click

from ..output.escape import printable
from ..topology import FACT_KEY, ConstantReader, Graph, build_graph, filter_graph, matching_nodes, service_namer

FORMATS = ("mermaid", "dot", "json", "html")
EXIT_OK, EXIT_ERROR = 0, 2
MAX_NAMED = 12  # names listed when a filter matches nothing


class GraphError(click.ClickException):
    """A usage or configuration error of ``graph``: ``error: ...`` and exit 2, as ``check``."""

    exit_code = EXIT_ERROR


@dataclass
class GraphOptions:
    paths: Tuple[str, ...] = (".",)
    output_format: str = "mermaid"
    output: Optional[Path] = None
    config: Optional[Path] = None
    service_root: Optional[str] = None
    destinations: Tuple[str, ...] = ()
    services: Tuple[str, ...] = ()
    only_gaps: bool = False
    use_cache: bool = True
    jobs: int = 1
    title: str = ""


def render(graph: Graph, fmt: str, title: str = "", link_prefix: str = "") -> str:
    if fmt == "mermaid":
        from .mermaid import render_mermaid

        return render_mermaid(graph)
    if fmt == "dot":
        from .dot import render_dot

        return render_dot(graph)
    if fmt == "json":
        from .json import render_json

        return render_json(graph)
    if fmt == "html":
        from .html import render_html

        return render_html(graph, title=title, link_prefix=link_prefix)
    raise ValueError(f"unknown graph format {fmt!r}")


def collect_graph(options: GraphOptions, cwd: Optional[Path] = None) -> Graph:
    """Lint ``options.paths`` as ``check`` does and build the (filtered) map.

    Raises :class:`GraphError` on a configuration or path error."""
    from ..config import ConfigError, cache_dir_for, make_resolver
    from ..discovery import discover
    from ..project import Project
    from ..runner import FileJob, Selection, display_path, finish, module_for, run_jobs

    cwd = Path(os.path.abspath(cwd or os.getcwd()))
    try:
        resolver = make_resolver(options.config, cwd)
    except ConfigError as exc:
        raise GraphError(str(exc)) from None
    base = resolver.base
    found = discover(options.paths, exclude=base.exclude, extend_exclude=base.extend_exclude,
                     respect_gitignore=base.respect_gitignore, root=base.root)
    if found.missing:
        raise GraphError("; ".join(f"{m}: no such file or directory" for m in found.missing))
    selection = Selection(graph=True)
    jobs_list: List[FileJob] = []
    settings_by_key: Dict[str, object] = {}
    for f in found.files:
        try:
            settings = resolver.for_file(f)
        except ConfigError as exc:
            raise GraphError(str(exc)) from None
        key = settings.fingerprint()
        settings_by_key.setdefault(key, settings)
        module, is_package = module_for(f)
        jobs_list.append(FileJob(str(f), display_path(f, cwd), module, is_package, key))
    try:
        cache_dir = cache_dir_for(base, cwd) if options.use_cache else None
    except ConfigError as exc:
        raise GraphError(str(exc)) from None
    roots = [Path(p) for p in options.paths]
    results = run_jobs(jobs_list, settings_by_key, selection, jobs=options.jobs, cache_dir=cache_dir)
    run = finish(results, jobs_list, settings_by_key, selection, roots, cwd)

    # the project's facts again, for the conditions the map asks about (auto-instrumentation)
    auto = sorted({a for s in settings_by_key.values() for a in (getattr(s, "auto_instrumented", ()) or ())})
    project = Project(auto_instrumented=tuple(auto))
    records: List[dict] = []
    for job, result in zip(jobs_list, results):
        project.add_file(job.module, result.facts)
        records.extend(result.facts.get(FACT_KEY, ()))
    project.scan_launch_files(roots, cwd)

    service_root = options.service_root
    root_base = cwd
    if service_root is None and getattr(base, "service_root", ""):
        service_root, root_base = base.service_root, Path(base.root)
    if service_root:
        if not (os.path.isdir(root_base / service_root) or os.path.isfile(root_base / (service_root + ".py"))):
            where = "--service-root" if options.service_root is not None else f"service-root in {base.path}"
            raise GraphError(f"{where} {service_root!r}: no such directory or module under {root_base}")
        service_root = display_path(root_base / service_root, cwd)
    service_of = service_namer([j.display for j in jobs_list], service_root or "", str(cwd))
    constants = ConstantReader({j.module: j.path for j in jobs_list if j.module})
    graph = build_graph(records, run.findings, service_of, constants, holds=project.holds)
    for message in unmatched_filters(graph, options.destinations, options.services):
        click.echo(printable(f"warning: {message}"), err=True)
    graph = filter_graph(graph, options.destinations, options.services, options.only_gaps)
    graph.internal_errors = list(run.internal_errors)
    return graph


def unmatched_filters(graph: Graph, destinations: Sequence[str], services: Sequence[str]) -> List[str]:
    """A message for each ``--destination`` / ``--service`` that names nothing in the map, with the
    names that do exist."""
    out = []
    known = {"destination": sorted({n.label for n in graph.nodes if n.kind == "destination"}),
             "service": sorted({n.service or n.label for n in graph.nodes if n.kind == "service" or n.service})}
    for option, wanted in (("destination", destinations), ("service", services)):
        for name in wanted:
            if not matching_nodes(graph, [name] if option == "destination" else [], [name] if option == "service" else []):
                names = known[option]
                listed = ", ".join(names[:MAX_NAMED]) + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")
                out.append(f"--{option} {name!r} matches no {option} of the map; "
                           + (f"the {option}s are: {listed}" if names else f"the map has no {option}s"))
    return out


def run_graph(options: GraphOptions, stdout=None, cwd: Optional[Path] = None) -> int:
    stdout = stdout if stdout is not None else sys.stdout
    cwd = Path(os.path.abspath(cwd or os.getcwd()))
    if options.output is not None:
        folder = os.path.dirname(os.path.abspath(cwd / options.output))
        if not os.path.isdir(folder):  # said before the run, not after it
            click.echo(printable(f"error: cannot write {options.output}: the folder {os.path.dirname(str(options.output))} "
                                 "does not exist"), err=True)
            return EXIT_ERROR
    from ..runner import long_lived_heap

    try:
        with long_lived_heap():  # as check's run: the collector stays out of the run's long-lived data
            graph = collect_graph(options, cwd)
    except GraphError as exc:
        click.echo(printable(f"error: {exc.message}"), err=True)
        return EXIT_ERROR
    prefix = ""
    if options.output is not None:
        # source links relative to where the page is written
        rel = os.path.relpath(cwd, os.path.dirname(os.path.abspath(cwd / options.output)))
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
    for e in graph.internal_errors:
        click.echo(printable(f"error: internal error in rule {e.rule} on {e.path}: {e.message} (please report this)"),
                   err=True)
    text = render(graph, options.output_format, title=options.title, link_prefix=prefix)
    if options.output is not None:
        try:
            with open(cwd / options.output, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        except OSError as exc:
            click.echo(printable(f"error: cannot write {options.output}: {exc.strerror or exc}"), err=True)
            return EXIT_ERROR
    else:
        stdout.write(text)
        stdout.flush()
    return EXIT_ERROR if graph.internal_errors else EXIT_OK
