"""Applying fixes: ``check --fix``, ``--diff`` and ``--stdin-filename --fix``.

Guarantees:

- Only fixes the user asked for are applied: safe ones, plus unsafe ones with ``--unsafe-fixes``.
- Per file and per pass, the fixable findings are taken in source order; a fix's edits go in
  together; an edit identical to one already chosen (the same ``import contextvars`` added by two
  fixes) is applied once; a fix overlapping one already chosen waits for the next pass.
- After each pass the new texts are linted again in memory (nothing is written yet, other files'
  facts still count) and the loop repeats until no fix applies, at most :data:`MAX_PASSES` times.
  So a second ``--fix`` run changes nothing.
- Every result is parsed again, by libcst and by CPython's ``compile()``, and must be encodable in
  the file's encoding. A fix that would break the file is dropped, with a message on stderr naming
  the file and the rule. It is never written.
- Edits are applied to the text with the file's own newlines, and inserted text is converted to
  the file's newline style. Writes go through :func:`source.write_atomic`, which keeps the
  encoding, BOM, permission bits and owner, and refuses to write when the file changed on disk
  after it was read (an edit racing the rename is put back).
- A file is fixed only when its real path (symbolic links resolved) lies under the paths given on
  the command line and the user may write it; otherwise it is named on stderr and left alone.
- A file whose fixes do not converge (still fixable after :data:`MAX_PASSES` passes, or fixes
  that undo each other) is left exactly as it was, and named on stderr.
- ``--diff`` prints the bytes ``--fix`` would write (the file's encoding, byte-order mark and
  newlines), so ``git apply`` / ``patch -p1`` reproduce ``--fix`` exactly.
- Ctrl-C, SIGTERM or SIGHUP while files are written stop between two files (exit 130, or 128 +
  the signal), naming those already fixed; temporary files of a run killed outright are swept
  by the next ``--fix``.

Positions follow ``findings.Edit``: 1-based lines (``\\n``, ``\\r\\n`` and ``\\r`` end a line, as
for libcst), 1-based columns in code points, the end excluded; an insertion has start == end; line
``len(lines) + 1``, column 1 is the end of the file.
"""
from __future__ import annotations

import ast
import contextlib
import difflib
import os
import re
import signal
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import click

from .findings import Edit, Finding, Fix
from .source import DEFAULT_MAX_BYTES, SourceError, SourceFile, encode_source, newline_style, read_source

MAX_PASSES = 10

_NEWLINE = re.compile(r"\r\n|\r|\n")

# An edit resolved to offsets in one text: (start, end, content).
Span = Tuple[int, int, str]


@dataclass
class FixOutcome:
    error: bool = False
    remaining: List[Finding] = field(default_factory=list)
    fixed: int = 0
    # (path, code, count) of the fixes applied (with --diff: that would be applied)
    show_fixes: List[Tuple[str, str, int]] = field(default_factory=list)
    # --stdin-filename: the fixed source (the input unchanged when nothing was fixed)
    stdin_text: Optional[str] = None


def applies(fix: Optional[Fix], unsafe: bool) -> bool:
    """True when ``--fix`` (with ``unsafe`` = ``--unsafe-fixes``) applies this fix."""
    return fix is not None and bool(fix.edits) and (fix.applicability == "safe" or unsafe)


# --------------------------------------------------------------------------- text edits
class EditError(ValueError):
    """An edit whose position does not exist in the text."""


