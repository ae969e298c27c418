"""Patterns from the configuration and the checked tree, matched in time linear in the subject.

Regular expressions a user writes (``generic-span-pattern``) and the regexes made from globs
(``per-file-ignores``, ``[[per-file]]`` paths, ``exclude``/``extend-exclude`` and ``.gitignore``
files) are compiled with RE2 (google-re2), an automaton-based matcher without backtracking:
``(a+)+$`` or ``*a*a*a*a*a*a*a*a*b`` against a long name costs microseconds, where Python's
``re`` never finishes. RE2 has no backreferences or lookaround; a pattern that uses them is a
configuration error, as is a pattern nested or long past the bounds below (RE2's own compile
time grows with the nesting depth: 20,000 nested groups took 15 s).
"""
from __future__ import annotations

import re
from functools import lru_cache

import pathspec
import re2

# Bounds on a pattern's text, checked before RE2 sees it.
MAX_PATTERN_LENGTH = 10_000
MAX_PATTERN_NESTING = 100

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print each rejected pattern to stderr


class PatternError(ValueError):
    """A pattern that cannot be matched in linear time, or is not a valid pattern; the message
    says why (without the pattern)."""


def _nesting(text: str) -> int:
    """The deepest nesting of groups in ``text`` (escapes and bracket expressions skipped)."""
    depth = deepest = 0
    i, n = 0, len(text)
    in_class = False
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if text.startswith("^", i + 1):
                i += 1
            if text.startswith("]", i + 1):
                i += 1  # a leading ] is a literal
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(depth - 1, 0)
        i += 1
    return deepest


def _matchable(subject: str) -> str:
    """``subject`` as RE2 can take it: a lone surrogate (a file name byte that is not UTF-8, a
    ``"\\udcff"`` escape in checked code) becomes U+FFFD, which wildcards match as any character."""
    if subject.isascii():
        return subject
    try:
        subject.encode("utf-8")
    except UnicodeEncodeError:  # one character for one, so match offsets stay the subject's
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in subject)
    return subject


class _Linear:
    """An RE2 regex with ``re``'s ``search``/``match``/``fullmatch``, taking any ``str``."""

    __slots__ = ("regex",)

    def __init__(self, regex) -> None:
        self.regex = regex

    def search(self, subject: str):
        return self.regex.search(_matchable(subject))

    def match(self, subject: str):
        return self.regex.match(_matchable(subject))

    def fullmatch(self, subject: str):
        return self.regex.fullmatch(_matchable(subject))


@lru_cache(maxsize=1024)
def compile_regex(text: str):
    """``text`` compiled by RE2 (``search``, ``match``, ``fullmatch`` as in ``re``); raises
    :class:`PatternError`."""
    if len(text) > MAX_PATTERN_LENGTH:
        raise PatternError(f"longer than {MAX_PATTERN_LENGTH:,} characters")
    if _nesting(text) > MAX_PATTERN_NESTING:
        raise PatternError(f"groups nested more than {MAX_PATTERN_NESTING} deep")
    try:
        return _Linear(re2.compile(text, _OPTIONS))
    except Exception as exc:  # re2.error; its message may be bytes
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(f"{reason} (patterns are matched by RE2, in linear time: no backreferences, "
                           "lookaround or possessive repeats)") from None


class AnyOf:
    """Which of several RE2 regexes match at the start of a subject, in one pass over it
    (``re2.Set``): a path is matched against each of a .gitignore's patterns only when some of
    them match at all, which for most paths none does."""

    __slots__ = ("_set",)

    def __init__(self, regexes) -> None:
        self._set = None
        if not regexes:
            return
        try:
            candidate = re2.Set.MatchSet(_OPTIONS)
            for regex in regexes:
                candidate.Add(regex.regex.pattern)
            candidate.Compile()
        except Exception:  # anything RE2's set refuses: every pattern is tried, one by one
            return
        self._set = candidate

    def indexes(self, subject: str, count: int):
        """The (sorted) indexes of the regexes that may match ``subject``: exactly those that
        do, or all ``count`` of them when no set could be built."""
        if self._set is None:
            return range(count)
        hits = self._set.Match(_matchable(subject))
        return sorted(hits) if hits else ()


def gitignore_spec(line: str) -> list:
    """pathspec's patterns for one gitignore-style line; raises ``ValueError`` (or ``re.error``)
    for a line pathspec cannot read. pathspec compiles each translation with Python's ``re``, which
    warns on stderr about some character sets (``[?--]``: "Possible set difference"); the lines
    come from the configuration or the checked tree, and those warnings are silenced: RE2 judges
    the regex afterwards."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return list(pathspec.GitIgnoreSpec.from_lines([line]).patterns)


def gitignore_patterns(lines) -> list:
    """``(include, regex, line)`` for each gitignore-style line (``exclude`` options, ``.gitignore``
    files), the regex being pathspec's translation compiled by RE2. A line pathspec or RE2 refuses
    (in a .gitignore of the checked tree; the options are checked when the configuration loads) is
    left out."""
    out = []
    for line in lines:
        try:
            patterns = gitignore_spec(line)
        except (ValueError, re.error):
            continue  # a line pathspec cannot read (a .gitignore's `[?--]`) ignores nothing, as in git
        for pattern in patterns:
            if pattern.include is None:
                continue
            try:
                out.append((pattern.include, compile_regex(pattern.regex.pattern), str(getattr(pattern, "pattern", ""))))
            except PatternError:
                continue
    return out
