"""``propagation-lint check``: configuration, discovery, the run, fixes, baseline and output."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import click

from .config import ConfigError, cache_dir_for, make_resolver
from .discovery import discover
from .output import DEFAULT_FORMAT, TEXT_FORMATS, Summary, render
from .output.escape import printable
from . import registry
from .source import UNREADABLE, SourceError, decode_source
from .runner import (FileJob, Selection, display_path, finish, long_lived_heap, module_for, named_alone, open_index,
                     report_key, reuse_report, run_and_finish, run_jobs)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass
class CheckOptions:
    paths: Tuple[str, ...] = (".",)
    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    output_format: str = DEFAULT_FORMAT
    output_file: Optional[Path] = None  # -o: the report goes there instead of standard output
    config: Optional[Path] = None
    exit_zero: bool = False
    statistics: bool = False
    quiet: bool = False
    stdin_filename: Optional[str] = None
    force_exclude: bool = False
    use_cache: bool = True
    jobs: int = 1
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    show_fixes: bool = False
    exit_non_zero_on_fix: bool = False
    baseline: Optional[Path] = None
    write_baseline: Optional[Path] = None
    stdin_text: Optional[str] = None  # tests may pass the text instead of real stdin
    min_confidence: Optional[str] = None  # low | medium | high (overrides the config's)
    add_noqa: bool = False
    config_overrides: Tuple[str, ...] = ()  # --config KEY=VALUE
    isolated: bool = False
    show_settings: bool = False
    show_files: bool = False


def _err(message: str) -> None:
    click.echo(printable(f"error: {message}"), err=True)


def _warn(message: str) -> None:
    click.echo(printable(f"warning: {message}"), err=True)


def _project_root(base, cwd: Path, given: Dict[str, str]) -> Optional[Path]:
    """The project whose other files lend their facts to files named one by one: the
    configuration's directory; without a configuration, the current directory when it is the top
    of a project (a git work tree, or a ``pyproject.toml``, ``setup.py`` or ``setup.cfg``: where
    pre-commit and CI run) and holds every named file. None: the named files are checked alone."""
    if base.path is not None:
        return Path(base.root)
    if not any((cwd / name).exists() for name in (".git", "pyproject.toml", "setup.py", "setup.cfg")):
        return None
    top = os.path.join(str(cwd), "")
    if all(os.path.abspath(p).startswith(top) for p in given):
        return cwd
    return None


def run_check(options: CheckOptions, stdout=None, cwd: Optional[Path] = None) -> int:
    with long_lived_heap():
        return _run_check(options, stdout, cwd)


def _run_check(options: CheckOptions, stdout=None, cwd: Optional[Path] = None) -> int:
    stdout = stdout if stdout is not None else sys.stdout
    cwd = Path(os.path.abspath(cwd or os.getcwd()))
    selection = Selection(options.select, options.extend_select, options.ignore, min_confidence=options.min_confidence)
    try:
        resolver = make_resolver(options.config, cwd, options.config_overrides, options.isolated)
    except ConfigError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if options.show_settings:
        return _show_settings(options, resolver, selection, cwd, stdout)

    jobs_list: List[FileJob] = []
    settings_by_key: Dict[str, object] = {}
    problems = []
    roots: List[Path] = []
    report_paths = None

    def add(path: Path, display: str, text: Optional[str] = None, problem: Optional[Tuple[str, str]] = None) -> bool:
        try:
            settings = resolver.for_file(path)
        except ConfigError as exc:
            _err(str(exc))
            return False
        key = settings.fingerprint()
        settings_by_key.setdefault(key, settings)
        module, is_package = module_for(path)
        jobs_list.append(FileJob(str(path), display, module, is_package, key, text, problem))
        return True

    stdin_data, stdin_problem = b"", None
    if options.stdin_filename is None and tuple(options.paths) == ("-",):
        options = replace(options, stdin_filename="-")  # `check -`: standard input, shown as `-`
    if options.stdin_filename is not None:
        stdin_data, text, stdin_problem = _read_stdin(options)
        path = Path(options.stdin_filename)
        try:
            base = resolver.for_file(cwd / path)
        except ConfigError as exc:
            _err(str(exc))
            return EXIT_ERROR
        if options.force_exclude and _excluded(path, base, cwd):
            return _emit([], [], options, stdout, files_checked=0, files_skipped=0)
        if not add(cwd / path, display_path(cwd / path, cwd), text, stdin_problem):
            return EXIT_ERROR
        roots.append(cwd / path if not path.is_absolute() else path)
    else:
        base = resolver.base
        given = {str(p if Path(p).is_absolute() else cwd / p): p for p in options.paths}
        result = discover(
            list(given),
            exclude=base.exclude,
            extend_exclude=base.extend_exclude,
            force_exclude=options.force_exclude,
            respect_gitignore=base.respect_gitignore,
            root=base.root,
            record_skips=options.show_files,
        )
        if result.missing:
            for m in result.missing:
                _err(f"{given.get(m, m)}: no such file or directory")
            return EXIT_ERROR
        if options.show_files:
            from .show import files_lines

            stdout.write("".join(line + "\n" for line in files_lines(result, cwd)))
            return EXIT_CLEAN
        problems = result.problems
        if not _found_python(given, result, options):
            return EXIT_ERROR
        for f in result.files:
            if not add(f, display_path(f, cwd)):
                return EXIT_ERROR
        for d in result.unwalked:  # a directory that cannot be read is a finding, as a file is
            if not add(Path(d.path), display_path(Path(d.path), cwd), None, (UNREADABLE, d.message)):
                return EXIT_ERROR
        roots = [Path(p) for p in given if Path(p).is_dir()]
        if any(not Path(p).is_dir() for p in given):
            # Files named one by one (pre-commit passes only the changed ones): the project's
            # other files still contribute facts (helpers, instrumentors, registrations), so a
            # finding does not depend on which files happened to change. Only the named files
            # are reported.
            project_root = _project_root(base, cwd, given)
            if project_root is not None:
                roots.append(project_root)
                report_paths = {job.display for job in jobs_list}
                extra = discover([str(project_root)], exclude=base.exclude, extend_exclude=base.extend_exclude,
                                 respect_gitignore=base.respect_gitignore, root=base.root)
                seen = {os.path.abspath(job.path) for job in jobs_list}
                for f in extra.files:
                    if os.path.abspath(f) not in seen:
                        add(f, display_path(f, cwd))
            else:
                roots.extend(Path(p) for p in sorted(given) if not Path(p).is_dir())

    cache_dir = None
    if options.use_cache and options.stdin_filename is None:
        try:
            cache_dir = cache_dir_for(resolver.base, cwd)
        except ConfigError as exc:
            _err(str(exc))
            return EXIT_ERROR

    from .progress import progress_for

    progress = progress_for(len(jobs_list), options.quiet)
    index = open_index(cache_dir)
    known: Dict[int, object] = {}
    alone = None
    results: list = []
    # only a report is asked for: the project pass's may come from the cache, where the last run with
    # the same files and settings left it (runner.reuse_report), and is left there (run_and_finish)
    memo = index is not None and not (options.fix or options.diff or options.add_noqa)
    key = report_key(jobs_list, settings_by_key, selection, roots, cwd, report_paths) if memo else ""
    run, linted = (reuse_report(key, jobs_list, settings_by_key, selection, options.jobs, cache_dir) if memo
                   else (None, {}))
    if run is None and report_paths is not None and not (options.fix or options.diff or options.add_noqa):
        # files named in a project (pre-commit): linted first; when nothing the rest of the project
        # holds can give them a finding, the rest is not linted at all (runner.named_alone)
        named = [i for i, job in enumerate(jobs_list) if job.display in report_paths]
        known, alone = named_alone(jobs_list, named, settings_by_key, selection, jobs=options.jobs,
                                   cache_dir=cache_dir, index=index, linted=linted)
        if alone is not None:
            jobs_list = [jobs_list[i] for i in sorted(alone)]
    try:
        if run is not None:
            pass
        elif alone is None and memo:
            run = run_and_finish(key, jobs_list, settings_by_key, selection, roots, cwd, report_paths, options.jobs,
                                 cache_dir, index, known=known, progress=progress, linted=linted)
        else:
            if alone is not None:
                results = [alone[i] for i in sorted(alone)]
            else:
                results = run_jobs(jobs_list, settings_by_key, selection, jobs=options.jobs, cache_dir=cache_dir,
                                   progress=progress, index=index, known=known)
            if progress is not None:
                progress.phase("whole-program analysis")
            run = finish(results, jobs_list, settings_by_key, selection, roots, cwd, report_paths=report_paths,
                         cache_dir=cache_dir, index=index)
    finally:
        if progress is not None:
            progress.close()
    for p in problems:
        _warn(f"{p.path}: {p.message}")
    for display, line, message in run.notices:
        _warn(f"{display}:{line}: {message}")
    internal = run.internal_errors
    for e in internal:
        _err(f"internal error in rule {e.rule} on {e.path}: {e.message} (please report this)")

    findings = run.findings
    fixed_count = 0
    show_fixes: list = []
    if options.fix or options.diff:
        from .fixing import apply_fixes

        relint = Relinter(jobs_list, results, settings_by_key, selection, roots, cwd, options.jobs, cache_dir)
        relint.report_paths = report_paths
        outcome = apply_fixes(run, jobs_list, options, stdout=stdout, rerun=relint, cwd=str(cwd))
        if outcome.error:
            return EXIT_ERROR
        findings = outcome.remaining
        fixed_count = outcome.fixed
        show_fixes = outcome.show_fixes
        if options.diff:  # an internal error (said above) is never hidden behind "nothing to fix"
            return EXIT_ERROR if internal else EXIT_FINDINGS if outcome.fixed else EXIT_CLEAN
        if options.stdin_filename is not None:
            # Editor integration: the fixed source, and only it, on stdout; the report on stderr.
            if stdin_problem is not None:  # undecodable: given back byte for byte
                stdout.flush()
                getattr(stdout, "buffer", stdout).write(stdin_data)
            else:
                stdout.write(outcome.stdin_text or "")
            stdout.flush()
            stdout = sys.stderr

    if options.write_baseline is not None:
        from .baseline import BaselineError, write_baseline

        try:
            write_baseline(options.write_baseline, findings)
        except BaselineError as exc:
            _err(str(exc))
            return EXIT_ERROR
        # the run's purpose was the file: its findings are recorded, not reported (exit 0)
        noun = "finding" if len(findings) == 1 else "findings"
        click.echo(printable(f"wrote {len(findings)} {noun} to {options.write_baseline}"), err=True)
        return EXIT_ERROR if internal else EXIT_CLEAN
    if options.baseline is not None:
        from .baseline import BaselineError, filter_baseline

        try:
            findings = filter_baseline(options.baseline, findings)
        except BaselineError as exc:
            _err(str(exc))
            return EXIT_ERROR

    if options.add_noqa:
        from .add_noqa import add_noqa

        added, refused = add_noqa(findings, jobs_list, options.paths, str(cwd))
        click.echo(f"Added {added} noqa directive{'' if added == 1 else 's'}.", err=True)
        return EXIT_ERROR if internal or refused else EXIT_CLEAN

    code = _emit(findings, internal, options, stdout, run.files_checked, run.files_skipped,
                 fixed=fixed_count, show_fixes=show_fixes)
    if options.fix and options.exit_non_zero_on_fix and fixed_count:
        return EXIT_FINDINGS if code != EXIT_ERROR else code
    return code


class Relinter:
    """Lints the project again with some files' text replaced in memory (the fix loop's
    "what if"): only the replaced files are analysed again, the project pass runs on all."""

    def __init__(self, jobs_list, results, settings_by_key, selection, roots, cwd, jobs=1, cache_dir=None):
        self.jobs_list = list(jobs_list)
        self.results = list(results)
        self.settings_by_key = settings_by_key
        self.selection = selection
        self.roots = roots
        self.cwd = cwd
        self.jobs = jobs
        self.cache_dir = cache_dir
        self.texts: Dict[str, str] = {}
        self.report_paths = None

    def __call__(self, texts: Dict[str, str]):
        todo = [i for i, job in enumerate(self.jobs_list)
                if job.path in texts and self.texts.get(job.path) != texts[job.path]]
        if todo:
            new_jobs = [replace(self.jobs_list[i], text=texts[self.jobs_list[i].path]) for i in todo]
            new_results = run_jobs(new_jobs, self.settings_by_key, self.selection, jobs=self.jobs, cache_dir=self.cache_dir)
            # a file the first run linted only because another file's facts promoted it (it imports a
            # task) is read again the same way: else its findings, and the noqa they use, vanish
            again = [k for k, (i, result) in enumerate(zip(todo, new_results))
                     if result.status == "skipped" and self.results[i].status != "skipped"]
            if again:
                forced = run_jobs([new_jobs[k] for k in again], self.settings_by_key, self.selection, jobs=self.jobs,
                                  cache_dir=self.cache_dir, force=True)
                for k, result in zip(again, forced):
                    new_results[k] = result
            for i, job, result in zip(todo, new_jobs, new_results):
                self.jobs_list[i] = job
                self.results[i] = result
                self.texts[job.path] = job.text
        return finish(self.results, self.jobs_list, self.settings_by_key, self.selection, self.roots, self.cwd,
                      report_paths=self.report_paths, cache_dir=self.cache_dir)


def _show_settings(options: CheckOptions, resolver, selection: Selection, cwd: Path, stdout) -> int:
    from .show import settings_lines

    path = Path(os.path.abspath(cwd / (options.stdin_filename or options.paths[0])))
    try:
        settings = resolver.for_directory(path) if path.is_dir() else resolver.for_file(path)
    except ConfigError as exc:
        _err(str(exc))
        return EXIT_ERROR
    command_line = [f"{flag} {','.join(values)}" for flag, values in (
        ("--select", options.select or ()), ("--extend-select", options.extend_select), ("--ignore", options.ignore),
        ("--min-confidence", (options.min_confidence,) if options.min_confidence else ())) if values]
    from .rules.file_problems import FILE_PROBLEM_CODES

    codes = sorted(set(selection.codes_for(settings)) | set(FILE_PROBLEM_CODES))
    lines = settings_lines(settings, path, cwd, codes, command_line)
    stdout.write("".join(line + "\n" for line in lines))
    return EXIT_CLEAN


def _found_python(given: Dict[str, str], result, options: CheckOptions) -> bool:
    """Warn (as ruff does) about each directory given that holds no Python file to lint; False
    (exit 2) when nothing at all is left to lint, unless ``--force-exclude`` excluded the paths
    given (pre-commit passing only excluded files is not a mistake)."""
    found = [os.path.abspath(f) for f in result.files] + [os.path.abspath(d.path) for d in result.unwalked]
    for absolute, shown in given.items():
        if os.path.isdir(absolute):
            top = os.path.abspath(absolute).rstrip(os.sep) + os.sep
            if not any(f.startswith(top) for f in found):
                _warn(f"no Python files found under {shown}")
    if found or options.force_exclude:
        return True
    _err("nothing to lint: no Python file in the paths given")
    return False


def _read_stdin(options: CheckOptions) -> Tuple[bytes, str, Optional[Tuple[str, str]]]:
    """Standard input's bytes, its text decoded as a file's bytes are (BOM, coding line, else
    UTF-8), and the CTX002 problem when it cannot be (null bytes, an invalid byte), as for a file."""
    if options.stdin_text is not None:
        data = options.stdin_text.encode("utf-8", "surrogateescape")
    else:
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    try:
        return data, decode_source(data)[0], None
    except SourceError as exc:
        return data, "", (exc.code, exc.message)


def _excluded(path: Path, settings, cwd: Path) -> bool:
    result = discover([str(path)], exclude=settings.exclude, extend_exclude=settings.extend_exclude,
                      force_exclude=True, respect_gitignore=settings.respect_gitignore, root=settings.root)
    return not result.files and not result.missing


def _emit(findings, internal, options: CheckOptions, stdout, files_checked, files_skipped,
          fixed: int = 0, show_fixes=None) -> int:
    if options.output_file is not None:
        target = options.output_file
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", errors="surrogateescape", newline="\n") as stream:
                code = _emit(findings, internal, replace(options, output_file=None), stream, files_checked,
                             files_skipped, fixed, show_fixes)
        except OSError as exc:
            _err(f"cannot write the report to {target}: {exc.strerror or exc}")
            return EXIT_ERROR
        return code
    safe = sum(1 for f in findings if f.fix is not None and (f.fix.applicability == "safe" or options.unsafe_fixes))
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.applicability != "safe" and not options.unsafe_fixes)
    summary = Summary(
        files_checked=files_checked, files_skipped=files_skipped, fixed=fixed,
        fixable_safe=safe, fixable_unsafe=unsafe, statistics=options.statistics,
        show_fixes=list(show_fixes or []) if options.show_fixes else [], quiet=options.quiet,
        color=options.output_format in TEXT_FORMATS and _color(stdout), unsafe_fixes=options.unsafe_fixes,
    )
    render(options.output_format, findings, rules=registry.AllRules(), summary=summary, stream=stdout)
    if internal:
        return EXIT_ERROR
    if findings and not options.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _color(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty()
    except Exception:
        return False