class TextIndex:
    """Converts (line, column) positions of one text to offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def _line_length(self, index: int) -> int:
        """Length of line ``index`` (0-based) without its newline."""
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        segment = self.text[start:end]
        if segment.endswith("\r\n"):
            return len(segment) - 2
        if segment.endswith(("\n", "\r")):
            return len(segment) - 1
        return len(segment)

    def offset(self, line: int, column: int) -> int:
        if line == len(self.starts) + 1 and column == 1 and not self.text.endswith(("\n", "\r")):
            return len(self.text)  # appending to a file whose last line has no newline
        if not 1 <= line <= len(self.starts) or column < 1:
            raise EditError(f"position {line}:{column} is outside the file")
        if column - 1 > self._line_length(line - 1):
            raise EditError(f"position {line}:{column} is past the end of line {line}")
        return self.starts[line - 1] + column - 1

    def spans(self, edits: Iterable[Edit], newline: str) -> List[Span]:
        """The edits as sorted, de-duplicated offsets; inserted text gets ``newline``."""
        out = set()
        for e in edits:
            start, end = self.offset(e.line, e.column), self.offset(e.end_line, e.end_column)
            if end < start:
                raise EditError(f"edit ends ({e.end_line}:{e.end_column}) before it starts ({e.line}:{e.column})")
            out.add((start, end, _NEWLINE.sub(newline, e.content)))
        spans = sorted(out)
        for a, b in zip(spans, spans[1:]):
            if conflict(a, b):
                raise EditError("the fix's own edits overlap")
        return spans


def conflict(a: Span, b: Span) -> bool:
    """Two different edits that cannot both be applied (or whose order would be ambiguous)."""
    if a == b:
        return False
    if a[0] == a[1] == b[0] == b[1]:
        return True  # two different insertions at one point
    return a[0] < b[1] and b[0] < a[1]


def apply_spans(text: str, spans: Iterable[Span]) -> str:
    out, pos = [], 0
    for start, end, content in sorted(set(spans)):
        out.append(text[pos:start])
        out.append(content)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def apply_edits(text: str, edits: Iterable[Edit], newline: Optional[str] = None) -> str:
    """``text`` with ``edits`` applied (they must not overlap)."""
    return apply_spans(text, TextIndex(text).spans(edits, newline or newline_style(text)))


# --------------------------------------------------------------------------- validity
def parses(text: str, path: str, cpython: bool = True) -> Optional[str]:
    """None when ``text`` is valid Python for libcst (and for CPython when ``cpython``), else why not."""
    import libcst as cst

    from .engine import parse_module

    try:
        parse_module(text)
    except cst.ParserSyntaxError as exc:
        return f"syntax error at line {exc.raw_line}: {str(exc.message).strip()}"
    except (RecursionError, MemoryError):
        return "the result is too deeply nested to parse"
    if cpython:
        try:
            compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except SyntaxError as exc:
            return f"syntax error at line {exc.lineno}: {exc.msg}"
        except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
            return f"CPython cannot compile the result: {exc}"
    return None


# --------------------------------------------------------------------------- one file
@dataclass
class _File:
    display: str
    path: str
    source: Optional[SourceFile]  # None for stdin
    original: str
    text: str
    newline: str
    cpython: bool  # the original compiles with this CPython, so the result must too
    encoding: str = "utf-8"
    bom: bool = False
    fixed: Counter = field(default_factory=Counter)
    seen: Set[str] = field(default_factory=set)
    done: bool = False
    converged: bool = True


def _problem(state: _File, text: str) -> Optional[str]:
    why = parses(text, state.display, state.cpython)
    if why is None and state.source is not None:
        try:
            encode_source(text, state.encoding, state.bom)
        except UnicodeEncodeError as exc:
            why = f"the result cannot be encoded as {state.encoding} ({text[exc.start:exc.end]!r})"
    return why


def _drop_key(f: Finding) -> tuple:
    return (f.location.path, f.code, f.fingerprint or (f.location.line, f.location.column), f.fix.title)


def _warn_dropped(state: _File, f: Finding, why: str) -> None:
    click.echo(
        f"error: {state.display}:{f.location.line}:{f.location.column}: the fix of {f.code} "
        f"({f.fix.title}) was not applied: {why} (please report this)",
        err=True,
    )


def fix_pass(state: _File, findings: Sequence[Finding], dropped: Set[tuple]) -> Tuple[str, List[Finding]]:
    """One pass over one file: the new text and the findings whose fix it applied."""
    index = TextIndex(state.text)
    picks: List[Tuple[Finding, List[Span]]] = []
    chosen: List[Span] = []
    for f in sorted(findings, key=Finding.sort_key):
        key = _drop_key(f)
        if key in dropped:
            continue
        try:
            spans = index.spans(f.fix.edits, state.newline)
        except EditError as exc:
            dropped.add(key)
            _warn_dropped(state, f, str(exc))
            continue
        if any(conflict(a, b) for a in spans for b in chosen):
            continue  # overlaps a fix taken in this pass: next pass
        picks.append((f, spans))
        chosen.extend(spans)
    if not picks:
        return state.text, []
    new_text = apply_spans(state.text, chosen)
    if _problem(state, new_text) is None:
        return new_text, [f for f, _ in picks]
    # Something breaks the file: add the fixes one at a time and keep those that do not.
    accepted: List[Span] = []
    applied: List[Finding] = []
    for f, spans in picks:
        trial = apply_spans(state.text, accepted + spans)
        why = _problem(state, trial)
        if why is None:
            accepted.extend(spans)
            applied.append(f)
        else:
            dropped.add(_drop_key(f))
            _warn_dropped(state, f, why)
    return apply_spans(state.text, accepted), applied


# --------------------------------------------------------------------------- diff
_BYTE_LINES = re.compile(rb"[^\n]*\n|[^\n]+$")


def diff_bytes(old: bytes, new: bytes, display: str) -> bytes:
    """A unified diff of two versions of a file, byte for byte (its own encoding, byte-order mark
    and newlines), that ``git apply`` / ``patch -p1`` accept, with ``a/`` and ``b/`` headers.

    As for ``diff`` and ``git``, only ``\\n`` ends a line: a ``\\r\\n`` line keeps its ``\\r``,
    and a file whose lines end in a lone ``\\r`` is one line."""
    name = os.fsencode(display)
    out = []
    lines = difflib.diff_bytes(difflib.unified_diff, _BYTE_LINES.findall(old), _BYTE_LINES.findall(new),
                               b"a/" + name, b"b/" + name)
    for line in lines:
        if line.startswith((b"---", b"+++", b"@@")) and not line.endswith(b"\n"):
            line += b"\n"
        elif not line.endswith(b"\n"):
            line += b"\n\\ No newline at end of file\n"
        out.append(line)
    return b"".join(out)


def unified_diff(old: str, new: str, display: str) -> str:
    """:func:`diff_bytes` of two texts (UTF-8)."""
    return diff_bytes(old.encode("utf-8", "surrogatepass"), new.encode("utf-8", "surrogatepass"),
                      display).decode("utf-8", "surrogatepass")


def _write_bytes(stream, data: bytes) -> None:
    """``data`` to a text stream's bytes underneath (a latin-1 file's diff stays latin-1)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(data.decode("utf-8", "replace"))
        return
    stream.flush()
    buffer.write(data)
    buffer.flush()


