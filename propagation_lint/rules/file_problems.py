"""CTX0xx: the linter's own problems with a file (cannot parse, decode, read, or bound its cost).

These are findings like any other (ruff reports its E902/syntax errors the same way), so a
broken file fails the check, is visible in every output format, and can be suppressed with
``per-file-ignores``. They cannot be disabled by ``select``: a file the linter could not read
is never silently "clean".
"""
from __future__ import annotations

import re

from ..findings import Finding, Location
from ..rule import Candidate, Rule


class _FileProblem(Rule):
    fixable = "never"
    fix_safety = "Not fixable: the file has to be changed by hand."
    options = "None."

    def check(self, model, ctx):
        return ()

    @classmethod
    def candidate_for(cls, path: str, detail: str, line: int = 1, column: int = 1) -> Candidate:
        loc = Location(path, line, column, line, column)
        finding = Finding(
            code=cls.code, name=cls.name, message=f"{cls.message}: {detail}", location=loc,
            severity=cls.severity, fingerprint=f"{cls.code}:{path}",
        )
        return Candidate(finding, noqa_lines=())


class SyntaxErrorRule(_FileProblem):
    code = "CTX001"
    name = "syntax-error"
    message = "file cannot be parsed"
    what_it_does = "Reports a file that is not valid Python, at the line where parsing failed."
    why_bad = (
        "A file the linter cannot parse cannot be checked; it is never reported as clean. Files that "
        "name no API any enabled rule looks at are only read, never parsed, so their syntax errors "
        "are left to Python and other linters."
    )
    example = "```python\ndef handler(:\n    ...\n```"
    use_instead = "```python\ndef handler():\n    ...\n```"

    @classmethod
    def candidate_for(cls, path, exc, line=None, column=None):  # type: ignore[override]
        if isinstance(exc, SyntaxError):
            msg = exc.msg or "invalid syntax"
            line = exc.lineno or 1
            column = exc.offset or 1
        else:
            msg = str(getattr(exc, "message", "") or exc).strip().splitlines()[0] if str(exc) else "invalid syntax"
            line = getattr(exc, "raw_line", None) or 1
            column = (getattr(exc, "raw_column", None) or 0) + 1
        return super().candidate_for(path, msg, int(line), int(column))


class UndecodableFile(_FileProblem):
    code = "CTX002"
    name = "undecodable-file"
    message = "file cannot be decoded"
    what_it_does = (
        "Reports a file whose bytes cannot be decoded with its declared encoding (PEP 263 coding "
        "line, UTF-8 BOM, or UTF-8 by default), contains null bytes, or is UTF-16/32 encoded."
    )
    why_bad = "Python itself cannot import such a file, and the linter cannot check it."
    example = "A latin-1 file with `é` but no `# -*- coding: latin-1 -*-` line."
    use_instead = "Re-save the file as UTF-8, or declare its encoding on line 1 or 2."


class UnreadableFile(_FileProblem):
    code = "CTX003"
    name = "unreadable-file"
    message = "file cannot be read"
    what_it_does = (
        "Reports a `.py` path that cannot be read: permission denied, a broken symbolic link, a "
        "named pipe or another non-regular file; and a directory that cannot be read, whose files "
        "cannot even be listed (`permission denied; directory not walked`)."
    )
    why_bad = "The file is skipped; the rest of the run goes on."
    example = "`chmod 000 app.py`"
    use_instead = "Make the file readable, or exclude it (`extend-exclude`)."


class FileTooLarge(_FileProblem):
    code = "CTX004"
    name = "file-too-large"
    message = "file is too large to lint"
    what_it_does = (
        "Reports a file over the size guard (`max-file-size`, 10 MB by default), or, among the "
        "files the rules must parse, one of more tokens than the memory guard allows "
        "(`max-file-tokens`, 150,000 by default: the syntax trees cost about 3 KB per token, so "
        "such a file would take over 450 MB). Such files are almost always generated; reading and "
        "parsing them would dominate the run."
    )
    why_bad = "The file is not checked."
    example = "A 12 MB generated protobuf module."
    use_instead = "Exclude generated files, or raise `max-file-size` or `max-file-tokens`."
    options = ("- `max-file-size` (bytes, default 10485760).\n"
               "- `max-file-tokens` (default 150000; memory grows by about 3 KB per token).")


# The memory guard: libcst's tree and CPython's take about 3 KB per token together (measured:
# 200,000 tokens of generated dicts, calls or functions peaked at 0.55-0.68 GB), so a file
# under the limit stays under about 500 MB; hand-written modules stay far below (the largest
# in CPython's standard library has about 60,000).
MAX_TOKENS = 150_000
# A comment, a string literal (triple-quoted or not, terminated or not), a word, or one other
# character: one regex pass in C, no backtracking past a quote.
_TOKEN = re.compile(
    r"#[^\r\n]*"
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:''')?"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:""")?'
    r"|'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'?"
    r'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"?'
    r"|\w+|[^\s\w]",
    re.DOTALL,
)


def over_token_budget(text: str, limit: int = MAX_TOKENS):
    """The CTX004 detail when ``text`` holds more than ``limit`` tokens, else None.

    Counted before any parser sees the file (a comment or a string literal is one token, as in
    Python's tokenizer; a string prefix or an f-string's parts may count apart). A file with no
    more characters than the limit cannot hold more tokens and is not scanned.
    """
    if len(text) <= limit:
        return None
    count = _TOKEN.subn("", text)[1]
    if count <= limit:
        return None
    return f"{count:,} tokens, over the limit of {limit:,} (max-file-tokens, the memory guard)"


class TooComplexRule(_FileProblem):
    code = "CTX005"
    name = "file-too-complex"
    message = "file is nested too deeply to analyse"
    what_it_does = (
        "Reports a file whose expressions or brackets are nested so deeply that parsing or "
        "analysing it would exceed the nesting guard (a syntax tree more than 1000 levels deep, "
        "or nesting Python itself refuses, such as over 200 nested brackets) or the recursion "
        "guard."
    )
    why_bad = "The file is not checked; every other file still is."
    example = "A generated expression with thousands of nested parentheses."
    use_instead = "Exclude the generated file."

    @classmethod
    def candidate_for(cls, path, exc, line=1, column=1):  # type: ignore[override]
        detail = exc if isinstance(exc, str) else f"{type(exc).__name__} (recursion guard)"
        return super().candidate_for(path, detail, line, column)


FILE_PROBLEM_CODES = ("CTX001", "CTX002", "CTX003", "CTX004", "CTX005")
