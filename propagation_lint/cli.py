"""The command line: ``propagation-lint check | rule | rules | graph``.

Exit codes (as ruff's): 0 no findings; 1 findings (including CTX0xx file problems); 2 a usage or
configuration error, or an internal error in the linter (the run still lints every other file).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import click

from . import __version__
from .output import DEFAULT_FORMAT, FORMATS as OUTPUT_FORMATS
from .registry import all_rules, is_valid_selector, rule_by_code

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: Sequence[str]) -> Tuple[str, ...]:
    out: List[str] = []
    for v in values:
        out.extend(x.strip().upper() for x in v.split(",") if x.strip())
    return tuple(out)


def _validate_selectors(option: str, selectors: Sequence[str]) -> None:
    for s in selectors:
        if not is_valid_selector(s):
            raise click.UsageError(f"invalid value for {option}: unknown rule selector '{s}'")


def _err(message: str) -> None:
    click.echo(f"error: {message}", err=True)


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


class _Guarded(click.Group):
    """The top-level handler: an error of the linter itself that escapes a command is exit 2
    with a one-line message (never exit 1, the findings code, with a traceback). Usage errors,
    ``--help``/``--version`` and Ctrl-C keep click's handling; configuration mistakes are
    reported by the commands themselves, naming the file and the key."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            _err(f"internal error: {_describe_internal(exc)} (please report this)")
            sys.exit(EXIT_ERROR)


