"""Running the linter over files: discovery, the per-file pass (parallel, cached), the project pass.

1. Discover the files (``discovery.py``).
2. Per file, in worker processes: read and decode (``source.py``), skip cheaply when no trigger
   word appears, otherwise parse once and run every enabled rule (``engine.py``); apply ``# noqa``.
   The result is a pure function of the file's content, its module name and the settings, so it
   is cached on exactly that (``cache.py``).
3. Merge every file's facts into the project and decide each candidate's conditions
   (``project.py``); apply ``per-file-ignores``; sort by path, line, column, code.

Results are identical, in identical order, for any ``--jobs``.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from . import __version__
from .catalog import CATALOG
from .results import FileResult
from .findings import FileProblem, Finding, InternalError
from .registry import instantiate, resolve_selection
from .rules.file_problems import FILE_PROBLEM_CODES, FileTooLarge, UndecodableFile, UnreadableFile
from .source import SourceError, read_source
from .suppression import needs_directives, parse_suppressions


@dataclass
class Selection:
    """Rule selection from the command line, layered over each file's settings."""

    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    # collect the propagation map's per-file records (only `graph` needs them; they cost positions)
    graph: bool = False
    min_confidence: Optional[str] = None  # --min-confidence, over each file's `min-confidence`

    def codes_for(self, settings) -> Tuple[str, ...]:
        select = self.select if self.select is not None else getattr(settings, "select", None)
        extend = tuple(getattr(settings, "extend_select", ()) or ()) + self.extend_select
        ignore = tuple(getattr(settings, "ignore", ()) or ()) + self.ignore
        return resolve_selection(select, extend, ignore)


@dataclass
class FileJob:
    path: str  # filesystem path
    display: str  # as shown to the user
    module: str
    is_package: bool
    settings_key: str
    text: Optional[str] = None  # stdin
    # (CTX0xx code, message) known before reading: standard input that cannot be decoded, a
    # directory that cannot be walked. The job is that finding and nothing else.
    problem: Optional[Tuple[str, str]] = None


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)
    problems: List[FileProblem] = field(default_factory=list)
    internal_errors: List[InternalError] = field(default_factory=list)
    files_checked: int = 0
    files_skipped: int = 0
    file_results: Dict[str, str] = field(default_factory=dict)  # display -> status
    fixable_paths: Dict[str, str] = field(default_factory=dict)  # display -> filesystem path
    notices: List[Tuple[str, int, str]] = field(default_factory=list)  # (display, line, message)


# ------------------------------------------------------------------ module names
_PKG_CACHE: Dict[str, Tuple[str, ...]] = {}


def module_for(path: Path) -> Tuple[str, bool]:
    """Dotted module name, found by walking up while directories are packages (``__init__.py``)."""
    directory, name = os.path.split(os.path.abspath(path))
    dot = name.rfind(".")
    stem = name[:dot] if 0 < dot < len(name) - 1 else name  # as ``Path.stem``
    is_package = stem == "__init__"
    parts = _package_parts(directory)
    if not is_package:
        parts = parts + (stem,)
    return ".".join(p for p in parts if p), is_package


def _package_parts(directory: str) -> Tuple[str, ...]:
    hit = _PKG_CACHE.get(directory)
    if hit is not None:
        return hit
    parent = os.path.dirname(directory)
    name = os.path.basename(directory)
    if name.isidentifier() and os.path.isfile(os.path.join(directory, "__init__.py")):
        # (`bk-nodeman/__init__.py` at a repository's top makes no package: no import can name it)
        result = (_package_parts(parent) if parent != directory else ()) + (name,)
    elif parent != directory and name.isidentifier() and (os.path.isfile(os.path.join(parent, "__init__.py"))
                                                          or _package_parts(parent)):
        # a directory without __init__.py inside a package is a namespace package of it, at any
        # depth (`plane/app/views/analytic/base.py` is `plane.app.views.analytic.base`;
        # `marimo/_server/api/endpoints/ws/x.py`, where only `_server/` has one, is
        # `marimo._server.api.endpoints.ws.x`)
        result = _package_parts(parent) + (name,)
    else:
        result = ()
    _PKG_CACHE[directory] = result
    return result


def display_path(path: Path, cwd: Path) -> str:
    text = os.path.abspath(path)
    if os.sep == "/":  # the common case without building paths: a file below the working directory
        base = str(cwd)
        prefix = base if base == "/" else base + "/"
        if text.startswith(prefix) and not base.startswith("//") and len(text) > len(prefix):
            return text[len(prefix):]
    absolute = Path(text)
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return absolute.as_posix()


# ------------------------------------------------------------------ worker state
_STATE: Dict[str, tuple] = {}


_STATE_FOR: list = [None]  # (selection, settings keys) the rules and prefilters in _STATE were made for


