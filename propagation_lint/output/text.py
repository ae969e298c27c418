"""``--output-format full`` (the default; ``text`` is its old name): ruff's one line a finding
plus the help, the indented evidence and the unsafe fix; ``concise``: the one line only.

::

    app/pub.py:12:5: CTX101 [*] Message published without injecting the trace context
      help: Call `inject(headers)` before `send`
      --> app/pub.py:9:1: span `publish` started here
      fix (unsafe): Add `inject(headers)`
    app/other.py:3:5: CTX101 [*] Message published without injecting the trace context
      help: as for CTX101 at app/pub.py:12:5 above
    Root causes (one change fixes every finding of a line):
      2 celery publishes: no celery instrumentation is enabled in any process of the project; enable ...
    Found 2 findings in 2 files (3 files checked).
    [*] 1 fixable with --fix.

A help text is printed once per rule and run: a later finding of the same rule with the same
help refers back to the first. ``[*]`` marks a finding whose fix ``--fix`` applies (an unsafe
one only when ``--unsafe-fixes`` is given); an unsafe fix is also named on a ``fix (unsafe):``
line. The root causes (:mod:`propagation_lint.causes`) shared by two findings or more close
the list, before the counts. ANSI colour only when ``summary.color`` is true.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import IO, Any

from ..causes import group_causes
from ..findings import Finding
from ..rule import Rule
from .escape import printable, printable_lines

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_CYAN = "\x1b[36m"


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        if not self.color or not codes or not text:
            return text
        return "".join(codes) + text + _RESET


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _block(prefix: str, text: str) -> list[str]:
    """``prefix`` + the first line of ``text``; later lines indented to line up under it."""
    lines = text.rstrip("\n").split("\n")
    pad = " " * len(_ANSI.sub("", prefix))
    out = [prefix + lines[0]]
    out += [(pad + line).rstrip() if line.strip() else "" for line in lines[1:]]
    return out


def _has_safe_fix(f: Finding, unsafe_fixes: bool = False) -> bool:
    """True when ``--fix`` applies the finding's fix (an unsafe one only with ``--unsafe-fixes``)."""
    return f.fix is not None and (f.fix.applicability == "safe" or unsafe_fixes)


def format_head(f: Finding, color: bool = False, unsafe_fixes: bool = False) -> str:
    """The finding's one line: ``path:line:col: CODE [*] message`` (the concise format)."""
    s = _Style(color)
    loc = f.location
    # Names and messages come from the checked tree: escaped, so none can forge a line or
    # drive the terminal. Messages stay on one line (a name holding a newline cannot add a line
    # that looks like evidence); only suggestions, laid out as code, keep their line breaks.
    head = f"{s(printable(loc.path), _BOLD)}:{loc.line}:{loc.column}: {s(f.code, _BOLD, _RED)}"
    if _has_safe_fix(f, unsafe_fixes):
        head += " " + s("[*]", _CYAN)
    return f"{head} {printable(f.message)}"


def format_finding(f: Finding, color: bool = False, unsafe_fixes: bool = False,
                   help_seen: dict | None = None) -> list[str]:
    """The lines printed for one finding (without newlines). ``help_seen`` maps (code, help) to
    where that help was first printed in this run; a help printed before is referred to."""
    s = _Style(color)
    lines = [format_head(f, color, unsafe_fixes)]
    if f.suggestion:
        first = help_seen.get((f.code, f.suggestion)) if help_seen is not None else None
        if first is None:
            lines += _block("  " + s("help", _BOLD, _CYAN) + ": ", printable_lines(f.suggestion))
            if help_seen is not None:
                loc = f.location
                help_seen[(f.code, f.suggestion)] = f"{printable(loc.path)}:{loc.line}:{loc.column}"
        else:
            lines.append("  " + s("help", _BOLD, _CYAN) + f": as for {f.code} at {first} above")
    for rel in f.related:
        r = rel.location
        lines += _block(f"  {s('-->', _CYAN)} ", f"{printable(r.path)}:{r.line}:{r.column}: {printable(rel.message)}")
    if f.fix is not None and f.fix.applicability != "safe":
        lines += _block("  " + s("fix (unsafe)", _BOLD, _CYAN) + ": ", printable(f.fix.title))
    return lines


def _statistics(findings: Sequence[Finding], rules: Sequence[type[Rule]], unsafe_fixes: bool = False) -> list[tuple[int, str, bool, str]]:
    """(count, code, fixable, name) per code, most frequent first, then by code."""
    names: dict[str, str] = {r.code: r.name for r in rules}
    counts: Counter = Counter()
    fixable: dict[str, bool] = defaultdict(bool)
    for f in findings:
        counts[f.code] += 1
        fixable[f.code] |= _has_safe_fix(f, unsafe_fixes)
        names.setdefault(f.code, f.name)
    rows = [(n, code, fixable[code], names.get(code, "")) for code, n in counts.items()]
    rows.sort(key=lambda row: (-row[0], row[1]))
    return rows