def _describe_internal(exc: BaseException) -> str:
    """``Type: message`` on one line, naming the file an OS error was about."""
    text = " ".join(str(exc).split()) or "no message"
    filename = getattr(exc, "filename", None)
    if filename is not None and str(filename) not in text and repr(filename) not in text:
        text += f": {filename}"
    text = text if len(text) <= 300 else text[:297] + "..."
    # a name from the checked tree may hold control characters or undecodable bytes
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return f"{type(exc).__name__}: {text}"


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="propagation-lint")
def main() -> None:
    """Find where distributed-tracing context is lost at asynchronous boundaries."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (replaces the config's select), comma-separated.")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable in addition.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default=DEFAULT_FORMAT, show_default=True,
              help="full: each finding with its help and evidence; concise: one line a finding; or a machine format.")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write the report to this file instead of standard output.")
@click.option("--config", "config_args", multiple=True,
              help="A configuration file to use for every file, or a `KEY=VALUE` (TOML) overriding a key everywhere; repeatable.")
@click.option("--isolated", is_flag=True, help="Read no configuration file (the defaults, and --config KEY=VALUE).")
@click.option("--show-settings", is_flag=True, help="Print the settings resolved for the first PATH, and where each comes from.")
@click.option("--show-files", is_flag=True, help="Print the files that would be linted, and what is skipped and why.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each finding.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no root causes, no summary, no progress.")
@click.option("--stdin-filename", help="Read the source from standard input and report it under this name.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None, help="Worker processes (default: number of cores).")
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (with --fix) or show unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change; write nothing.")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="With --fix: exit 1 when any fix was applied.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), help="Report only findings not in this baseline file.")
@click.option("--write-baseline", "write_baseline_file", type=click.Path(dir_okay=False), help="Record today's findings as the baseline.")
@click.option("--min-confidence", type=click.Choice(["low", "medium", "high"]), default=None,
              help="Report only findings at least this sure that a context exists and is lost.")
@click.option("--add-noqa", is_flag=True, help="Write a `# noqa: CODE` on the line of every finding.")
def check(paths, select, extend_select, ignore, output_format, output_file, config_args, isolated, show_settings, show_files,
          exit_zero, statistics, quiet, stdin_filename, force_exclude, no_cache, jobs, fix, unsafe_fixes, diff, show_fixes,
          exit_non_zero_on_fix, baseline_file, write_baseline_file, min_confidence, add_noqa) -> None:
    """Lint PATHS (default: the current directory; `-`: standard input)."""
    from .check import CheckOptions, run_check

    sel = _split(select) if select else None
    ext = _split(extend_select)
    ign = _split(ignore)
    _validate_selectors("--select", sel or ())
    _validate_selectors("--extend-select", ext)
    _validate_selectors("--ignore", ign)
    config_file, overrides = _config_args(config_args, isolated)
    if add_noqa:
        clash = [name for name, given in (("--fix", fix), ("--diff", diff), ("--stdin-filename", stdin_filename),
                                          ("`-` (standard input)", tuple(paths) == ("-",)),
                                          ("--write-baseline", write_baseline_file)) if given]
        if clash:
            raise click.UsageError(f"--add-noqa cannot be combined with {clash[0]}")
    options = CheckOptions(
        paths=tuple(paths) or (".",),
        select=sel, extend_select=ext, ignore=ign,
        output_format=output_format, output_file=Path(output_file) if output_file else None,
        config=Path(config_file) if config_file else None,
        exit_zero=exit_zero, statistics=statistics, quiet=quiet,
        stdin_filename=stdin_filename, force_exclude=force_exclude,
        use_cache=not no_cache, jobs=jobs or (os.cpu_count() or 1),
        fix=fix, unsafe_fixes=unsafe_fixes, diff=diff, show_fixes=show_fixes,
        exit_non_zero_on_fix=exit_non_zero_on_fix,
        baseline=Path(baseline_file) if baseline_file else None,
        write_baseline=Path(write_baseline_file) if write_baseline_file else None,
        min_confidence=min_confidence, add_noqa=add_noqa,
        config_overrides=overrides, isolated=isolated, show_settings=show_settings, show_files=show_files,
    )
    try:
        code = run_check(options, stdout=sys.stdout)
    except KeyboardInterrupt:  # Ctrl-C is not "findings" (exit 1): 130, as shells report SIGINT
        _err("interrupted")
        sys.exit(130)
    sys.exit(code)


def _config_args(values: Sequence[str], isolated: bool) -> Tuple[Optional[str], Tuple[str, ...]]:
    """``--config`` values: at most one file (an existing file, or a value with no ``=``), and
    ``KEY=VALUE`` overrides (as in ruff)."""
    files = [v for v in values if os.path.isfile(v) or "=" not in v]
    if len(files) > 1:
        raise click.UsageError(f"--config names two configuration files: {files[0]} and {files[1]}")
    if files and isolated:
        raise click.UsageError(f"--isolated reads no configuration file: drop --config {files[0]}")
    return (files[0] if files else None), tuple(v for v in values if v not in files)


@main.command()
@click.argument("code")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rule(code: str, output_format: str) -> None:
    """Print the documentation of rule CODE (a code like CTX101 or a name like publish-without-context)."""
    found = rule_by_code(code)
    if found is None:
        _err(f"unknown rule '{code}' (see `propagation-lint rules`)")
        sys.exit(EXIT_ERROR)
    if output_format == "json":
        import json

        click.echo(json.dumps({
            "code": found.code, "name": found.name, "message": found.message,
            "fixable": found.fixable, "default_enabled": found.default_enabled,
            "severity": found.severity, "documentation": found.documentation(),
        }, indent=2))
        return
    click.echo(found.documentation(), nl=False)


@main.command(name="rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_cmd(output_format: str) -> None:
    """List every rule: code, name, whether it can fix, and whether it is on by default."""
    rows = all_rules()
    if output_format == "json":
        import json

        click.echo(json.dumps([
            {"code": r.code, "name": r.name, "message": r.message, "fixable": r.fixable,
             "default_enabled": r.default_enabled}
            for r in rows
        ], indent=2))
        return
    width = max(len(r.name) for r in rows)
    click.echo(f"{'code':<8}{'name':<{width + 2}}{'fix':<11}{'default':<9}message")
    for r in rows:
        default = "on" if r.default_enabled else "opt-in"
        click.echo(f"{r.code:<8}{r.name:<{width + 2}}{r.fixable:<11}{default:<9}{r.message}")
    from .catalog.clients import client_lines

    click.echo("\nsupported clients (where each carrier lives: the README's \"Supported clients\" table):")
    for line in client_lines():
        click.echo("  " + line)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["mermaid", "dot", "json", "html"]), default="mermaid",
              show_default=True, help="mermaid (GitHub/GitLab markdown), dot (Graphviz), json, or html (one offline page).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@click.option("--destination", multiple=True, help="Only the paths through this topic, queue or exchange (repeatable).")
@click.option("--service", multiple=True,
              help="Only the paths through this service (repeatable); with --destination, their edges in or out of it.")
@click.option("--only-gaps", is_flag=True, help="Only the edges where the context is lost.")
@click.option("--service-root", help="Services are the directories (or modules) directly below this one.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this configuration file for every file.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None, help="Worker processes (default: number of cores).")
def graph(paths, output_format, output, destination, service, only_gaps, service_root, config_file, no_cache, jobs) -> None:
    """Draw the asynchronous topology of PATHS: who publishes where, who consumes, where context is lost."""
    from .graph import GraphOptions, run_graph

    options = GraphOptions(
        paths=tuple(paths) or (".",), output_format=output_format,
        output=Path(output) if output else None, config=Path(config_file) if config_file else None,
        service_root=service_root, destinations=tuple(destination), services=tuple(service),
        only_gaps=only_gaps, use_cache=not no_cache, jobs=jobs or (os.cpu_count() or 1),
    )
    try:
        code = run_graph(options, stdout=sys.stdout)
    except KeyboardInterrupt:  # as `check`: 130, not 1 (the findings code)
        _err("interrupted")
        sys.exit(130)
    sys.exit(code)


def run() -> None:
    """The ``propagation-lint`` command: :func:`main`, then the process ends without Python's
    teardown. A run holds millions of small objects (every file's facts and summaries, the
    project's model); freeing them one by one at exit, and the collector's last pass over them,
    cost 0.2-0.3 s of CPU (about 15% of a pre-commit run on a large project) for memory the
    operating system takes back at once. Standard output and error are flushed first; an exit
    that is not a plain code, a flush that fails (a closed pipe), or a run under a profiler or a
    tracer (``python -m cProfile -m propagation_lint``, coverage) takes Python's usual way out.
    Code that calls :func:`main` itself (tests, a library caller) keeps the usual teardown."""
    try:
        main()
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code
        if type(code) is not int or sys.getprofile() is not None or sys.gettrace() is not None:
            raise  # a profiler or a coverage tool writes its results at exit
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - Python's own exit reports it as it always does
            raise exc from None
        os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
