"""``# noqa`` comments, read from real comment tokens (a ``noqa`` inside a string never counts).

- ``# noqa`` on the reported line, or on the first line of a multi-line statement, suppresses
  every finding there; ``# noqa: CTX101, CTX2`` only those codes (or prefixes).
- ``# propagation-lint: noqa`` anywhere in the file suppresses the whole file;
  ``# propagation-lint: noqa: CTX101`` only those codes.
- Text after the codes is a reason and is ignored: ``# noqa: CTX201 the pool is a process pool``,
  ``# noqa: CTX201 -- reason`` (as in ruff). A word counts as a code when it is upper-case letters
  then digits (``E501``), or ours in any case (``ctx101``); the first other word starts the reason.
- A comment that merely mentions noqa (``# not a noqa``) suppresses nothing; ``# noqa: E501``
  names only another tool's code and so suppresses none of ours.
- :func:`directives` also says what is wrong with a directive (an unknown ``CTX`` code, a code
  that is not one, ``noqa:`` with no code): the run prints it as a warning naming the file and the
  line; and which of its codes suppressed nothing (rule CTX006, unused-noqa). ``# noqa:`` naming
  no code suppresses nothing.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

# `#`, optional spaces, then noqa (file level: `propagation-lint:` between them); the rest follows
_DIRECTIVE = re.compile(r"#\s*(?P<file>propagation-lint:\s*)?noqa(?P<tail>.*)$", re.I | re.S)
# a blanket directive: nothing after `noqa`, or a reason introduced by `--` or another `#`
_BLANKET_TAIL = re.compile(r"\s*(?:(?:--|#).*)?$", re.S)
_WORD = re.compile(r"[^\s,]+")
_CODE = re.compile(r"[A-Z]+[0-9]+")
_OURS = re.compile(r"ctx[0-9]+", re.I)
# a `#` and, later on its line, noqa: every suppression comment matches this
_CANDIDATE = re.compile(r"#[^\r\n]*noqa", re.I)
_FILE_MARK = re.compile(r"propagation-lint", re.I)
# a noqa comment naming one of our codes: only such files are tokenized for warnings and CTX006
_OURS_ON_NOQA_LINE = re.compile(r"#[^\r\n]*noqa[^\r\n]*ctx", re.I)
ALL = None


@dataclass
class Directive:
    line: int  # 1-based
    column: int  # 0-based column of the directive's `#` on its line
    comment: str  # the whole comment token
    file_level: bool
    # None: blanket; else (code, start, end) with offsets in the line
    codes: Optional[List[Tuple[str, int, int]]] = None
    problems: List[str] = field(default_factory=list)


@dataclass
class Suppressions:
    lines: Dict[int, Optional[Set[str]]] = field(default_factory=dict)  # None = all codes
    file_codes: Optional[Set[str]] = None
    file_all: bool = False
    directives: List[Directive] = field(default_factory=list)

    def suppresses(self, code: str, lines) -> bool:
        if self.file_all or (self.file_codes and _matches(code, self.file_codes)):
            return True
        for line in lines:
            if line in self.lines:
                codes = self.lines[line]
                if codes is None or _matches(code, codes):
                    return True
        return False

    def used_by(self, code: str, lines) -> List[Tuple[int, int]]:
        """(directive index, code index) of every code entry that suppresses ``code`` on ``lines``."""
        out = []
        for i, d in enumerate(self.directives):
            if d.codes is None or not (d.file_level or d.line in lines):
                continue
            out.extend((i, j) for j, (c, _, _) in enumerate(d.codes) if code.startswith(c))
        return out


def _on_lines(text: str, lines: Set[int]) -> bool:
    """Whether a ``#`` followed by ``noqa`` appears on one of ``lines`` (1-based); True when the
    file has lines that end in a lone ``\\r`` (counted here only by the tokenizer)."""
    if text.count("\r") != text.count("\r\n"):
        return True
    line, at = 1, 0
    for m in _CANDIDATE.finditer(text):
        line += text.count("\n", at, m.start())
        at = m.start()
        if line in lines:
            return True
    return False


def _matches(code: str, codes) -> bool:
    return any(code.startswith(c) for c in codes)


def needs_directives(text: str) -> bool:
    """Whether a noqa comment of the file names one of our codes (cheap: no tokenizing)."""
    if "noqa" not in text and "NOQA" not in text and "Noqa" not in text:
        return False  # the common case, without a regular expression
    return _OURS_ON_NOQA_LINE.search(text) is not None


def parse_suppressions(text: str, lines: Optional[Set[int]] = None, full: bool = False) -> Suppressions:
    """The file's suppression comments; with ``lines`` (where the findings are), an empty answer
    without tokenizing when no ``# ... noqa`` sits on those lines and no file-level one exists
    (unless ``full``: every directive, for warnings and CTX006)."""
    result = Suppressions()
    if not _CANDIDATE.search(text):
        return result  # no comment can hold a noqa: the tokenizer is not needed
    if not full and lines is not None and not _FILE_MARK.search(text) and not _on_lines(text, lines):
        return result
    for d in directives(text):
        result.directives.append(d)
        codes = None if d.codes is None else {c for c, _, _ in d.codes}
        if d.codes is not None and not d.codes:
            continue  # `noqa:` naming no code: a warning, and no suppression
        if d.file_level:
            if codes is None:
                result.file_all = True
            else:
                result.file_codes = (result.file_codes or set()) | codes
            continue
        prev = result.lines.get(d.line, set())
        result.lines[d.line] = None if codes is None or prev is None else prev | codes
    return result


def comments(text: str) -> List[Tuple[int, int, str]]:
    """Every comment token: (line, 0-based column, text)."""
    if "\r" in text:  # the tokenizer reads lines split at \n only: a lone \r ends a line too
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out.append((tok.start[0], tok.start[1], tok.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def directives(text: str) -> List[Directive]:
    out = []
    for line, column, comment in comments(text):
        d = parse_directive(comment, line, column)
        if d is not None:
            out.append(d)
    return out


def parse_directive(comment: str, line: int = 1, column: int = 0) -> Optional[Directive]:
    """The noqa directive in one comment token, or None when it holds none."""
    m = _DIRECTIVE.search(comment)
    if m is None:
        return None
    file_level = m.group("file") is not None
    tail = m.group("tail")
    start = column + m.start()
    d = Directive(line, start, comment, file_level)
    if _BLANKET_TAIL.fullmatch(tail):
        return d  # blanket
    colon = re.match(r"\s*:", tail)
    if colon is None:
        return None  # `# noqa-ish words`: not a directive
    d.codes = []
    at = m.start("tail") + colon.end()
    for word in _WORD.finditer(comment, at):
        text = word.group()
        if text.startswith("--") or text.startswith("#"):
            break
        if _CODE.fullmatch(text) or _OURS.fullmatch(text):
            d.codes.append((text.upper(), column + word.start(), column + word.end()))
            continue
        if text[:3].upper() == "CTX":
            d.problems.append(f"malformed rule code {text!r} in a noqa comment")
        break
    return d