def _init_worker(settings_by_key: Dict[str, object], selection: Selection) -> None:
    from . import topology

    topology.ENABLED = selection.graph
    # a run lints in several steps (the named files first, then the rest: ``named_alone``); the
    # rules and prefilters of the same settings (a key is the settings' fingerprint) are made once
    source = (selection, tuple(settings_by_key))
    if _STATE_FOR[0] == source and all(key in _STATE for key in settings_by_key):
        return
    from .engine import trigger_regex

    _STATE.clear()
    _STATE_FOR[0] = source
    for key, settings in settings_by_key.items():
        codes = selection.codes_for(settings)
        rules = instantiate(c for c in codes if c not in FILE_PROBLEM_CODES)
        catalog = CATALOG.extended(getattr(settings, "publishers", {}) or {})
        _STATE[key] = (settings, rules, trigger_regex(rules, _user_words(settings), catalog), catalog, codes)


def _graph_enabled() -> bool:
    from . import topology

    return topology.ENABLED


def _user_words(settings) -> Tuple[str, ...]:
    words = []
    for qname in (getattr(settings, "publishers", {}) or {}):
        words.append(qname.rsplit(".", 1)[-1])
    for qname in (getattr(settings, "consumers", {}) or {}):
        words.append(qname.rsplit(".", 1)[-1])
    for qname in getattr(settings, "handlers", ()) or ():
        words.append(qname.rsplit(".", 1)[-1])
    return tuple(words)


def lint_job(job: FileJob, cache=None, force: bool = False) -> FileResult:
    settings, rules, trigger, catalog, codes = _STATE[job.settings_key]
    max_size = getattr(settings, "max_file_size", 10 * 1024 * 1024)
    seen = None  # the file's stat before it is read, when settled enough for the file index
    try:
        if job.problem is not None:
            raise SourceError(*job.problem)
        if job.text is not None:
            text = job.text
        else:
            if cache is not None:
                from .cache import file_stat, settled

                seen = file_stat(job.path)
                seen = seen if settled(seen, time.time_ns()) else None
            text = read_source(Path(job.path), max_size).text
    except SourceError as exc:
        rule = {"CTX002": UndecodableFile, "CTX004": FileTooLarge}.get(exc.code, UnreadableFile)
        result = FileResult(path=job.display, status="error")
        result.candidates.append(rule.candidate_for(job.display, exc.message))
        if cache is not None and job.problem is None:
            # not cached (it costs nothing to make again), but a function of the file's bytes like
            # any result: its digest lets the project pass's report be reused (runner.reuse_report)
            from .cache import result_digest

            result.digest, result.seen = result_digest(result), seen
        return result
    key = None
    if cache is not None:
        from .cache import body_digest

        key = cache.key(text, job.display, job.module, job.settings_key, codes + _marks(force, _graph_enabled()))
        found = cache.get_with_body(key)
        if found is not None:
            hit, body = found
            hit.origin = (seen, key, body) if seen is not None else None
            hit.digest = body_digest(body, key)
            hit.seen = seen
            return hit
    from .engine import analyze_source

    result = analyze_source(text, job.display, job.module, job.is_package, rules, settings, catalog,
                            None if force else trigger)
    _apply_noqa(job, text, result, codes)
    if cache is not None and key is not None and not result.internal_errors:
        body = cache.put(key, result)
        result.origin = (seen, key, body) if seen is not None and body is not None else None
        result.digest = None if body is None else body_digest(body, key)
        result.seen = seen
    return result


def _marks(force: bool, graph: bool) -> Tuple[str, ...]:
    """What a run adds to the rule codes in a file's cache key."""
    return (("+promoted",) if force else ()) + (("+graph",) if graph else ())


def _apply_noqa(job: FileJob, text: str, result: FileResult, codes) -> None:
    """Drop the candidates a ``# noqa`` suppresses; where a noqa comment names one of our codes,
    also note what is wrong with it (unknown or malformed codes) and, when CTX006 is enabled, the
    codes that suppressed nothing."""
    full = needs_directives(text)
    if not result.candidates and not full:
        return
    lines = [c.noqa_lines or (c.finding.location.line,) for c in result.candidates]
    sup = parse_suppressions(text, {n for at in lines for n in at}, full=full)
    used = set()
    if sup.lines or sup.file_all or sup.file_codes:
        kept = []
        for c, at in zip(result.candidates, lines):
            if sup.suppresses(c.finding.code, at):
                used.update(sup.used_by(c.finding.code, at))
            else:
                kept.append(c)
        result.candidates = kept
    if not full:
        return
    from .registry import is_valid_selector
    from .rules.unused_noqa import UnusedNoqa, unused_candidates

    for d in sup.directives:
        notes = list(d.problems) + [f"unknown rule code {c!r} in a noqa comment" for c, _, _ in d.codes or ()
                                    if c.startswith("CTX") and not is_valid_selector(c)]
        result.notices.extend([d.line, note] for note in notes)
    # a file that could not be parsed had no chance to use its noqa comments
    if UnusedNoqa.code in codes and not sup.file_all and result.status != "error":
        from .fixbuilder import source_lines

        result.candidates.extend(unused_candidates(job.display, source_lines(text), sup.directives, used, codes))


