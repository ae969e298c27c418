"""The base class every rule derives from, and the documentation shape they share.

A rule is a class with metadata (code, kebab-case name, one-line message, documentation in
ruff's shape) and a ``check`` method that reads the file's semantic model (built in the one
traversal of the file, see ``model.py``) and yields :class:`Candidate` findings.

A candidate may depend on facts only a whole-project pass can know (a helper in another module
that injects, an instrumentor enabled elsewhere, a callback registered as a consumer in another
file). Those are written as conditions (``requires`` / ``unless``) and resolved after every file
has been analysed; see ``project.py``. This keeps each file's result a function of its own
content, which is what makes the cache and ``--jobs`` simple and exact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Iterable, Tuple

from .findings import Finding


@dataclass(frozen=True)
class Candidate:
    finding: Finding
    # Conditions are tuples whose first item names the kind of fact, e.g.
    # ("handler", "app.consumers.handle") or ("instrumented", "kafka-python", "send").
    requires: Tuple[tuple, ...] = ()
    unless: Tuple[tuple, ...] = ()
    # lines on which a `# noqa` suppresses it: the reported line and the first line of the statement
    noqa_lines: Tuple[int, ...] = ()
    # evidence added only when the project pass decides (e.g. why an instrumentor did not count)
    notes: Tuple[tuple, ...] = ()


DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "Options")


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    message: ClassVar[str] = ""
    severity: ClassVar[str] = "error"
    default_enabled: ClassVar[bool] = True
    # "never", "sometimes" or "always", as ruff says "Fix is sometimes available."
    fixable: ClassVar[str] = "never"
    # Words whose presence in a file's text can make this rule relevant. A file that contains
    # none of the enabled rules' words is never parsed.
    trigger_words: ClassVar[Tuple[str, ...]] = ()
    # True when the calls the rule looks at resolve only in files that import a library the
    # catalog knows (``extract`` means nothing without opentelemetry, ddtrace or opentracing):
    # its words then never make a file relevant by themselves (a file that imports a project
    # helper instead is promoted by the runner when that helper gives project facts).
    needs_library_import: ClassVar[bool] = False

    # Documentation sections (markdown). Every rule fills all of them.
    what_it_does: ClassVar[str] = ""
    why_bad: ClassVar[str] = ""
    example: ClassVar[str] = ""
    use_instead: ClassVar[str] = ""
    fix_safety: ClassVar[str] = ""
    options: ClassVar[str] = "None."

    def check(self, model, ctx) -> Iterable[Candidate]:  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        """The rule's documentation as markdown, in ruff's section order."""
        parts = [f"# {cls.name} ({cls.code})", ""]
        fix_line = {
            "always": "Fix is always available.",
            "sometimes": "Fix is sometimes available.",
            "never": "",
        }[cls.fixable]
        if fix_line:
            parts += [fix_line, ""]
        if not cls.default_enabled:
            parts += ["This rule is off by default (opt-in): enable it with `extend-select`.", ""]
        for title, body in (
            ("What it does", cls.what_it_does),
            ("Why is this bad?", cls.why_bad),
            ("Example", cls.example),
            ("Use instead", cls.use_instead),
            ("Fix safety", cls.fix_safety),
            ("Options", cls.options),
        ):
            parts += [f"## {title}", _dedent(body).strip(), ""]
        return "\n".join(parts).rstrip() + "\n"


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text.strip("\n"))


@dataclass
class RuleInfo:
    """Metadata of a code that is not a checking rule (CTX0xx: the linter's own problems)."""

    code: str
    name: str
    message: str
    docs: str
    default_enabled: bool = True
    fixable: str = "never"
    severity: str = "error"
    extra: dict = field(default_factory=dict)