# --------------------------------------------------------------------------- the run
def _fixable(findings: Iterable[Finding], unsafe: bool, dropped: Set[tuple]) -> Dict[str, List[Finding]]:
    by_file: Dict[str, List[Finding]] = {}
    for f in findings:
        if applies(f.fix, unsafe) and _drop_key(f) not in dropped:
            by_file.setdefault(f.location.path, []).append(f)
    return by_file


def write_roots(paths: Sequence[str], cwd: str) -> List[str]:
    """Where fixes may be written: the real paths of the directories given on the command line,
    and of the directories holding the files given one by one."""
    out = []
    for p in paths:
        absolute = os.path.join(cwd, p)
        out.append(os.path.realpath(absolute if os.path.isdir(absolute) else os.path.dirname(absolute)))
    return out


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _refusal(path: str, roots: Sequence[str]) -> Optional[str]:
    """Why a file must not be rewritten, or None: its real path (through symbolic links) lies
    outside the checked paths, or the user may not write it."""
    real = os.path.realpath(path)
    if not any(_inside(real, root) for root in roots):
        return f"resolves through a symbolic link to {real}, outside the checked paths"
    if not os.access(real, os.W_OK):
        return "read-only for this user"
    return None


def _load(job, roots: Sequence[str]) -> Tuple[Optional[_File], Optional[str]]:
    if job.text is not None:
        text, source, encoding, bom = job.text, None, "utf-8", False
    else:
        refusal = _refusal(job.path, roots)
        if refusal is not None:
            return None, refusal
        try:
            # the lint already accepted its size (max-file-size may be over the default)
            source = read_source(Path(job.path), max(DEFAULT_MAX_BYTES, os.stat(job.path).st_size))
        except OSError as exc:
            return None, f"cannot read: {exc.strerror or exc}"
        except SourceError as exc:
            return None, exc.message
        text, encoding, bom = source.text, source.encoding, source.bom
    state = _File(
        display=job.display, path=job.path, source=source, original=text, text=text,
        newline=newline_style(text), cpython=parses(text, job.display) is None,
        encoding=encoding, bom=bom,
    )
    state.seen.add(text)
    return state, None