def statistics_rows(findings: Sequence[Finding], rules: Sequence[type[Rule]], unsafe_fixes: bool = False) -> list[dict]:
    """``--statistics --output-format json``: ruff's rows (code, name, count, fixable)."""
    return [{"code": code, "name": name, "count": n, "fixable": fixable}
            for n, code, fixable, name in _statistics(findings, rules, unsafe_fixes)]


def format_statistics(findings: Sequence[Finding], rules: Sequence[type[Rule]], color: bool = False,
                      unsafe_fixes: bool = False) -> list[str]:
    """ruff's ``--statistics`` table: ``count<TAB>code<TAB>[*] name``."""
    s = _Style(color)
    rows = _statistics(findings, rules, unsafe_fixes)
    if not rows:
        return []
    count_width = max(len(str(n)) for n, *_ in rows)
    code_width = max(len(code) for _, code, *_ in rows)
    any_fixable = any(fixable for _, _, fixable, _ in rows)
    out = []
    for n, code, fixable, name in rows:
        marker = s("[*]", _CYAN) + " " if fixable else ("[ ] " if any_fixable else "")
        out.append(f"{n:>{count_width}}\t{s(code.ljust(code_width), _BOLD, _RED)}\t{marker}{name}")
    return out


def format_show_fixes(show_fixes: Sequence[tuple[str, str, int]], rules: Sequence[type[Rule]], color: bool = False) -> list[str]:
    """ruff's ``--show-fixes`` block: the fixes applied, per file."""
    s = _Style(color)
    per_file: dict[str, Counter] = defaultdict(Counter)
    for path, code, count in show_fixes:
        if count > 0:
            per_file[path][code] += count
    total = sum(sum(c.values()) for c in per_file.values())
    if not total:
        return []
    names = {r.code: r.name for r in rules}
    width = max(len(str(n)) for c in per_file.values() for n in c.values())
    out = [s(f"Fixed {_plural(total, 'finding')}:", _BOLD, _GREEN)]
    for path in sorted(per_file):
        out.append(f"{s('-', _CYAN)} {s(printable(path), _BOLD)}{s(':', _CYAN)}")
        for code, n in sorted(per_file[path].items(), key=lambda item: (-item[1], item[0])):
            name = f" ({names[code]})" if names.get(code) else ""
            out.append(f"    {n:>{width}} x {s(code, _BOLD, _RED)}{name}")
    return out


def format_summary(findings: Sequence[Finding], summary: Any) -> list[str]:
    """The closing lines: counts, then the fixable hints."""
    s = _Style(summary.color)
    # a file naming no relevant API is read and not parsed: it is not "checked"
    checked = _plural(summary.files_checked - summary.files_skipped, "file") + " checked"
    if summary.files_skipped:
        checked += f"; {summary.files_skipped} read, nothing relevant"
    n = len(findings)
    files = len({f.location.path for f in findings})
    fixed = f"Fixed {_plural(summary.fixed, 'finding')}" if summary.fixed else ""
    if n == 0:
        passed = s("All checks passed!", _GREEN)
        return [f"{fixed}. {passed} ({checked})" if fixed else f"{passed} ({checked})"]
    if fixed:
        lines = [f"{fixed}; {n} remaining in {_plural(files, 'file')} ({checked})."]
    else:
        lines = [f"Found {_plural(n, 'finding')} in {_plural(files, 'file')} ({checked})."]
    safe, unsafe = summary.fixable_safe, summary.fixable_unsafe
    marker = s("[*]", _CYAN)
    if safe and unsafe:
        lines.append(f"{marker} {safe} fixable with --fix ({unsafe} more with --fix --unsafe-fixes).")
    elif safe:
        lines.append(f"{marker} {safe} fixable with --fix.")
    elif unsafe:
        lines.append(f"No safe fixes available ({unsafe} fixable with --fix --unsafe-fixes).")
    return lines


def format_causes(findings: Sequence[Finding], color: bool = False) -> list[str]:
    """One line per root cause two findings or more share: how many, why, and the one change."""
    groups = group_causes(findings)
    if not groups:
        return []
    s = _Style(color)
    out = [s("Root causes (one change fixes every finding of a line):", _BOLD)]
    for cause, n, subject in groups:
        out += _block(f"  {s(str(n), _BOLD)} ", printable(cause.sentence(subject)))
    return out


def render(findings: Sequence[Finding], *, rules: Sequence[type[Rule]], summary: Any, stream: IO[str],
           concise: bool = False) -> None:
    lines: list[str] = []
    unsafe_fixes = getattr(summary, "unsafe_fixes", False)
    if summary.statistics:
        lines += format_statistics(findings, rules, summary.color, unsafe_fixes)
    elif concise:
        lines += [format_head(f, summary.color, unsafe_fixes) for f in findings]
    else:
        help_seen: dict = {}
        for f in findings:
            lines += format_finding(f, summary.color, unsafe_fixes, help_seen)
    if not summary.quiet:
        lines += format_show_fixes(summary.show_fixes, rules, summary.color)
        lines += format_causes(findings, summary.color)
        lines += format_summary(findings, summary)
    if lines:
        stream.write("\n".join(lines) + "\n")