_WORKER_CACHE = None


def _init_pool(settings_by_key, selection, cache_dir, worker: bool = False):
    global _WORKER_CACHE
    _init_worker(settings_by_key, selection)
    _WORKER_CACHE = _open_cache(cache_dir)
    if worker:
        from .engine import trust_parser_for_good

        trust_parser_for_good()
        # libcst trees are large and acyclic: the cyclic collector re-scanning the long-lived
        # imported modules on every generation-2 pass is wasted work in a worker process
        import gc

        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)


# The cyclic collector's thresholds while the linter runs: a young generation of 20,000 objects and
# rare full collections. A run builds data that lives to its end (the file index's entries, every
# file's facts and summaries, the project's model: millions of objects, no garbage cycles), and each
# full collection walks all of it again: a quarter of a warm run's CPU with the defaults.
GC_THRESHOLD = (20_000, 50, 100)


@contextlib.contextmanager
def long_lived_heap():
    """Within: what is already allocated (the imported modules, the catalog) is frozen out of the
    collector's walks, and the thresholds are :data:`GC_THRESHOLD`; both restored after (a library
    caller's process keeps its own settings). The rules' modules (and libcst) are imported when a
    file is first linted: a run that takes its report from the cache needs none of them."""
    import gc

    threshold = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0  # a caller's own frozen objects stay as they are
    if freeze:
        gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freeze:
            gc.unfreeze()


def _pool_job(job: FileJob) -> FileResult:
    return lint_job(job, _WORKER_CACHE)


def _pool_job_forced(job: FileJob) -> FileResult:
    return lint_job(job, _WORKER_CACHE, force=True)


def _open_cache(cache_dir):
    if cache_dir is None:
        return None
    from .cache import Cache

    return Cache(Path(cache_dir), __version__)


# ------------------------------------------------------------------ the run
def run_jobs(
    jobs_list: Sequence[FileJob],
    settings_by_key: Dict[str, object],
    selection: Selection,
    jobs: int = 1,
    cache_dir: Optional[str] = None,
    progress=None,
    force: bool = False,
    index=None,
    known: Optional[Dict[int, FileResult]] = None,
) -> List[FileResult]:
    """Lint every job; results in the jobs' order whatever ``jobs`` is. ``progress``, when
    given, is called with the number of files done after each file or chunk of pass 1. With
    ``force``, every file is parsed and checked, as a promoted file is (below). ``known``: pass 1's
    results of some jobs already (by index: :func:`named_alone` linted them), not linted again.

    Pass 1 lints every file; files the prefilter finds irrelevant are only read (never parsed). Pass 2
    lints, after all, the skipped files that import a name another file contributed project facts
    for (``from app.worker import ship`` where ``app/worker.py`` defines the Celery task ``ship``):
    their calls can only be judged through those facts. Both passes are deterministic, so the
    result does not depend on ``jobs``. ``index``: the cache's file index (:func:`open_index`),
    else one is opened for this call.
    """
    if index is None:
        index = open_index(cache_dir)
    if force:
        results = _indexed(jobs_list, settings_by_key, selection, jobs, cache_dir, True, progress, index)
    else:
        results = _first_pass(jobs_list, settings_by_key, selection, jobs, cache_dir, progress, index, known or {})
        _second_pass(jobs_list, results, settings_by_key, selection, jobs, cache_dir, index)
    if index is not None:
        index.save()
    return results


def _second_pass(jobs_list, results, settings_by_key, selection, jobs, cache_dir, index) -> None:
    """Pass 2 (see :func:`run_jobs`): the promoted files' results replace theirs in ``results``."""
    promoted = sorted(set(promotions(jobs_list, results)) | set(task_promotions(jobs_list, results)))
    if promoted:
        again = _indexed([jobs_list[i] for i in promoted], settings_by_key, selection, jobs, cache_dir, True,
                         None, index)
        for i, result in zip(promoted, again):
            results[i] = result


def report_key(jobs_list: Sequence[FileJob], settings_by_key: Dict[str, object], selection: Selection,
               roots: Sequence[Path], cwd: Path, report_paths: Optional[set]) -> str:
    """Where the project pass's report of a run over these files, so configured, is kept
    (:func:`reuse_report`, :func:`run_and_finish`)."""
    from .cache import code_fingerprint
    from .projectmemo import memo_key

    parts = [__version__, str(code_fingerprint()), str(cwd), json.dumps([str(r) for r in roots]),
             json.dumps(sorted(report_paths) if report_paths is not None else None), repr(selection),
             json.dumps(sorted(settings_by_key))]
    return memo_key(parts, [(j.path, j.display, j.module, j.is_package, j.settings_key, j.text is not None,
                             j.problem is not None) for j in jobs_list])