def _not_converged(state: _File, why: str) -> None:
    state.converged = False
    state.done = True
    click.echo(f"error: {state.display}: {why}; the file is left as it is (please report this)", err=True)


def apply_fixes(run, jobs_list, options, stdout=None, rerun: Optional[Callable[[Dict[str, str]], object]] = None,
                cwd: Optional[str] = None) -> FixOutcome:
    """Fix what can be fixed; write it (``--fix``), or print the diff (``--diff``).

    ``rerun(texts)`` lints the project again with ``texts`` ({filesystem path: text}) replacing
    those files' contents, without writing, and returns a ``RunResult``. Only files whose real
    path lies under the checked paths (``options.paths``, relative to ``cwd``) and that the user
    may write are fixed; a file whose fixes do not converge is left as it is. ``--diff`` prints
    exactly the bytes ``--fix`` would write.
    """
    import sys

    stdout = stdout if stdout is not None else sys.stdout
    roots = write_roots(options.paths, cwd or os.getcwd())
    unsafe = bool(options.unsafe_fixes)
    jobs = {job.display: job for job in jobs_list}
    states: Dict[str, _File] = {}
    texts: Dict[str, str] = {}
    dropped: Set[tuple] = set()
    unreadable: Set[str] = set()
    current = run
    passes = 0
    while True:
        by_file = {d: fs for d, fs in _fixable(current.findings, unsafe, dropped).items()
                   if d in jobs and d not in unreadable and not (d in states and states[d].done)}
        reread = False
        for display in by_file:
            if display in states or display in unreadable:
                continue
            state, why = _load(jobs[display], roots)
            if state is None:
                click.echo(f"error: {display}: {why}; not fixed", err=True)
                unreadable.add(display)
                continue
            states[display] = state
            if state.source is not None:
                texts[state.path] = state.text
                reread = True
        if reread and rerun is not None:
            # Lint what was just read, so the edits match the text they are applied to.
            current = rerun(texts)
            continue
        by_file = {d: fs for d, fs in by_file.items() if d in states}
        if not by_file:
            break
        if passes == MAX_PASSES:
            for display in sorted(by_file):
                codes = ", ".join(sorted({f.code for f in by_file[display]}))
                _not_converged(states[display], f"fixes ({codes}) did not converge after {MAX_PASSES} passes")
            break
        passes += 1
        changed = False
        dropped_before = len(dropped)
        for display in sorted(by_file):
            state = states[display]
            new_text, applied = fix_pass(state, by_file[display], dropped)
            if new_text == state.text:
                continue
            if new_text in state.seen:  # the fixes undo each other: stop fixing this file
                _not_converged(state, "fixes keep rewriting the same code")
                continue
            state.seen.add(new_text)
            state.text = new_text
            texts[state.path] = new_text
            state.fixed.update(f.code for f in applied)
            changed = True
        if not changed:
            if len(dropped) > dropped_before:
                continue  # fixes that waited behind a dropped one get their turn
            break
        if rerun is None:
            break
        current = rerun(texts)

    outcome = FixOutcome()
    reverted = False
    for state in states.values():
        if not state.converged:  # left as it was read: its findings are reported as they are
            state.text = state.original
            state.fixed.clear()
            if state.source is not None:
                texts[state.path] = state.original
                reverted = True
    if options.fix and not options.diff:
        reverted = _write_all(states, texts, jobs_list) or reverted
    diffs = []
    for display in sorted(states):
        state = states[display]
        if state.source is None:  # stdin
            outcome.stdin_text = state.text
        if state.text == state.original:
            continue
        if options.diff:
            diffs.append(diff_bytes(_encoded(state, state.original), _encoded(state, state.text), display))
        for code, n in sorted(state.fixed.items()):
            outcome.show_fixes.append((display, code, n))
            outcome.fixed += n
    if reverted and rerun is not None:
        current = rerun(texts)
    if options.stdin_filename is not None and outcome.stdin_text is None:
        outcome.stdin_text = next((j.text for j in jobs_list if j.text is not None), None)
    if options.diff:
        _write_bytes(stdout, b"".join(diffs))
        if outcome.fixed:
            noun = "finding" if outcome.fixed == 1 else "findings"
            click.echo(f"Would fix {outcome.fixed} {noun}.", err=True)
        else:
            click.echo("No fixes available.", err=True)
    outcome.remaining = list(current.findings)
    return outcome


