"""The values every part of the linter passes around: locations, findings, evidence and fixes.

All of them are frozen, picklable dataclasses, so a finding can cross a process boundary
(``--jobs``) and be written to the cache unchanged.

Conventions:
- ``line`` is 1-based; ``column`` is 1-based and counts characters (code points), as ruff does.
- ``path`` is the path as the user should see it: relative to the working directory when the
  file is below it, else absolute; always with forward slashes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Related:
    """One piece of evidence: where a carrier was built, where a span started, what is missing."""

    location: Location
    message: str


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based line, 1-based column; end exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: str  # "safe" or "unsafe"
    title: str
    edits: Tuple[Edit, ...]


SEVERITIES = ("error", "warning", "note")


@dataclass(frozen=True)
class Cause:
    """Why a finding exists when many findings share the reason and one change fixes them all
    (an instrumentor missing in a process, a launcher that loads nothing): decided by the
    project pass from the facts it decided with, never parsed back from messages.

    ``id`` groups findings (equal ids: the same cause); ``subject`` says what the findings are
    (``celery publishes``); ``text`` why they are findings, naming the evidence; ``fix`` the one
    change; ``evidence`` the place the text names, if any.
    """

    id: str
    subject: str
    text: str
    fix: str
    evidence: Optional[Location] = None

    def sentence(self, subject: str = "") -> str:
        """``subject: why; the change.`` (``subject`` replaces the cause's own)."""
        return f"{subject or self.subject}: {self.text}; {self.fix}."


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    message: str
    location: Location
    severity: str = "error"
    suggestion: str = ""
    related: Tuple[Related, ...] = ()
    fix: Optional[Fix] = None
    # Meaning-based identity (rule, enclosing function, call target, ordinal): baselines and SARIF
    # partialFingerprints use it so that moving code does not resurrect old findings.
    fingerprint: str = ""
    # "resolved" when every name was resolved through imports; "heuristic" when matched by shape.
    confidence: str = "resolved"
    # How sure the whole-program model is that a context exists here (CTX1xx/CTX2xx): "high" for a
    # span in the same function or a direct traced origin, "medium" when reached through the call
    # graph or called from nowhere in the project; "" where the model does not judge.
    context: str = ""
    # The reason this finding shares with others (see :class:`Cause`); None when it is its own.
    cause: Optional[Cause] = None

    def confidence_level(self) -> str:
        """``high`` / ``medium`` / ``low``: the context's certainty, one step lower when a name
        was matched by shape rather than resolved."""
        level = self.context or "high"
        if self.confidence == "heuristic":
            level = {"high": "medium"}.get(level, "low")
        return level

    def sort_key(self):
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)


@dataclass(frozen=True)
class FileProblem:
    """A problem with a file that is not a finding on its code (unreadable, broken link...).

    Reported once on stderr; the run goes on.
    """

    path: str
    message: str


@dataclass(frozen=True)
class InternalError:
    """A crash inside the linter (one rule on one file). Exit code 2; other files still linted."""

    path: str
    rule: str
    message: str


@dataclass
class FileReport:
    """Everything the linter learned about one file."""

    path: str
    findings: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    internal_errors: list = field(default_factory=list)
    status: str = "linted"  # linted | skipped | error