def reuse_report(key: str, jobs_list: Sequence[FileJob], settings_by_key: Dict[str, object],
                 selection: Selection, jobs: int, cache_dir: str) -> Tuple[Optional[RunResult], Dict[int, FileResult]]:
    """The report :func:`run_and_finish` stored for a run over these files, so configured, when it
    still holds: each file's first-pass result has the digest it had then (a file whose stat is
    unchanged has; another is linted, from the cache when its text was seen before), and every
    read that run's project pass made answers the same (``projectmemo``); else None. And the
    first-pass results of the files it linted (by index), for the run that follows a None."""
    from . import projectmemo
    from .cache import file_stat

    if any(job.text is not None or job.problem is not None for job in jobs_list):
        return None, {}
    cache = _open_cache(cache_dir)
    stored = cache.get_project(key)
    if stored is None:
        return None, {}
    files = stored["files"]
    stats = {i: file_stat(job.path) for i, job in enumerate(jobs_list)}
    changed = [i for i, row in enumerate(files) if row[:4] != list(stats[i] or ())]
    if len(changed) > max(8, len(jobs_list) // 20):
        return None, {}  # the whole run costs about as much
    # a changed file another report's check linted since: its digest, by its stat (``Cache.get_seen``)
    ids = {i: _job_id(jobs_list[i], selection) for i in changed}
    seen_before = cache.get_seen() if changed else {}
    known = {i: seen_before[ids[i]][4] for i in changed
             if stats[i] is not None and seen_before.get(ids[i], [None])[:4] == list(stats[i])}
    todo = [i for i in changed if i not in known]
    again = _run([jobs_list[i] for i in todo], settings_by_key, selection, jobs, cache_dir, _pool_job) if todo else []
    linted = dict(zip(todo, again))
    new = {ids[i]: [*result.seen, result.digest] for i, result in linted.items() if result.seen and result.digest}
    if new:
        cache.put_seen({**seen_before, **new})
    digests = {**known, **{i: result.digest for i, result in linted.items()}}
    if any(digest is None or digest != files[i][4] for i, digest in digests.items()):
        return None, linted
    if not set(changed).isdisjoint(stored["read"]) or not projectmemo.still_valid(stored["reads"]):
        return None, linted  # a read of the project pass (the stat of a file it read, too) answers otherwise
    try:
        run = projectmemo.run_from_data(stored["report"])
    except (KeyError, TypeError, ValueError):
        return None, linted  # a malformed entry: the project pass runs and replaces it
    fresh = [(i, stats[i]) for i in known] + [(i, result.seen) for i, result in linted.items() if result.seen]
    if fresh:  # their texts changed, not their results: taken by their stat from now on
        for i, seen in fresh:
            files[i] = [*seen, files[i][4]]
        cache.put_project(key, stored)
    return run, linted


def _job_id(job: FileJob, selection: Selection) -> str:
    """What a file's first-pass result is a function of, besides its text (``Cache.get_seen``)."""
    import hashlib

    from .cache import code_fingerprint

    parts = (job.path, job.display, job.module, str(job.is_package), job.settings_key, repr(selection),
             str(code_fingerprint()))
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def run_and_finish(key: str, jobs_list: Sequence[FileJob], settings_by_key: Dict[str, object], selection: Selection,
                   roots: Sequence[Path], cwd: Path, report_paths: Optional[set], jobs: int, cache_dir: str, index,
                   known: Optional[Dict[int, FileResult]] = None, progress=None,
                   linted: Optional[Dict[int, FileResult]] = None) -> RunResult:
    """:func:`run_jobs` then :func:`finish`, while ``projectmemo.recording`` notes what the
    project pass reads; the report is then stored for :func:`reuse_report`, with each file's stat
    and result digest and those reads (when every result has a digest and each read can be
    checked later)."""
    from . import projectmemo
    from .cache import key_directory

    results = _first_pass(jobs_list, settings_by_key, selection, jobs, cache_dir, progress, index, known or {},
                          linted)
    files = [[*(r.seen or (None,) * 4), r.digest] for r in results]
    cache = _open_cache(cache_dir)
    home = key_directory()
    try:
        with projectmemo.recording([str(cache.base)] + ([str(home)] if home is not None else [])) as reads:
            index.unrecorded = reads.paused
            _second_pass(jobs_list, results, settings_by_key, selection, jobs, cache_dir, index)
            index.save()
            if progress is not None:
                progress.phase("whole-program analysis")
            run = finish(results, jobs_list, settings_by_key, selection, roots, cwd, report_paths=report_paths,
                         cache_dir=cache_dir, index=index)
    finally:
        index.unrecorded = contextlib.nullcontext
    del results  # what the project pass read: freed before its report is stored
    if reads.stable and all(row[4] for row in files):
        report = projectmemo.run_to_data(run)
        if report is not None:
            kept, read = projectmemo.fold_stats(reads.rows(), {job.path: i for i, job in enumerate(jobs_list)}, files)
            cache.put_project(key, {"files": files, "reads": kept, "read": read, "report": report})
    return run


def _first_pass(jobs_list, settings_by_key, selection, jobs, cache_dir, progress, index, known,
                linted: Optional[Dict[int, FileResult]] = None) -> List[FileResult]:
    """Pass 1's results: those ``known`` as they are, the other jobs linted (``_indexed``, which
    records those ``linted`` already: :func:`reuse_report`'s)."""
    linted = linted or {}
    if not known:
        return _indexed(jobs_list, settings_by_key, selection, jobs, cache_dir, False, progress, index, linted)
    rest = [i for i in range(len(jobs_list)) if i not in known]
    report = None if progress is None else (lambda done: progress(len(known) + done))
    done = _indexed([jobs_list[i] for i in rest], settings_by_key, selection, jobs, cache_dir, False, report, index,
                    {k: linted[i] for k, i in enumerate(rest) if i in linted})
    results = [known.get(i) for i in range(len(jobs_list))]
    for i, result in zip(rest, done):
        results[i] = result
    return results  # type: ignore[return-value]


def named_alone(jobs_list: Sequence[FileJob], named: Sequence[int], settings_by_key, selection: Selection,
                jobs: int = 1, cache_dir=None, index=None,
                linted: Optional[Dict[int, FileResult]] = None) -> Tuple[Dict[int, FileResult], Optional[Dict[int, FileResult]]]:
    """For a run that reports only the files ``named`` (indexes into ``jobs_list``, the whole
    project: pre-commit's ``check FILE``): pass 1's results of those files and of the files of the
    project's modules the skipped ones import (``known``), and, when they already decide the report,
    the results the project pass reads for it (else None).

    They decide it when no named file can get a finding from the rest of the project: each has no
    candidate finding, and each the prefilter skipped either cannot be promoted (no other file's
    facts about the names it imports select it, ``promotions``, and its own summary defines or
    enqueues no task, ``task_promotions``) or is promoted by those facts and has no candidate when
    analysed in full. Then the other files' analysis cannot change what is reported, and the project
    pass over these results gives the same report. Else ``known`` is reused by the whole run
    (``run_jobs(known=...)``)."""
    from .results import PROGRAM_KEY

    linted = linted or {}  # pass 1's results of some files already (:func:`reuse_report`'s)
    results = _indexed([jobs_list[i] for i in named], settings_by_key, selection, jobs, cache_dir, False, None, index,
                       {k: linted[i] for k, i in enumerate(named) if i in linted})
    known = dict(zip(named, results))
    if any(result.candidates for result in results):
        return known, None
    skipped = [i for i in named if known[i].status == "skipped"]
    by_module: Dict[str, List[int]] = {}
    for i, job in enumerate(jobs_list):
        if job.module:
            by_module.setdefault(job.module, []).append(i)
    # the files `promotions` reads for a skipped file: those of the modules its imports name
    imported = sorted({j for i in skipped for module in _imported_modules(jobs_list[i], known[i].imports)
                       for j in by_module.get(module, ()) if j not in known})
    if imported:
        more = _indexed([jobs_list[j] for j in imported], settings_by_key, selection, jobs, cache_dir, False, None,
                        index, {k: linted[j] for k, j in enumerate(imported) if j in linted})
        known.update(zip(imported, more))
    order = sorted(known)
    picked = sorted({order[k] for k in promotions([jobs_list[i] for i in order], [known[i] for i in order])}
                    .intersection(skipped))
    if any(_may_be_task_promoted((known[i].facts or {}).get(PROGRAM_KEY) or {}) for i in skipped if i not in picked):
        return known, None  # whether the whole-program summaries promote it needs every file's
    final = dict(known)
    if picked:
        forced = _indexed([jobs_list[i] for i in picked], settings_by_key, selection, jobs, cache_dir, True, None, index)
        if any(result.candidates for result in forced):
            return known, None
        final.update(zip(picked, forced))
    return known, final


def _imported_modules(job: FileJob, rows) -> List[str]:
    """The modules whose files' facts decide whether ``promotions`` picks a skipped file with these
    import rows: each row's module, and the module its name may be."""
    out = []
    for level, module, name in rows or ():
        base = _absolute(job, level, module)
        out.append(base)
        out.append(f"{base}.{name}" if name and base else (name or base))
    return out


def _may_be_task_promoted(summary: dict) -> bool:
    """Whether ``program.context.promotions`` could pick a skipped file with this summary: it
    defines a function with a task decorator, hands a parameter's task on (``param_sends``), or
    calls a task producer method (``x.delay``). A file with none of them is never picked."""
    from .program.context import TASK_DECORATOR_ATTRS, TASK_PRODUCER_METHODS

    if summary.get("param_sends"):
        return True
    for row in summary.get("defs", ()):
        if any(d.rsplit(".", 1)[-1] in TASK_DECORATOR_ATTRS for d in row[4]):
            return True
    return any(ref.rsplit(".", 1)[-1] in TASK_PRODUCER_METHODS for _caller, ref, _line in summary.get("calls", ()))


def open_index(cache_dir):
    """The file index of the cache in ``cache_dir`` (``cache.FileIndex``), or None."""
    cache = _open_cache(cache_dir)
    if cache is None:
        return None
    from .cache import FileIndex, secret

    return FileIndex(cache) if secret() is not None else None


def _indexed(jobs_list, settings_by_key, selection, jobs, cache_dir, force, progress, index,
             linted: Optional[Dict[int, FileResult]] = None) -> List[FileResult]:
    """The jobs' results, those of files whose stat matches the cache's file index taken from it
    (not read, not hashed), the others linted (``_run``) and recorded in the index. ``linted``:
    results of some of the jobs (by position) linted already, recorded as if linted here."""
    fn = _pool_job_forced if force else _pool_job
    linted = linted or {}
    if index is None:
        todo = [i for i in range(len(jobs_list)) if i not in linted]
        done = dict(zip(todo, _run([jobs_list[i] for i in todo], settings_by_key, selection, jobs, cache_dir, fn,
                                   progress)))
        return [linted[i] if i in linted else done[i] for i in range(len(jobs_list))]
    from .cache import file_stat

    marks = _marks(force, selection.graph)
    codes = {key: selection.codes_for(settings) + marks for key, settings in settings_by_key.items()}
    ikeys = [index.lookup_key(job.path, job.display, job.module, job.settings_key, codes[job.settings_key])
             if job.text is None and job.problem is None else None for job in jobs_list]
    results: List[Optional[FileResult]] = [linted.get(i) or (index.get(ikey, file_stat(job.path)) if ikey else None)
                                           for i, (job, ikey) in enumerate(zip(jobs_list, ikeys))]
    for i, result in linted.items():
        if ikeys[i] and result.origin is not None:
            index.record(ikeys[i], jobs_list[i].path, *result.origin)
    todo = [i for i, result in enumerate(results) if result is None]
    hits = len(jobs_list) - len(todo)
    report = None if progress is None else (lambda done: progress(hits + done))
    if report is not None and hits:
        report(0)
    done = _run([jobs_list[i] for i in todo], settings_by_key, selection, jobs, cache_dir, fn, report) if todo else []
    for i, result in zip(todo, done):
        results[i] = result
        if ikeys[i] and result.origin is not None:
            index.record(ikeys[i], jobs_list[i].path, *result.origin)
    return results  # type: ignore[return-value]


def _run(jobs_list, settings_by_key, selection, jobs, cache_dir, fn, progress=None) -> List[FileResult]:
    if jobs <= 1 or len(jobs_list) < 8:
        _init_pool(settings_by_key, selection, cache_dir)
        if progress is None:
            return [fn(j) for j in jobs_list]
        out = []
        for j in jobs_list:
            out.append(fn(j))
            progress(len(out))
        return out
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    mp = multiprocessing.get_context(method)
    # small chunks keep both workers busy to the end (a few big relevant files dominate);
    # jobs are tiny to pickle, results are plain data
    chunk = max(1, min(16, len(jobs_list) // (jobs * 16) or 1))
    return _run_pool(list(jobs_list), fn, jobs, mp, (settings_by_key, selection, cache_dir, True), chunk, progress)


def _run_pool(jobs_list, fn, jobs, mp, initargs, chunk, progress=None) -> List[FileResult]:
    """The jobs on ``jobs`` worker processes, in order. A worker that dies (a native crash, the
    OOM killer) must neither hang the run (``multiprocessing.Pool`` waits forever for a dead
    worker's task; an executor reports it) nor lose the other files: the files of lost chunks
    are linted again, each in a process of its own, and a file that still kills its process is
    reported as an internal error."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    results: List[Optional[FileResult]] = [None] * len(jobs_list)
    try:
        with ProcessPoolExecutor(jobs, mp_context=mp, initializer=_init_pool, initargs=initargs) as pool:
            futures = [(indexes, pool.submit(_chunk, fn, [jobs_list[i] for i in indexes]))
                       for indexes in _largest_first(jobs_list, chunk)]
            done = 0
            for indexes, future in futures:
                try:
                    for i, result in zip(indexes, future.result()):
                        results[i] = result
                except BrokenProcessPool:
                    pass
                done += len(indexes)
                if progress is not None:
                    progress(done)
    except BrokenProcessPool:
        pass
    for index, result in enumerate(results):
        if result is None:
            results[index] = _isolated(jobs_list[index], fn, mp, initargs)
    return results  # type: ignore[return-value]


def _largest_first(jobs_list: Sequence[FileJob], chunk: int, budget: int = 256 * 1024) -> List[List[int]]:
    """The jobs' indexes in chunks, the largest files first (a chunk holds up to ``chunk`` files
    and about ``budget`` bytes): the workers start on the long files and end on short ones, so
    neither waits for the other at the end. Results are put back in the jobs' order."""
    def size(job: FileJob) -> int:
        if job.text is not None:
            return len(job.text)
        try:
            return os.stat(job.path).st_size
        except OSError:
            return 0

    sizes = [size(job) for job in jobs_list]
    order = sorted(range(len(jobs_list)), key=lambda i: -sizes[i])
    chunks: List[List[int]] = []
    current: List[int] = []
    total = 0
    for i in order:
        current.append(i)
        total += sizes[i]
        if len(current) >= chunk or total >= budget:
            chunks.append(current)
            current, total = [], 0
    if current:
        chunks.append(current)
    return chunks


def _chunk(fn, jobs_list) -> List[FileResult]:
    return [fn(job) for job in jobs_list]


def _isolated(job: FileJob, fn, mp, initargs) -> FileResult:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(1, mp_context=mp, initializer=_init_pool, initargs=initargs) as pool:
        try:
            return pool.submit(fn, job).result()
        except BrokenProcessPool:
            pass
    message = "the worker process died while linting this file (a crash in a native library?)"
    return FileResult(path=job.display, status="error",
                      internal_errors=[InternalError(job.display, "worker-crash", message)])


def promotions(jobs_list: Sequence[FileJob], results: Sequence[FileResult]) -> List[int]:
    """Indexes of skipped files that import a name which, by another file's project facts, is a
    library object (a module-level producer or executor, a project subclass of a library class)
    or a task (``publish_tasks``). Only such names let a file with no library import of its own
    produce findings; facts that can only *remove* findings (helpers that inject) do not count,
    nor do the many facts collectors record about ordinary functions."""
    named: Dict[str, set] = {}
    for job, result in zip(jobs_list, results):
        if result.status == "skipped" or not result.facts or not job.module:
            continue
        prefix = job.module + "."
        for fact, value in result.facts.items():
            if not isinstance(value, dict):
                continue
            for key, item in value.items():
                if isinstance(key, str) and key.startswith(prefix) and (fact in PROMOTING_FACTS or _names_library_class(item)):
                    named.setdefault(job.module, set()).add(key[len(prefix):].split(".")[0])
    if not named:
        return []
    out = []
    for i, (job, result) in enumerate(zip(jobs_list, results)):
        if result.status != "skipped" or not result.imports:
            continue
        for level, module, name in result.imports:
            base = _absolute(job, level, module)
            if name and base in named and name in named[base]:
                out.append(i)
                break
            full = f"{base}.{name}" if name and base else (name or base)
            if full in named:
                out.append(i)
                break
    return out


def task_promotions(jobs_list: Sequence[FileJob], results: Sequence[FileResult]) -> List[int]:
    """Indexes of skipped files that define a task or enqueue one of the project's tasks,
    through any number of imports (from the whole-program summaries, ``program/context.py``)."""
    from .results import PROGRAM_KEY
    from .program.context import promotions as program_promotions
    from .program.modules import ModuleIndex

    skipped = [i for i, r in enumerate(results) if r.status == "skipped" and (r.facts or {}).get(PROGRAM_KEY)]
    if not skipped:
        return []
    index = ModuleIndex([(job.path, job.module, job.is_package, (r.facts or {}).get(PROGRAM_KEY) or {})
                         for job, r in zip(jobs_list, results)])
    return program_promotions(index, skipped)


# facts whose every entry is a name other files can use to reach a library call
PROMOTING_FACTS = ("publish_tasks",)


def _names_library_class(value, depth: int = 0) -> bool:
    if isinstance(value, str):
        return CATALOG.is_known_class(CATALOG.canonical(value))
    if isinstance(value, (list, tuple)) and depth < 3:
        return any(_names_library_class(v, depth + 1) for v in value)
    if isinstance(value, dict) and depth < 3:
        return any(_names_library_class(v, depth + 1) for v in value.values())
    return False


def _absolute(job: FileJob, level: int, module: str) -> str:
    if not level:
        return module
    parts = job.module.split(".") if job.module else []
    if not job.is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: max(0, len(parts) - (level - 1))]
    base = ".".join(parts)
    return f"{base}.{module}" if base and module else (base or module)


def _nested_conditions(conds):
    """Conditions and the conditions nested in them (``passes-through-if`` holds inner ones last)."""
    for cond in conds:
        yield cond
        last = cond[-1] if cond else None
        if isinstance(last, tuple) and last and all(isinstance(c, tuple) for c in last):
            yield from _nested_conditions(last)


def finish(
    results: Sequence[FileResult],
    jobs_list: Sequence[FileJob],
    settings_by_key: Dict[str, object],
    selection: Selection,
    roots: Sequence[Path],
    cwd: Path,
    report_paths: Optional[set] = None,
    cache_dir: Optional[str] = None,
    index=None,
) -> RunResult:
    """The project pass: merge facts, decide conditions, apply per-file ignores, sort. With
    ``cache_dir``, the summaries the project pass reads on demand are cached there too."""
    from .results import PROGRAM_KEY
    from .program.model import ProgramModel, complete_summaries
    from .project import Project

    out = RunResult()
    auto = set()
    for settings in settings_by_key.values():
        auto.update(getattr(settings, "auto_instrumented", ()) or ())
    project = Project(auto_instrumented=tuple(sorted(auto)))
    # the rules' modules register conditions the project decides (``project.CONDITIONS``: a task,
    # a handler, a message that carries a context...); a run whose files all went to worker
    # processes or came from the cache has not imported them in this process
    from .registry import all_rules

    all_rules()
    for job, result in zip(jobs_list, results):
        project.add_file(job.module, result.facts)
    dirs = [r for r in roots if Path(r).is_dir()]
    project.scan_launch_files(dirs, cwd, ancestors=_ancestors([r for r in roots if not Path(r).is_dir()], cwd))
    # summaries are this run's own or checked when read from the cache (cache._result_from)
    files = [(job.path, job.display, job.module, job.is_package, result.facts.get(PROGRAM_KEY) or {})
             for job, result in zip(jobs_list, results)]
    candidate_lines = {i: [c.finding.location.line for c in result.candidates]
                       for i, result in enumerate(results) if result.candidates}
    for i, result in enumerate(results):
        # where an instrument() call runs decides which process it covers: its callers matter too
        for entry in (result.facts or {}).get("instrumentors", ()):
            if len(entry) >= 4 and isinstance(entry[3], int):
                candidate_lines.setdefault(i, []).append(entry[3])
    named = {part.rsplit(".", depth)[0] for result in results for c in result.candidates
             for cond in _nested_conditions(c.requires + c.unless) for part in cond[1:2]
             if isinstance(part, str) and "." in part for depth in (1, 2) if part.count(".") >= depth}
    if index is None:
        index = open_index(cache_dir)
    include_tests = any(getattr(s, "include_tests", False) for s in settings_by_key.values())
    completed = complete_summaries(files, candidate_lines, modules=sorted(named), memo=_open_cache(cache_dir),
                                   index=index, include_tests=include_tests)
    if index is not None:
        index.save()
    project.attach_program(ProgramModel(completed,
                                        include_tests=include_tests,
                                        root=_project_top(roots, cwd)))
    enabled_by_key: Dict[str, set] = {}  # the codes each settings enable (the same for every file)
    for job, result in zip(jobs_list, results):
        if report_paths is not None and job.display not in report_paths:
            continue
        settings = settings_by_key[job.settings_key]
        out.file_results[job.display] = result.status
        out.notices.extend((job.display, line, message) for line, message in result.notices)
        if result.status == "skipped":
            out.files_skipped += 1
        out.files_checked += 1
        out.internal_errors.extend(result.internal_errors)
        out.fixable_paths[job.display] = job.path
        findings = project.resolve(result.candidates, path=job.path)
        if not findings:
            continue
        ignored = _per_file_ignored(settings, job.path)
        if job.settings_key not in enabled_by_key:
            enabled_by_key[job.settings_key] = set(selection.codes_for(settings)) | set(FILE_PROBLEM_CODES)
        enabled = enabled_by_key[job.settings_key]
        floor = CONFIDENCE_LEVELS.index(selection.min_confidence or getattr(settings, "min_confidence", "low") or "low")
        for f in findings:
            if f.code not in enabled:
                continue
            if f.code not in FILE_PROBLEM_CODES and CONFIDENCE_LEVELS.index(f.confidence_level()) < floor:
                continue
            if any(f.code.startswith(c) for c in ignored):
                continue
            out.findings.append(f)
    out.findings.sort(key=Finding.sort_key)
    return out


CONFIDENCE_LEVELS = ("low", "medium", "high")


def _project_top(roots: Sequence[Path], cwd: Path) -> str:
    """Where the project's deployment files may be, as for launch files: the directories given
    (their common directory), or the working directory when files are named one by one."""
    dirs = [os.path.abspath(r) for r in roots if Path(r).is_dir()]
    if not dirs or len(dirs) < len(roots):
        return os.path.abspath(cwd)
    try:
        return os.path.commonpath(dirs)
    except ValueError:  # directories on different drives
        return os.path.abspath(cwd)


def _ancestors(files: Sequence[Path], cwd: Path) -> List[Path]:
    """The directories above files named one by one, up to the working directory."""
    out = set()
    top = Path(os.path.abspath(cwd))
    for f in files:
        d = Path(os.path.abspath(f)).parent
        stop = top if (d == top or top in d.parents) else d
        while True:
            out.add(d)
            if d == stop or d.parent == d:
                break
            d = d.parent
    return sorted(out)


def _per_file_ignored(settings, path: str):
    fn = getattr(settings, "ignored_codes_for", None)
    if fn is None:
        return set()
    try:
        return set(fn(Path(path)))
    except Exception:
        return set()
