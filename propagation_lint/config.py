"""The ``[tool.propagation-lint]`` configuration: finding it, validating it, resolving it per file.

Configuration lives in ``pyproject.toml`` under ``[tool.propagation-lint]``, or in a
``.propagation-lint.toml`` / ``propagation-lint.toml`` file with the same keys at top level (as
ruff reads ``ruff.toml``). In one directory the standalone files take precedence over
``pyproject.toml``, again as in ruff.

Every accepted key is one row of :data:`OPTIONS` (key, ``Settings`` field, validator, whether a
``[[per-file]]`` table may set it, and a one-line description); adding a key is adding a row
and a field. Every mistake is a :class:`ConfigError` whose message names the file and the key,
e.g. ``pyproject.toml: [tool.propagation-lint] select: unknown rule selector 'CTX999'``.

In a monorepo the nearest configuration file above a linted file wins, without merging (as in
ruff); ``--config FILE`` makes one file apply everywhere. See :class:`SettingsResolver`.
"""
from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from . import registry
from .patterns import compile_regex, gitignore_spec
from .rules.file_problems import MAX_TOKENS
from .source import DEFAULT_MAX_BYTES, SourceError, read_bytes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
# Looked for in this order in each directory; the first one present wins.
STANDALONE_NAMES = (".propagation-lint.toml", "propagation-lint.toml")
TOOL_NAME = "propagation-lint"
CONFIG_MAX_BYTES = 4 * 1024 * 1024


class ConfigError(Exception):
    """A configuration mistake; the message names the file and the key."""


class _Invalid(Exception):
    """A validator's complaint about a value; ``key`` is the path below the option's key."""

    def __init__(self, message: str, key: Tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.key = key

    def under(self, *keys: Any) -> "_Invalid":
        return _Invalid(self.message, tuple(keys) + self.key)


# --- validators: each takes the TOML value and returns the Settings value, or raises _Invalid.


def _describe(value: Any) -> str:
    kinds = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
             (list, "an array"), (dict, "a table"))
    for kind, name in kinds:
        if isinstance(value, kind):
            return f"{name} ({_short(value)})" if kind in (str, int, float, bool) else name
    return f"a {type(value).__name__} ({value})"  # TOML dates and times


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {_describe(value)}")
    if not value.strip():
        raise _Invalid("expected a non-empty string")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected true or false, got {_describe(value)}")
    return value


