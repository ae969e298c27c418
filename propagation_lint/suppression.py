"""``# noqa`` comments, read from real comment tokens (a ``noqa`` inside a string never counts).

- ``# noqa`` on the reported line, or on the first line of a multi-line statement, suppresses
  every finding there; ``# noqa: CTX101, CTX2`` only those codes (or prefixes).
- ``# propagation-lint: noqa`` anywhere in the file suppresses the whole file;
  ``# propagation-lint: noqa: CTX101`` only those codes.
- A comment that merely mentions noqa (``# not a noqa``) suppresses nothing; ``# noqa: E501``
  names only another tool's code and so suppresses none of ours.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, Optional, Set

_LINE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?\s*(?:#|$)", re.I)
_FILE = re.compile(r"#\s*propagation-lint:\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?\s*$", re.I)
# a `#` and, later on its line, noqa: every suppression comment matches this
_CANDIDATE = re.compile(r"#[^\r\n]*noqa", re.I)
_FILE_MARK = re.compile(r"propagation-lint", re.I)
ALL = None


@dataclass
class Suppressions:
    lines: Dict[int, Optional[Set[str]]] = field(default_factory=dict)  # None = all codes
    file_codes: Optional[Set[str]] = None
    file_all: bool = False

    def suppresses(self, code: str, lines) -> bool:
        if self.file_all or (self.file_codes and _matches(code, self.file_codes)):
            return True
        for line in lines:
            if line in self.lines:
                codes = self.lines[line]
                if codes is None or _matches(code, codes):
                    return True
        return False


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


def _codes(text: Optional[str]):
    if not text:
        return None
    return {c.upper() for c in re.split(r"[\s,]+", text.strip()) if c}


def parse_suppressions(text: str, lines: Optional[Set[int]] = None) -> Suppressions:
    """The file's suppression comments; with ``lines`` (where the findings are), an empty answer
    without tokenizing when no ``# ... noqa`` sits on those lines and no file-level one exists."""
    result = Suppressions()
    if not _CANDIDATE.search(text):
        return result  # no comment can hold a noqa: the tokenizer is not needed
    if lines is not None and not _FILE_MARK.search(text) and not _on_lines(text, lines):
        return result
    if "\r" in text:  # the tokenizer reads lines split at \n only: a lone \r ends a line too
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = []
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        comment = tok.string
        m = _FILE.search(comment)
        if m:
            codes = _codes(m.group("codes"))
            if codes is None:
                result.file_all = True
            else:
                result.file_codes = (result.file_codes or set()) | codes
            continue
        m = _LINE.search(comment)
        if m and (comment.lstrip("#").lstrip().lower().startswith("noqa") or "# noqa" in comment.lower() or "#noqa" in comment.lower()):
            codes = _codes(m.group("codes"))
            prev = result.lines.get(tok.start[0], set())
            if codes is None or prev is None:
                result.lines[tok.start[0]] = None
            else:
                result.lines[tok.start[0]] = prev | codes
    return result