def _encoded(state: _File, text: str) -> bytes:
    """The bytes ``--fix`` writes for ``text`` (the file's own bytes for its original text)."""
    if state.source is not None and text == state.original:
        return state.source.data
    return encode_source(text, state.encoding, state.bom)


def _write_all(states: Dict[str, _File], texts: Dict[str, str], jobs_list) -> bool:
    """Write every changed file; True when one was refused (its text went back to the original).

    Signals are deferred while one file is written, so a file is either written or untouched,
    and the temporary file is gone either way. SIGINT (Ctrl-C), SIGTERM and SIGHUP stop the run
    between two files: the files already fixed and those not fixed are named on stderr and the
    exit code is 130 (128 + the signal for the others). Temporary files that a run killed outright
    left behind are swept first."""
    from .source import sweep_temporaries, write_atomic

    sweep_temporaries({os.path.dirname(os.path.realpath(j.path)) for j in jobs_list if j.text is None})
    todo = [d for d in sorted(states) if states[d].source is not None and states[d].text != states[d].original]
    written: List[str] = []
    refused = False
    try:
        with _signals_raise():
            for display in todo:
                state = states[display]
                try:
                    with _signals_deferred():
                        write_atomic(Path(state.path), state.text, state.source)
                        written.append(display)
                except SourceError as exc:
                    click.echo(f"error: {display}: {exc.message}", err=True)
                    texts[state.path] = state.text = state.original
                    state.fixed.clear()
                    refused = True
    except (KeyboardInterrupt, _Signalled) as exc:
        number = exc.signum if isinstance(exc, _Signalled) else signal.SIGINT
        left = [d for d in todo if d not in written]
        click.echo(f"error: interrupted ({signal.Signals(number).name}) while writing fixes; "
                   f"already fixed: {', '.join(written) or 'none'}; not fixed: {', '.join(left)}", err=True)
        raise SystemExit(128 + number) from None
    return refused


class _Signalled(BaseException):
    """SIGTERM or SIGHUP while fixes are written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _signals_raise():
    """SIGTERM and SIGHUP raise :class:`_Signalled` (SIGINT already raises KeyboardInterrupt)."""
    def handler(signum, frame):
        raise _Signalled(signum)

    previous = {}
    try:
        for number in _STOP_SIGNALS:
            if number != signal.SIGINT:
                previous[number] = signal.signal(number, handler)
    except ValueError:  # not the main thread: signals stay as they are
        pass
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends (POSIX)."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    old = mask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)
