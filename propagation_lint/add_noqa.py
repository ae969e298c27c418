"""``check --add-noqa``: write ``# noqa: CODE`` on the line of every finding (as ruff does).

- The codes go into the line's own noqa comment when it has one (``# noqa: E501`` becomes
  ``# noqa: E501, CTX101``, before any reason), else a new ``  # noqa: CTX101`` ends the line
  (after a comment it already has). Several findings on one line give one comment, codes sorted.
- A line that ends inside a string or continues with a backslash cannot take a comment: named on
  stderr and left alone. CTX0xx file problems (a file that cannot be read or parsed) get none.
- Idempotent: a finding suppressed by the comment is not reported again, so a second run adds
  nothing.
- The same write safety as ``--fix`` (``fixing.py``): only files whose real path lies under the
  paths given and that the user may write, re-parsed before they are written, written atomically
  keeping encoding, newlines and permission bits, never when the file changed after it was read.
"""
from __future__ import annotations

import io
import tokenize
from typing import Dict, List, Sequence, Set, Tuple

import click

from .findings import Edit
from .output.escape import printable
from .project import merged_codes
from .rules.file_problems import FILE_PROBLEM_CODES
from .suppression import comments, parse_directive


def add_noqa(findings, jobs_list, paths: Sequence[str], cwd: str) -> Tuple[int, bool]:
    """Add the comments and write the files: (directives added, whether a file was refused)."""
    from .fixing import _load, _problem, _write_all, write_roots

    roots = write_roots(paths, cwd)
    jobs = {job.display: job for job in jobs_list}
    by_file: Dict[str, Dict[int, Set[str]]] = {}
    for f in findings:
        if f.code not in FILE_PROBLEM_CODES:
            # with the codes merged into it (one defect, one finding): else they surface on their own
            by_file.setdefault(f.location.path, {}).setdefault(f.location.line, set()).update((f.code, *merged_codes(f)))
    states, texts, counts = {}, {}, {}
    refused = False
    for display in sorted(by_file):
        job = jobs.get(display)
        if job is None or job.text is not None:
            continue
        state, why = _load(job, roots)
        if state is None:
            click.echo(printable(f"error: {display}: {why}; no noqa added"), err=True)
            refused = True
            continue
        new_text, added, impossible = with_noqa(state.text, by_file[display], state.newline)
        for line in impossible:
            click.echo(printable(f"warning: {display}:{line}: no noqa added: the line ends inside a string "
                                 f"or continues with a backslash"), err=True)
        if not added:
            continue
        why = _problem(state, new_text)
        if why is not None:
            click.echo(printable(f"error: {display}: no noqa added: {why} (please report this)"), err=True)
            refused = True
            continue
        state.text = texts[state.path] = new_text
        states[display], counts[display] = state, added
    refused = _write_all(states, texts, jobs_list) or refused
    return sum(n for d, n in counts.items() if states[d].text != states[d].original), refused


def with_noqa(text: str, codes_by_line: Dict[int, Set[str]], newline: str) -> Tuple[str, int, List[int]]:
    """``text`` with the codes added on their lines: (new text, lines changed, lines that cannot
    take a comment)."""
    from .fixbuilder import source_lines
    from .fixing import apply_edits

    lines = source_lines(text, keepends=False)
    ends = _line_ends(text)
    by_line = {line: (column, comment) for line, column, comment in comments(text)}
    edits: List[Edit] = []
    impossible: List[int] = []
    for line in sorted(codes_by_line):
        codes = ", ".join(sorted(codes_by_line[line]))
        if line not in ends or line > len(lines):
            impossible.append(line)
            continue
        content = lines[line - 1]
        if line in by_line:
            column, comment = by_line[line]
            d = parse_directive(comment, line, column)
            if d is not None and d.codes and not d.file_level:
                end = d.codes[-1][2]
                edits.append(Edit(line, end + 1, line, end + 1, f", {codes}"))
                continue
            if d is not None and d.codes is None and not d.file_level:
                continue  # a blanket noqa: nothing is reported there
        end = len(content.rstrip())
        edits.append(Edit(line, end + 1, line, end + 1, f"  # noqa: {codes}"))
    if not edits:
        return text, 0, impossible
    return apply_edits(text, edits, newline), len(edits), impossible


def _line_ends(text: str) -> Set[int]:
    """Lines whose end is the end of a line of code (a comment may be added there): where the
    tokenizer ends a logical or a physical line, not inside a string or after a backslash."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
                out.add(tok.start[0])
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out
