"""CTX006 unused-noqa: a ``# noqa`` code of ours that suppresses nothing (ruff's RUF100)."""
from __future__ import annotations

from typing import Iterable, List, Sequence, Set, Tuple

from ..findings import Edit, Finding, Fix, Location
from ..rule import Candidate, Rule


class UnusedNoqa(Rule):
    code = "CTX006"
    name = "unused-noqa"
    message = "unused noqa directive"
    default_enabled = False
    fixable = "always"

    what_it_does = """
        Reports a code of ours (`CTX...`) in a `# noqa` comment, or in a file-level
        `# propagation-lint: noqa: ...` comment, that suppresses no finding in this run. Codes of
        other tools (`E501`, `F401`) and blanket `# noqa` comments, which other linters share, are
        never reported; nor are codes of rules this run does not enable.
        """
    why_bad = """
        A suppression that outlived its finding (the code was fixed, moved, or the linter learned
        better) hides the next real finding on that line without anyone noticing.
        """
    example = """
        ```python
        def handle(pool, item):
            pool.submit(contextvars.copy_context().run, work, item)  # noqa: CTX201
        ```
        """
    use_instead = """
        ```python
        def handle(pool, item):
            pool.submit(contextvars.copy_context().run, work, item)
        ```
        """
    fix_safety = """
        The fix is **safe**: it removes only the unused code (`# noqa: E501, CTX201` becomes
        `# noqa: E501`), or the whole directive with its reason when that code was its only one
        (and the line when the comment was all of it). Nothing that runs changes, and a code that
        suppresses a finding is never reported, so no finding comes back.
        """
    options = "None. Enable it with `extend-select = [\"CTX006\"]` (it is opt-in)."

    def check(self, model, ctx):
        return ()  # decided by the runner, which sees every finding of the file and the comments


def unused_candidates(display: str, lines: Sequence[str], directives, used: Set[Tuple[int, int]],
                      enabled: Iterable[str]) -> List[Candidate]:
    """A CTX006 candidate per code entry of ``directives`` that is ours, names an enabled rule and
    suppressed nothing (``used``: (directive index, code index) pairs that did)."""
    enabled = tuple(enabled)
    out: List[Candidate] = []
    ordinals: dict = {}
    for i, d in enumerate(directives):
        if d.codes is None:
            continue
        if any(c.startswith(UnusedNoqa.code) for c, _, _ in d.codes):
            continue  # the directive silences this very rule
        for j, (code, start, end) in enumerate(d.codes):
            if (i, j) in used or not code.startswith("CTX") or not any(e.startswith(code) for e in enabled):
                continue
            n = ordinals.get(code, 0)
            ordinals[code] = n + 1
            where = "file-level noqa directive" if d.file_level else "noqa directive"
            finding = Finding(
                code=UnusedNoqa.code, name=UnusedNoqa.name,
                message=f"unused {where} (unused: {code})",
                location=Location(display, d.line, start + 1, d.line, end + 1),
                fingerprint=f"{UnusedNoqa.code}:{code}:{n}",
                fix=Fix("safe", f"Remove unused `{code}`", (_removal(d, j, lines),)),
            )
            out.append(Candidate(finding, noqa_lines=(d.line,)))
    return out


def _removal(d, j: int, lines: Sequence[str]) -> Edit:
    """The edit removing code ``j`` of directive ``d``: the code and one separator when others
    stay; else the directive (and its reason), up to a later ``#`` comment, with the spaces before
    it; the whole line when the comment was all of it."""
    line = d.line
    text = lines[line - 1].rstrip("\r\n") if line <= len(lines) else ""
    codes = d.codes
    if len(codes) > 1:
        if j > 0:
            start, end = codes[j - 1][2], codes[j][2]
        else:
            start, end = codes[0][1], codes[1][1]
        return Edit(line, start + 1, line, end + 1, "")
    after = text.find("#", codes[0][2])
    if after != -1:  # `# noqa: CTX201 # keep this`: the later comment stays
        return Edit(line, d.column + 1, line, after + 1, "")
    before = text[: d.column]
    if not before.strip() and line <= len(lines) and lines[line - 1].endswith(("\n", "\r")):  # the whole line
        return Edit(line, 1, line + 1, 1, "")
    return Edit(line, len(before.rstrip()) + 1, line, len(text) + 1, "")