def _count(value: Any) -> int:
    """An integer >= 0 (a position)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"expected an integer, got {_describe(value)}")
    if value < 0:
        raise _Invalid(f"expected an integer >= 0, got {value}")
    return value


def _bytes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(
            f"expected an integer number of bytes (e.g. 10485760), got {_describe(value)}"
        )
    if value <= 0:
        raise _Invalid(f"expected a positive number of bytes, got {value}")
    return value


def _tokens(value: Any) -> int:
    count = _count(value)
    if count == 0:
        raise _Invalid("expected a positive number of tokens, got 0")
    return count


def _choice(*choices: str) -> Callable[[Any], str]:
    def validate(value: Any) -> str:
        _string(value)
        if value not in choices:
            expected = ", ".join(repr(c) for c in choices)
            raise _Invalid(f"invalid value {value!r}; expected one of {expected}")
        return value

    return validate


def _list_of(item: Callable[[str], Any], what: str) -> Callable[[Any], tuple]:
    """An array of strings, each checked by ``item``."""

    def validate(value: Any) -> tuple:
        if not isinstance(value, list):
            raise _Invalid(f"expected an array of {what}, got {_describe(value)}")
        for number, element in enumerate(value, 1):
            if not isinstance(element, str):
                got = _describe(element)
                raise _Invalid(f"expected an array of {what}; item {number} is {got}")
        return tuple(item(element) for element in value)

    return validate


def _selector(value: Any) -> str:
    text = _string(value).strip().upper()
    if not registry.is_valid_selector(text):
        codes = [rule.code for rule in registry.all_rules()]
        raise _Invalid(f"unknown rule selector {value!r}{_did_you_mean(text, codes)}")
    return text


_QUALNAME_RE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def _qualname(value: Any) -> str:
    text = _string(value)
    if not _QUALNAME_RE.fullmatch(text):
        raise _Invalid(f"{text!r} is not a qualified name like 'package.module.function'")
    return text


def _compiled(what: str, compile_text: Callable[[str], Any]) -> Callable[[Any], str]:
    """A string that ``compile_text`` accepts: a pattern matched in linear time (``patterns.py``)."""

    def validate(value: Any) -> str:
        text = _string(value)
        try:
            compile_text(text)
        except Exception as exc:  # PatternError; pathspec raises several types for a bad pattern
            raise _Invalid(f"invalid {what} {_short(text)}: {exc}") from None
        return text

    return validate


def _gitignore_regexes(text: str) -> None:
    for compiled in gitignore_spec(text):
        if compiled.regex is not None:
            compile_regex(compiled.regex.pattern)


# exclude/extend-exclude: gitignore-style; per-file-ignores and [[per-file]] paths: globs
# (:func:`glob_matches`); regular expressions: RE2's syntax
_pattern = _compiled("pattern", _gitignore_regexes)
_glob = _compiled("glob", lambda text: _compile_glob(text))
_regex = _compiled("regular expression", compile_regex)


def _table_of(key: Callable[[Any], str], value: Callable[[Any], Any], example: str):
    def validate(table: Any) -> Dict[str, Any]:
        if not isinstance(table, dict):
            raise _Invalid(f"expected a table like {example}, got {_describe(table)}")
        out = {}
        for name, item in table.items():
            try:
                out[key(name)] = value(item)
            except _Invalid as exc:
                raise exc.under(name) from None
        return out

    return validate


class Field(NamedTuple):
    validate: Callable[[Any], Any]
    required: bool = False


def _record(schema: Dict[str, Field], example: str, fill: bool = True):
    """A table with a fixed set of keys; ``fill`` gives absent optional keys the value None."""

    def validate(table: Any) -> Dict[str, Any]:
        if not isinstance(table, dict):
            raise _Invalid(f"expected a table like {example}, got {_describe(table)}")
        out: Dict[str, Any] = {name: None for name in schema} if fill else {}
        for name, item in table.items():
            if name not in schema:
                raise _Invalid(_unknown_key(name, schema)).under(name)
            try:
                out[name] = schema[name].validate(item)
            except _Invalid as exc:
                raise exc.under(name) from None
        for name, spec in schema.items():
            if spec.required and name not in table:
                raise _Invalid(f"missing required key {name!r} (e.g. {example})")
        return out

    return validate


_STRINGS = _list_of(_string, "strings")
_SELECTORS = _list_of(_selector, "rule selectors")
_PATTERNS = _list_of(_pattern, "patterns")
_QUALNAMES = _list_of(_qualname, "qualified names")

_PUBLISHER = _record(
    {"carrier": Field(_string, True), "position": Field(_count), "payload": Field(_string),
     "destination": Field(_string)},
    '{ carrier = "headers", position = 2 }',
)
_CONSUMER = _record(
    {"callback": Field(_string, True), "position": Field(_count), "carrier": Field(_string)},
    '{ callback = "handler", position = 1, carrier = "message.headers" }',
)


_FIELD_RE = re.compile(r"[^\s.]+(?:\.[^\s.]+)*")


def _field_name(value: Any) -> str:
    """An event field name, or a dotted path into nested objects (``metadata.traceId``)."""
    text = _string(value)
    if not _FIELD_RE.fullmatch(text):
        raise _Invalid(f"{text!r} is not a field name like 'traceId' or 'metadata.traceId'")
    return text


_CONVENTIONS = _record(
    {"required-event-fields": Field(_list_of(_field_name, "field names")),
     "wait-time-attributes": Field(_STRINGS),
     "generic-span-names": Field(_STRINGS),
     "generic-span-pattern": Field(_regex),
     "retry-decorators": Field(_QUALNAMES)},
    '{ generic-span-names = ["process"] }',
    fill=False,
)


class Option(NamedTuple):
    key: str  # the kebab-case TOML key
    field: str  # the Settings attribute
    validate: Callable[[Any], Any]
    per_file: bool  # may a [[per-file]] table set it?
    help: str


def _per_file_ignores(value: Any) -> tuple:
    table = _table_of(_glob, _SELECTORS, '{ "tests/**" = ["CTX101"] }')(value)
    return tuple(table.items())


def _per_file(value: Any) -> tuple:
    # Defined before the table, reads the table lazily: the keys a [[per-file]] table accepts.
    schema = {"path": Field(_glob, True)}
    schema.update((o.key, Field(o.validate)) for o in OPTIONS if o.per_file)
    record = _record(schema, '{ path = "tests/**", consumer-link-mode = "link" }', fill=False)
    if not isinstance(value, list):
        raise _Invalid(f"expected an array of tables ([[per-file]]), got {_describe(value)}")
    out = []
    for index, table in enumerate(value):
        try:
            checked = record(table)
        except _Invalid as exc:
            raise exc.under(index) from None
        glob = checked.pop("path")
        fields = tuple((OPTIONS_BY_KEY[k].field, v) for k, v in sorted(checked.items()))
        out.append((glob, fields))
    return tuple(out)


# The accepted keys. One row per key; the Settings field of the same name holds the default.
OPTIONS: Tuple[Option, ...] = (
    Option("select", "select", _SELECTORS, False, "Rules to enable (codes, prefixes or ALL)."),
    Option("extend-select", "extend_select", _SELECTORS, False, "Rules to enable in addition."),
    Option("ignore", "ignore", _SELECTORS, False, "Rules to disable."),
    Option("per-file-ignores", "per_file_ignores", _per_file_ignores, False,
           "Rules to disable in files matching a glob."),
    Option("exclude", "exclude", _PATTERNS, False, "Paths to skip (replaces the defaults)."),
    Option("extend-exclude", "extend_exclude", _PATTERNS, False, "Paths to skip in addition."),
    Option("respect-gitignore", "respect_gitignore", _boolean, False, "Skip gitignored files."),
    Option("max-file-size", "max_file_size", _bytes, False, "Larger files are refused (CTX004)."),
    Option("max-file-tokens", "max_file_tokens", _tokens, False,
           "Files the rules must parse with more tokens are refused (CTX004): the memory guard."),
    Option("consumer-link-mode", "consumer_link_mode", _choice("either", "link", "parent"), True,
           "How a consumer must connect to the producer's trace."),
    Option("thread-scope", "thread_scope", _choice("auto", "contextvars", "always", "never"), True,
           "When thread and executor hand-offs are checked."),
    Option("include-tests", "include_tests", _boolean, False,
           "Judge propagation (CTX1xx-CTX3xx) in test code too (tests/, test_*.py, *_test.py, conftest.py)."),
    Option("min-confidence", "min_confidence", _choice("low", "medium", "high"), False,
           "Report only findings at least this sure that a context exists and is lost."),
    Option("auto-instrumented", "auto_instrumented", _STRINGS, True,
           "Libraries instrumented automatically (no manual inject/extract needed)."),
    Option("publishers", "publishers",
           _table_of(_qualname, _PUBLISHER, '{ "myco.bus.publish" = { carrier = "headers" } }'),
           False, "Extra publish functions for the catalog."),
    Option("consumers", "consumers",
           _table_of(_qualname, _CONSUMER, '{ "myco.bus.subscribe" = { callback = "handler" } }'),
           False, "Extra subscribe functions for the catalog."),
    Option("handlers", "handlers", _QUALNAMES, True, "Functions that are consumer entry points."),
    Option("conventions", "conventions", _CONVENTIONS, True, "Naming conventions rules check."),
    Option("per-file", "overrides", _per_file, False, "Settings for files matching a glob."),
    Option("cache-dir", "cache_dir", _string, False,
           "Where the cache is kept: a dedicated directory inside the project or the user's cache home."),
    Option("service-root", "service_root", _string, False,
           "For `graph`: services are the directories directly below this one."),
)
OPTIONS_BY_KEY: Dict[str, Option] = {o.key: o for o in OPTIONS}


def _did_you_mean(name: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_key(name: str, valid: Sequence[str]) -> str:
    """The message for an unknown key (the key itself is already named by the error's path)."""
    kebab = str(name).replace("_", "-").lower()
    if kebab in valid:
        return f"unknown key (did you mean {kebab!r}?)"
    return "unknown key" + _did_you_mean(kebab, list(valid))


# --- settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    path: Optional[Path] = None
    root: Path = field(default_factory=Path.cwd)
    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Optional[Tuple[str, ...]] = None
    extend_exclude: Tuple[str, ...] = ()
    respect_gitignore: bool = True
    max_file_size: int = DEFAULT_MAX_BYTES
    max_file_tokens: int = MAX_TOKENS
    consumer_link_mode: str = "either"
    thread_scope: str = "auto"
    include_tests: bool = False
    min_confidence: str = "low"
    auto_instrumented: Tuple[str, ...] = ()
    publishers: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    consumers: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    handlers: Tuple[str, ...] = ()
    # Only the keys the user set (kebab-case); rules supply their own defaults.
    conventions: Dict[str, Any] = field(default_factory=dict)
    # ((glob, ((field, value), ...)), ...) from [[per-file]] tables, in file order.
    overrides: Tuple[Tuple[str, Tuple[Tuple[str, Any], ...]], ...] = ()
    cache_dir: str = ".propagation_lint_cache"
    service_root: str = ""  # `graph`: relative to the configuration file's directory
    raw: Dict[str, Any] = field(default_factory=dict, compare=False)
    # key -> where its value comes from (a configuration file as shown, "--config"); absent: default
    sources: Dict[str, str] = field(default_factory=dict, compare=False)

    def __hash__(self) -> int:  # dict fields: hash the effective values instead
        return hash(self.fingerprint())

    def relative_path(self, path: Path) -> str:
        """``path`` relative to ``root`` with forward slashes (absolute when outside root)."""
        absolute = os.path.abspath(path)
        root = os.path.abspath(self.root)
        try:
            rel = os.path.relpath(absolute, root)
        except ValueError:  # another drive on Windows
            rel = absolute
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            rel = absolute
        return rel.replace(os.sep, "/")

    def ignored_codes_for(self, path: Path) -> Set[str]:
        """Selectors from ``per-file-ignores`` whose glob matches ``path``."""
        if not self.per_file_ignores:
            return set()
        rel = self.relative_path(path)
        out: Set[str] = set()
        for glob, codes in self.per_file_ignores:
            if glob_matches(glob, rel):
                out.update(codes)
        return out

    def for_path(self, path: Path) -> "Settings":
        """These settings with every matching ``[[per-file]]`` table applied, in file order."""
        if not self.overrides:
            return self
        rel = self.relative_path(path)
        matched = tuple(i for i, (glob, _) in enumerate(self.overrides) if glob_matches(glob, rel))
        if not matched:
            return self
        # One object per combination of tables, so its fingerprint is computed once.
        variants = self.__dict__.setdefault("_variants", {})
        if matched not in variants:
            changes: Dict[str, Any] = {}
            for index in matched:
                changes.update(self.overrides[index][1])
            variants[matched] = dataclasses.replace(self, **changes)
        return variants[matched]

    def __getstate__(self) -> Dict[str, Any]:  # caches stay behind
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def fingerprint(self) -> str:
        """A stable hash of the effective settings (not of where they came from)."""
        cached = self.__dict__.get("_fingerprint")
        if cached is None:
            values = {
                f.name: getattr(self, f.name)
                for f in dataclasses.fields(self)
                if f.name not in ("path", "raw", "sources")
            }
            text = json.dumps(values, sort_keys=True, default=str)
            cached = hashlib.sha256(text.encode("utf-8")).hexdigest()
            object.__setattr__(self, "_fingerprint", cached)
        return cached


# --- globs (per-file-ignores, [[per-file]] path) ---------------------------------------------


def glob_matches(glob: str, rel_path: str) -> bool:
    """Does ``glob`` match ``rel_path`` (relative, forward slashes) or one of its parents?

    ``*``, ``?`` and ``[...]`` match within one path component and ``**`` across components;
    a glob without ``/`` (``__init__.py``, ``*_test.py``, ``tests``) matches a name in any
    directory, as in ruff. An absolute glob is compared with the absolute path.
    """
    regex, anchored = _compile_glob(glob)
    parts = rel_path.strip("/").split("/")
    prefix = "/" if rel_path.startswith("/") else ""
    for depth in range(len(parts), 0, -1):
        subject = prefix + "/".join(parts[:depth]) if anchored else parts[depth - 1]
        if regex.fullmatch(subject):
            return True
    return False


@lru_cache(maxsize=512)
def _compile_glob(glob: str) -> Tuple[Any, bool]:
    """The glob as an RE2 regex (no backtracking: ``*a*a*a*a*a*b`` against a long name is linear),
    and whether it is anchored; raises :class:`PatternError` (``[z-a]``)."""
    text = glob.strip()
    while text.startswith("./"):
        text = text[2:]
    text = text.rstrip("/") or "/"
    anchored = "/" in text
    out: List[str] = []
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif text[i] == "*":
            out.append("[^/]*")
            i += 1
        elif text[i] == "?":
            out.append("[^/]")
            i += 1
        elif text[i] == "[" and "]" in text[i + 2:]:
            end = text.index("]", i + 2)
            body = text[i + 1:end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    return compile_regex("".join(out)), anchored


# --- finding and loading ---------------------------------------------------------------------


def find_config(start: Path) -> Optional[Path]:
    """The nearest configuration file in ``start`` (a directory) or above it, or None."""
    current = Path(os.path.abspath(start))
    for directory in (current, *current.parents):
        found = _config_in(directory)
        if found is not None:
            return found
    return None


def _config_in(directory: Path) -> Optional[Path]:
    for name in STANDALONE_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    candidate = directory / PYPROJECT
    if candidate.is_file() and _has_our_table(candidate):
        return candidate
    return None


_SECTION_RE = re.compile(rb"^\s*\[+\s*tool\s*\.\s*\"?propagation-lint\b", re.MULTILINE)


def _has_our_table(pyproject: Path) -> bool:
    try:
        data = read_bytes(pyproject, CONFIG_MAX_BYTES)
    except SourceError:
        return False
    if TOOL_NAME.encode() not in data:
        return False
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        # Broken TOML that clearly meant to configure us: return it, so loading reports it.
        return bool(_SECTION_RE.search(data))
    tool = doc.get("tool")
    return isinstance(tool, dict) and TOOL_NAME in tool


def load_settings(path: Optional[Path], cwd: Path) -> Settings:
    """Settings from one configuration file (``pyproject.toml`` or a standalone file) and the
    files it extends; the defaults, rooted at ``cwd``, when ``path`` is None."""
    cwd = Path(os.path.abspath(cwd))
    if path is None:
        return Settings(path=None, root=cwd)
    path = Path(os.path.abspath(cwd / path))
    values, sources, table = _load_chain(path, cwd, ())
    return Settings(path=path, root=path.parent, raw=table, sources=sources, **values)


# keys whose values add up along an ``extend`` chain (as ruff's extend-* options); others replace
_ACCUMULATE = ("extend_select", "extend_exclude")


def _load_chain(path: Path, cwd: Path, chain: Tuple[str, ...]) -> Tuple[Dict[str, Any], Dict[str, str], Dict[str, Any]]:
    """(Settings values, key -> source, raw table) of ``path``, over those of the file its
    ``extend`` names (relative to its directory; a cycle or a missing file is an error naming it)."""
    shown = _shown(path, cwd)
    table, section = _read_table(path, shown)
    values: Dict[str, Any] = {}
    sources: Dict[str, str] = {}
    raw: Dict[str, Any] = {}
    if "extend" in table:
        target = _extended(table["extend"], path, cwd, chain, shown, section)
        values, sources, raw = _load_chain(target, cwd, chain + (os.path.realpath(path),))
    own: Dict[str, Any] = {}
    for key, value in table.items():
        if key == "extend":
            continue
        option = OPTIONS_BY_KEY.get(key)
        if option is None:
            raise _error(shown, section, (key,), _unknown_key(key, list(OPTIONS_BY_KEY) + ["extend"]))
        try:
            own[option.field] = option.validate(value)
        except _Invalid as exc:
            raise _error(shown, section, (key,) + exc.key, exc.message) from None
        sources[key] = f"{sources[key]} + {shown}" if option.field in _ACCUMULATE and key in sources else shown
    _check_conflicts(own, shown, section)
    for name, value in own.items():
        values[name] = tuple(values.get(name, ())) + value if name in _ACCUMULATE else value
    raw = dict(raw, **{k: v for k, v in table.items() if k != "extend"})
    return values, sources, raw


def _extended(value: Any, path: Path, cwd: Path, chain: Tuple[str, ...], shown: str, section: str) -> Path:
    try:
        text = _string(value)
    except _Invalid as exc:
        raise _error(shown, section, ("extend",), exc.message) from None
    target = Path(os.path.abspath(path.parent / os.path.expanduser(text)))
    if os.path.realpath(target) in chain + (os.path.realpath(path),):
        names = [_shown(Path(p), cwd) for p in chain] + [shown, _shown(target, cwd)]
        raise _error(shown, section, ("extend",), "the configuration files extend each other in a cycle: "
                     + " -> ".join(names))
    if not target.is_file():
        where = _shown(target, cwd)
        raise _error(shown, section, ("extend",), f"no such file: {text}" + (f" ({where})" if where != text else ""))
    return target


def _check_conflicts(values: Dict[str, Any], shown: str, section: str) -> None:
    for key, field_name in (("select", "select"), ("extend-select", "extend_select")):
        both = set(values.get(field_name) or ()) & set(values.get("ignore", ()))
        if both:
            code = sorted(both)[0]
            raise _error(
                shown, section, ("ignore",),
                f"conflicting: {code!r} is also in {key}; remove it from one of them",
            )


def _read_table(path: Path, shown: str) -> Tuple[Dict[str, Any], str]:
    try:
        data = read_bytes(path, CONFIG_MAX_BYTES)
    except SourceError as exc:
        raise ConfigError(f"{shown}: cannot read the configuration: {exc.message}") from None
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{shown}: invalid TOML: not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError(f"{shown}: invalid TOML: arrays or inline tables nested too deeply") from None
    if path.name != PYPROJECT:
        tool = doc.get("tool")
        if isinstance(tool, dict) and TOOL_NAME in tool:
            raise ConfigError(
                f"{shown}: [tool.{TOOL_NAME}]: in {path.name} the keys go at top level, without the "
                f"[tool.{TOOL_NAME}] header (that header is for pyproject.toml): write `select = [...]`, "
                f"and `[publishers]` for `[tool.{TOOL_NAME}.publishers]`"
            )
        return doc, ""
    tool = doc.get("tool", {})
    section = f"[tool.{TOOL_NAME}]"
    if not isinstance(tool, dict):
        raise ConfigError(f"{shown}: [tool]: expected a table, got {_describe(tool)}")
    table = tool.get(TOOL_NAME, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: {section}: expected a table, got {_describe(table)}")
    return table, section


def _error(shown: str, section: str, key: Tuple[Any, ...], message: str) -> ConfigError:
    where = ""
    for part in key:
        if isinstance(part, int):
            where += f"[{part}]"
        else:
            text = str(part)
            text = text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else json.dumps(text)
            where += f".{text}" if where else text
    prefix = f"{section} " if section else ""
    return ConfigError(f"{shown}: {prefix}{where}: {message}")


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


# --- per-file resolution ---------------------------------------------------------------------


class SettingsResolver:
    """Settings for each linted file.

    With an explicit ``--config`` (``explicit=True``) every file uses ``base``. Otherwise the
    nearest configuration file above the file wins (no merging, as in ruff), and a file with
    none above it uses ``base``. Lookups are cached per directory. ``[[per-file]]`` tables of
    the winning settings are applied to the file.
    """

    def __init__(self, base: Settings, explicit: bool, cwd: Optional[Path] = None,
                 overrides: Optional[Dict[str, Any]] = None) -> None:
        self.overrides = overrides or {}  # ``--config KEY=VALUE``: Settings field -> value, over every file
        self.base = with_overrides(base, self.overrides)
        self.explicit = explicit
        self.cwd = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
        self._by_dir: Dict[str, Settings] = {}
        self._by_config: Dict[Path, Settings] = {}
        if base.path is not None:
            self._by_config[Path(os.path.abspath(base.path))] = self.base

    def for_file(self, path: Path) -> Settings:
        if self.explicit:
            settings = self.base
        else:
            settings = self._for_directory(os.path.dirname(os.path.abspath(path)))
        return settings.for_path(path)

    def _for_directory(self, directory: str) -> Settings:
        pending: List[str] = []
        current = directory
        result: Optional[Settings] = None
        while result is None:
            if current in self._by_dir:
                result = self._by_dir[current]
                break
            pending.append(current)
            config = _config_in(Path(current))
            if config is not None:
                result = self._load(config)
                break
            parent = os.path.dirname(current)
            if parent == current:
                result = self.base
                break
            current = parent
        for seen in pending:
            self._by_dir[seen] = result
        return result

    def _load(self, config: Path) -> Settings:
        if config not in self._by_config:
            self._by_config[config] = with_overrides(load_settings(config, self.cwd), self.overrides)
        return self._by_config[config]

    def for_directory(self, directory: Path) -> Settings:
        """The settings of files in ``directory`` (without ``[[per-file]]`` tables)."""
        return self.base if self.explicit else self._for_directory(os.path.abspath(directory))


def with_overrides(settings: Settings, overrides: Dict[str, Any]) -> Settings:
    if not overrides:
        return settings
    fields = {OPTIONS_BY_KEY[key].field: value for key, value in overrides.items()}
    sources = dict(settings.sources, **{key: "--config" for key in overrides})
    return dataclasses.replace(settings, sources=sources, **fields)


def parse_overrides(texts: Sequence[str]) -> Dict[str, Any]:
    """``--config KEY=VALUE`` arguments (each a line of TOML, as in ruff) as {key: validated value};
    a :class:`ConfigError` names the argument and the key."""
    out: Dict[str, Any] = {}
    for text in texts:
        try:
            doc = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError) as exc:
            raise ConfigError(f"--config {text!r}: neither a file nor a TOML `key = value` ({exc})") from None
        for key, value in doc.items():
            option = OPTIONS_BY_KEY.get(key)
            if option is None:
                raise ConfigError(f"--config {text!r}: {key}: {_unknown_key(key, list(OPTIONS_BY_KEY))}")
            try:
                option.validate(value)
            except _Invalid as exc:
                raise _error(f"--config {text!r}", "", (key,) + exc.key, exc.message) from None
            out[key] = option.validate(value)
    return out


def cache_dir_for(settings: Settings, cwd: Path) -> Optional[str]:
    """The run's cache directory from ``cache-dir``, checked by :func:`cache.cache_directory`: a
    dedicated directory inside the project or the user's cache home. Anything else is a
    :class:`ConfigError` naming the file and the key. None (the run has no cache, said in one
    warning) when the linter cannot read its own source."""
    from .cache import CacheDirError, cache_directory, cache_unusable_reason

    reason = cache_unusable_reason()
    if reason is not None:
        from .output.escape import printable

        print(printable(f"warning: {reason}"), file=sys.stderr)
        return None
    try:
        return str(cache_directory(settings.root, settings.cache_dir))
    except CacheDirError as exc:
        if settings.path is None:
            raise ConfigError(f"cache-dir (the default): {exc}") from None
        section = "" if settings.path.name != PYPROJECT else f"[tool.{TOOL_NAME}]"
        raise _error(_shown(settings.path, Path(os.path.abspath(cwd))), section, ("cache-dir",), str(exc)) from None


def make_resolver(config: Optional[Path], cwd: Path, overrides: Sequence[str] = (),
                  isolated: bool = False) -> SettingsResolver:
    """The resolver for a run: ``config`` is ``--config FILE`` (or None to search from ``cwd``),
    ``overrides`` the ``--config KEY=VALUE`` arguments; ``isolated`` (``--isolated``) reads no
    configuration file at all."""
    values = parse_overrides(overrides)
    if isolated:
        return SettingsResolver(Settings(path=None, root=Path(os.path.abspath(cwd))), explicit=True, cwd=cwd,
                                overrides=values)
    if config is not None:
        return SettingsResolver(load_settings(config, cwd), explicit=True, cwd=cwd, overrides=values)
    return SettingsResolver(load_settings(find_config(cwd), cwd), explicit=False, cwd=cwd, overrides=values)
