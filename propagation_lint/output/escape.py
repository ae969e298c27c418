"""Text from the checked tree made safe to print: file names, span names, topics, messages.

File names and string literals belong to the code being checked, not to us. Printed raw, a file
named with a newline forges a finding line of its own, an escape sequence in a span name clears
or recolours the terminal (or sets its title), a right-to-left override reorders what the reader
sees, and a file name that is not valid UTF-8 cannot be printed at all. So, as ruff does with
the source it shows:

- C0 control characters (except the tab) and DEL become their Unicode control pictures
  (U+2400-U+2421): a newline is shown as ``␊``, ESC as ``␛``;
- C1 control characters, the bidirectional controls and the line and paragraph separators
  become ``\\u....`` escapes;
- a lone surrogate, which is how Python spells a byte of a file name that is not valid UTF-8
  (``os.fsdecode``), becomes ``\\xNN``, that byte.
"""
from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_LINE_BREAK = re.compile("\r\n|\r|\n")


def _escape(match: re.Match) -> str:
    n = ord(match.group())
    if n < 0x20:
        return chr(0x2400 + n)
    if n == 0x7F:
        return "\u2421"
    if 0xDC80 <= n <= 0xDCFF:
        return f"\\x{n - 0xDC00:02x}"
    return f"\\u{n:04x}"


def printable(text: str) -> str:
    """``text`` on one line, with nothing a terminal or a log viewer would act on."""
    return _UNSAFE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """:func:`printable` line by line, for text the linter lays out over several lines itself
    (suggestions, evidence): every line break becomes ``\\n``, so the caller's indentation
    applies to each line and a carriage return cannot rewrite the start of one."""
    return "\n".join(printable(line) for line in _LINE_BREAK.split(text))
