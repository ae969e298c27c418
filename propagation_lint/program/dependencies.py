"""What a directory's dependency manifests install, read without running anything.

:func:`read_dependencies` gathers, for one directory, the distributions listed in the manifests of
that directory and of its ancestors up to the checked root (nearest first):

- ``requirements*.txt``, ``requirements/*.txt``, ``*.in`` (pip-tools), following ``-r`` includes
  and reading ``-c`` constraints for their pins;
- ``pyproject.toml``: ``[project]`` dependencies and optional-dependencies (or the files named by
  ``[tool.setuptools.dynamic]``), ``[dependency-groups]``, ``[tool.poetry]`` dependencies and groups,
  ``[tool.uv]``/``[tool.pdm]`` dev-dependencies;
- ``poetry.lock``, ``uv.lock``, ``pdm.lock``, ``Pipfile``, ``Pipfile.lock``;
- ``setup.cfg`` ``install_requires``/``extras_require`` and ``setup.py`` list literals (read with
  :mod:`ast`, never executed);

and, in the directory itself, the ``pip install`` / ``uv pip install`` / ``uv add`` /
``poetry add`` commands of its Dockerfiles and shell scripts, and whether a bootstrap step such as
``opentelemetry-bootstrap -a install`` runs there.

Everything here is a pure function of the files: no network, no code execution, no exception
escapes (an unreadable or malformed file contributes what could be read of it, or nothing).
"""
from __future__ import annotations

import ast
import configparser
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Tuple

try:  # Python 3.11+
    import tomllib
except ImportError:  # pragma: no cover - Python 3.9/3.10 (tomli is a dependency there)
    import tomli as tomllib

MAX_BYTES = 2_000_000
MAX_INCLUDE_DEPTH = 8
BOOTSTRAP_COMMANDS = ("opentelemetry-bootstrap",)

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Listed:
    """A distribution some manifest installs: its normalized name, exact version when pinned."""

    name: str
    version: Optional[str]
    path: str
    line: int


@dataclass
class Dependencies:
    distributions: Dict[str, Listed] = field(default_factory=dict)
    # bootstrap command -> (path, line) of the step that runs it
    bootstraps: Dict[str, Tuple[str, int]] = field(default_factory=dict)
    constraints: Dict[str, str] = field(default_factory=dict)

    def installed(self, name: str) -> Optional[Listed]:
        return self.distributions.get(normalize(name))

    def version(self, name: str) -> Optional[str]:
        """The pinned version of ``name`` (from its listing, a lock or a constraint), else None."""
        key = normalize(name)
        listed = self.distributions.get(key)
        if listed is not None and listed.version:
            return listed.version
        return self.constraints.get(key)

    @property
    def bootstrap(self) -> Optional[Tuple[str, int]]:
        """Where an ``opentelemetry-bootstrap -a install`` step runs, if one does."""
        return self.bootstraps.get("opentelemetry-bootstrap")

    def _add(self, name: str, version: Optional[str], path: str, line: int) -> None:
        key = normalize(name)
        if not key:
            return
        old = self.distributions.get(key)
        if old is None:
            self.distributions[key] = Listed(key, version, path, line)
        elif not old.version and version:
            # nearest listing first; a lock or a later pin fills in the version it left open
            self.distributions[key] = Listed(key, version, old.path, old.line)


def normalize(name: str) -> str:
    """PEP 503 name normalization: ``Aio_Pika`` -> ``aio-pika``."""
    return re.sub(r"[-_.]+", "-", name).lower().strip("-")


# --------------------------------------------------------------------------- requirement strings

_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*")
_CLAUSE = re.compile(r"(===|==|~=|!=|<=|>=|<|>)\s*([A-Za-z0-9_.*+!-]+)")


def parse_requirement(text: str) -> Optional[Tuple[str, Optional[str], str]]:
    """``name[extras] (spec) ; marker`` -> (normalized name, exact pinned version or None, spec)."""
    if not isinstance(text, str):
        return None
    text = text.split(" #", 1)[0].strip()
    m = _NAME.match(text)
    if m is None:
        return None
    name, rest = m.group(1), text[m.end():].strip()
    rest = rest.split(";", 1)[0].strip()
    if rest.startswith("@"):
        return normalize(name), None, ""  # a direct URL: installed, version unknown
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    rest = re.sub(r"\s*--hash[=\s]\S+", "", rest).strip()
    if rest and not _CLAUSE.match(rest):
        return None  # `include README.md` in a MANIFEST.in-like file: not a requirement
    clauses = _CLAUSE.findall(rest)
    if rest and not clauses:
        return None
    pinned = None
    if len(clauses) == 1 and clauses[0][0] in ("==", "===") and "*" not in clauses[0][1]:
        pinned = clauses[0][1]
    return normalize(name), pinned, ",".join(op + v for op, v in clauses)


# --------------------------------------------------------------------------- versions


def _version_key(text: str) -> Optional[tuple]:
    m = re.match(r"^\s*v?(?:\d+!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?"
                 r"(?:[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+[A-Za-z0-9.]*)?\s*$",
                 text or "", re.I)
    if m is None:
        return None
    release = tuple(int(p) for p in m.group(1).split("."))
    release = release + (0,) * (8 - len(release)) if len(release) < 8 else release[:8]
    pre = (m.group(2) or "").lower()
    phase = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}.get(pre, 3)
    pre_n = int(m.group(3) or 0) if pre else 0
    post = int(m.group(5) or 0) + 1 if m.group(4) else 0
    dev = (0, int(m.group(7) or 0)) if m.group(6) else (1, 0)
    if m.group(6) and not pre and not m.group(4):
        phase = -1  # 1.0.dev1 sorts before 1.0a1
    return release + (phase, pre_n, post) + dev


def _clause_holds(version: tuple, op: str, target: str) -> Optional[bool]:
    if op == "===":
        return None
    if target.endswith(".*") and op in ("==", "!="):
        parts = target[:-2].split(".")
        if not all(p.isdigit() for p in parts):
            return None
        prefix = tuple(int(p) for p in parts)
        same = version[: len(prefix)] == prefix
        return same if op == "==" else not same
    t = _version_key(target)
    if t is None:
        return None
    if op == "~=":
        parts = re.match(r"^\s*v?(\d+(?:\.\d+)*)", target)
        nums = tuple(int(p) for p in parts.group(1).split(".")) if parts else ()
        if len(nums) < 2:
            return None
        return version >= t and version[: len(nums) - 1] == nums[:-1]
    return {"==": version == t, "!=": version != t, "<": version < t, "<=": version <= t,
            ">": version > t, ">=": version >= t}.get(op)


def satisfies(version: str, requirement: str) -> Optional[bool]:
    """Whether ``version`` is inside ``requirement``'s specifier (``"kafka-python >= 2.0, < 4.0"``
    or a bare ``">= 2.0, < 4.0"``); None when either cannot be read."""
    key = _version_key(version)
    if key is None:
        return None
    spec = requirement
    m = _NAME.match(requirement or "")
    if m is not None and not _CLAUSE.match(requirement.strip()):
        spec = requirement[m.end():]
    clauses = _CLAUSE.findall(spec or "")
    if not clauses:
        return True
    result: Optional[bool] = True
    for op, target in clauses:
        holds = _clause_holds(key, op, target)
        if holds is False:
            return False
        if holds is None:
            result = None
    return result


def requirement_name(requirement: str) -> str:
    m = _NAME.match(requirement or "")
    return normalize(m.group(1)) if m else ""


# --------------------------------------------------------------------------- reading files


def _read_text(path: str) -> Optional[str]:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_BYTES:
            return None
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        return data.decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return None


def _parse_toml(text: Optional[str]):
    if text is None:
        return None, ""
    try:
        return tomllib.loads(text), text
    except Exception:
        return None, text


def _line_of(text: str, name: str) -> int:
    """Best-effort line of ``name`` in a file whose parser gives no positions (TOML, JSON)."""
    if not text or not name:
        return 1
    spelled = r"[-_.]+".join(re.escape(p) for p in re.split(r"[-_.]+", name))
    pattern = re.compile(r"(?<![\w.-])" + spelled + r"(?![\w-])", re.I)
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def _logical_lines(text: str) -> List[Tuple[int, str]]:
    """Lines with backslash continuations joined, each with its first line number."""
    out: List[Tuple[int, str]] = []
    buf: List[str] = []
    start = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        if not buf:
            start = lineno
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            buf.append(stripped[:-1])
            continue
        buf.append(line)
        out.append((start, " ".join(buf)))
        buf = []
    if buf:
        out.append((start, " ".join(buf)))
    return out


class _Reader:
    def __init__(self, deps: Dependencies):
        self.deps = deps
        self.seen: set = set()

    def _text(self, path: str, role: str = "") -> Optional[str]:
        """The text of a file not read yet in this role (a file of constraints may also be a file of
        requirements); None when read already or unreadable."""
        try:
            key = (os.path.realpath(path), role)
        except (OSError, ValueError):
            return None
        if key in self.seen:
            return None
        self.seen.add(key)
        return _read_text(path)

    def add_requirements(self, items: Iterable[Tuple[object, int]], path: str) -> None:
        """Requirement strings (anything else is skipped), each with its line."""
        for item, line in items:
            parsed = parse_requirement(item) if isinstance(item, str) else None
            if parsed is not None:
                self.deps._add(parsed[0], parsed[1], path, line)

    def add_named(self, table, pin: Callable[[object], Optional[str]], path: str, text: str) -> None:
        """A ``{name: constraint}`` table (poetry, Pipfile, Pipfile.lock)."""
        if isinstance(table, dict):
            for name, spec in table.items():
                if isinstance(name, str) and name.lower() != "python":
                    self.deps._add(name, pin(spec), path, _line_of(text, name))

    # ---------------------------------------------------------------- requirements files
    def requirements_file(self, path: str, depth: int = 0, constraints: bool = False) -> None:
        text = self._text(path, "constraints" if constraints else "") if depth <= MAX_INCLUDE_DEPTH else None
        if text is None:
            return
        base = os.path.dirname(path)
        for lineno, line in _logical_lines(text):
            line = re.split(r"(?:^|\s)#", line, 1)[0].strip()
            if not line:
                continue
            option = re.match(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(\S+)", line)
            if option is not None:
                if os.path.isabs(option.group(2)):
                    continue  # a path inside the image, not of this checkout
                include = os.path.join(base, option.group(2))
                is_constraint = option.group(1) in ("-c", "--constraint")
                self.requirements_file(include, depth + 1, constraints or is_constraint)
                continue
            editable = re.match(r"^(-e|--editable)(?:\s*=\s*|\s+)(\S+)", line)
            if editable is not None:
                self._local_target(editable.group(2), base, depth)
                continue
            if line.startswith("-") or self._local_target(line, base, depth):
                continue  # --index-url, --hash, --find-links, ...; a local path
            if constraints:
                parsed = parse_requirement(line)
                if parsed is not None and parsed[1]:
                    self.deps.constraints.setdefault(parsed[0], parsed[1])
                continue
            self.add_requirements([(line, lineno)], path)

    def _local_target(self, target: str, base: str, depth: int) -> bool:
        """``.``, ``./lib``, ``../pkg``, ``file:../pkg``: a local project, whose manifests are read."""
        target = target.strip().strip("'\"")
        if target.startswith("file:"):
            target = target[5:]
        target = target.split("#", 1)[0].split("[", 1)[0]
        if target.startswith("/") or target.startswith("~"):
            return True  # a path of the image or of someone's machine, not of this checkout
        if not target.startswith("."):
            return False
        local = os.path.normpath(os.path.join(base, target))
        if os.path.isdir(local) and depth < MAX_INCLUDE_DEPTH:
            self.project_manifests(local, depth + 1)
        return True

    # ---------------------------------------------------------------- project metadata
    def project_manifests(self, directory: str, depth: int = 0) -> None:
        """A project's own metadata (what ``pip install <dir>`` installs)."""
        self.pyproject(os.path.join(directory, "pyproject.toml"), depth)
        self.setup_cfg(os.path.join(directory, "setup.cfg"))
        self.setup_py(os.path.join(directory, "setup.py"))

    def pyproject(self, path: str, depth: int = 0) -> None:
        doc, text = _parse_toml(self._text(path))
        if not isinstance(doc, dict):
            return
        lists: List[object] = [_get(doc, "project", "dependencies"), _get(doc, "tool", "uv", "dev-dependencies")]
        for table in (_get(doc, "project", "optional-dependencies"), doc.get("dependency-groups"),
                      _get(doc, "tool", "pdm", "dev-dependencies")):
            if isinstance(table, dict):
                lists.extend(table.values())  # {include-group = "..."} entries: the group is read anyway
        for items in lists:
            if isinstance(items, list):
                self.add_requirements(((item, _line_of(text, _requirement_word(item))) for item in items), path)
        dynamic = _get(doc, "tool", "setuptools", "dynamic")
        if isinstance(dynamic, dict):
            specs = [dynamic.get("dependencies")]
            optional = dynamic.get("optional-dependencies")
            specs.extend(optional.values() if isinstance(optional, dict) else ())
            for spec in specs:
                files = spec.get("file") if isinstance(spec, dict) else None
                for name in [files] if isinstance(files, str) else (files if isinstance(files, list) else ()):
                    if isinstance(name, str):
                        self.requirements_file(os.path.join(os.path.dirname(path), name), depth + 1)
        poetry = _get(doc, "tool", "poetry")
        if isinstance(poetry, dict):
            tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
            group = poetry.get("group")
            if isinstance(group, dict):
                tables.extend(g.get("dependencies") for g in group.values() if isinstance(g, dict))
            for table in tables:
                self.add_named(table, _poetry_pin, path, text)

    def setup_cfg(self, path: str) -> None:
        text = self._text(path)
        if text is None:
            return
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        values = []
        try:
            parser.read_string(text)
            if parser.has_option("options", "install_requires"):
                values.append(parser.get("options", "install_requires"))
            if parser.has_section("options.extras_require"):
                values.extend(v for _, v in parser.items("options.extras_require"))
        except (configparser.Error, ValueError):
            return
        items = [item.strip() for value in values for item in value.splitlines()]
        self.add_requirements(((item, _line_of(text, _requirement_word(item))) for item in items if item), path)

    def setup_py(self, path: str) -> None:
        text = self._text(path)
        if text is None:
            return
        try:
            tree = ast.parse(text)
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        except Exception:  # SyntaxError, ValueError (NUL bytes), RecursionError, MemoryError
            return
        assigned: Dict[str, ast.AST] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                assigned[node.targets[0].id] = node.value
        for call in calls:
            func = call.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name != "setup":
                continue
            for kw in call.keywords:
                if kw.arg == "install_requires":
                    self.add_requirements(_literal_strings(kw.value, assigned), path)
                elif kw.arg == "extras_require":
                    value = assigned.get(kw.value.id, kw.value) if isinstance(kw.value, ast.Name) else kw.value
                    for item in value.values if isinstance(value, ast.Dict) else ():
                        self.add_requirements(_literal_strings(item, assigned), path)

    # ---------------------------------------------------------------- locks
    def package_lock(self, path: str) -> None:
        """``poetry.lock``, ``uv.lock``, ``pdm.lock``: ``[[package]]`` tables with name and version."""
        doc, text = _parse_toml(self._text(path))
        packages = doc.get("package") if isinstance(doc, dict) else None
        for pkg in packages if isinstance(packages, list) else ():
            if isinstance(pkg, dict) and isinstance(pkg.get("name"), str):
                version = pkg.get("version")
                self.deps._add(pkg["name"], version if isinstance(version, str) else None, path,
                               _line_of(text, 'name = "' + pkg["name"]))

    def pipfile(self, path: str) -> None:
        doc, text = _parse_toml(self._text(path))
        if isinstance(doc, dict):
            for section in ("packages", "dev-packages"):
                self.add_named(doc.get(section), _pipfile_pin, path, text)

    def pipfile_lock(self, path: str) -> None:
        text = self._text(path)
        try:
            doc = json.loads(text) if text is not None else None
        except (ValueError, RecursionError):
            return
        if isinstance(doc, dict):
            for section in ("default", "develop"):
                self.add_named(doc.get(section), _pipfile_pin, path, text)

    # ---------------------------------------------------------------- Dockerfiles and scripts
    def commands_file(self, path: str) -> None:
        text = self._text(path)
        if text is None:
            return
        base = os.path.dirname(path)
        lines = _logical_lines(text)
        for lineno, line in lines:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            command = _dockerfile_command(stripped)
            if command is None:
                continue
            for tool in BOOTSTRAP_COMMANDS:
                if tool in command and _bootstrap_installs(command, tool, text):
                    self.deps.bootstraps.setdefault(tool, (path, lineno))
            for words in _simple_commands(command):
                self._install_command(words, base, path, lineno)

    def _install_command(self, words: List[str], base: str, path: str, lineno: int) -> None:
        args = _install_args(words)
        if args is None:
            return
        i = 0
        while i < len(args):
            word = args[i]
            i += 1
            if word.startswith("-"):
                if word.startswith("--"):
                    flag, _, inline = word.partition("=")
                else:
                    flag, inline = word[:2], word[2:].lstrip("=")
                if flag not in _OPTIONS_WITH_VALUE:
                    continue  # a switch: -U, --no-cache-dir, --user, -qq
                value = inline
                if not value and i < len(args):
                    value = args[i]
                    i += 1
                if not value or value == "-" or "$" in value or os.path.isabs(value):
                    continue
                if flag in ("-r", "--requirement", "-c", "--constraint"):
                    self.requirements_file(os.path.join(base, value), 1, flag in ("-c", "--constraint"))
                elif flag in ("-e", "--editable"):
                    self._local_target(value, base, 1)
                continue
            if "$" in word or "://" in word or word.endswith((".whl", ".tar.gz", ".zip")):
                continue
            if self._local_target(word, base, 1):
                continue
            if "@" in word and not word.lstrip().startswith("@") and "==" not in word:
                name, _, version = word.partition("@")  # poetry add name@1.2.3 / name@^1.2
                self.deps._add(name, _poetry_pin(version), path, lineno)
                continue
            self.add_requirements([(word, lineno)], path)


_OPTIONS_WITH_VALUE = {
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable",
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix",
    "--root", "--upgrade-strategy", "--platform", "--python-version", "--implementation", "--abi",
    "--only-binary", "--no-binary", "--trusted-host", "--cache-dir", "--src", "--progress-bar",
    "--log", "--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
    "--global-option", "--install-option", "--config-settings", "-C", "--python", "-p", "--group",
    "-G", "--index", "--default-index", "--extra", "--source", "--optional", "--report",
}


def _install_args(words: List[str]) -> Optional[List[str]]:
    """The arguments of a ``pip install``-like command, or None when ``words`` is none."""
    for i, word in enumerate(words):
        tool = os.path.basename(word)
        rest = words[i + 1:]
        if re.match(r"^pip(\d+(\.\d+)*)?$", tool) and rest[:1] == ["install"]:
            return rest[1:]
        if tool == "uv" and rest[:2] == ["pip", "install"]:
            return rest[2:]
        if tool in ("uv", "poetry", "pdm") and rest[:1] == ["add"]:
            return rest[1:]
        if tool in ("pipenv",) and rest[:1] == ["install"]:
            return rest[1:]
    return None


_OTHER_INSTRUCTIONS = re.compile(
    r"^(FROM|COPY|ADD|ENV|ARG|WORKDIR|LABEL|EXPOSE|USER|VOLUME|SHELL|HEALTHCHECK|ONBUILD|STOPSIGNAL|MAINTAINER)\b", re.I)


def _dockerfile_command(line: str) -> Optional[str]:
    """A shell command from a Dockerfile instruction (``RUN ...``, exec form too) or a script line."""
    m = re.match(r"^(RUN|CMD|ENTRYPOINT)\s+(.*)$", line, re.I | re.S)
    if m is None:
        return None if _OTHER_INSTRUCTIONS.match(line) else line
    body = m.group(2).strip()
    body = re.sub(r"^(--\S+\s+)+", "", body)  # RUN --mount=type=cache,target=/root/.cache pip install ...
    if body.startswith("["):
        try:
            words = json.loads(body)
        except ValueError:
            return body
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            if words[:2] in (["sh", "-c"], ["/bin/sh", "-c"], ["bash", "-c"], ["/bin/bash", "-c"]):
                return " ".join(words[2:])
            return " ".join(shlex.quote(w) for w in words)
    return body


def _split_shell(command: str) -> List[str]:
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|<>()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except (ValueError, RecursionError):
        return command.split()


def _simple_commands(command: str) -> List[List[str]]:
    out: List[List[str]] = [[]]
    for token in _split_shell(command):
        if token and all(c in ";&|()" for c in token):
            out.append([])
        else:
            out[-1].append(token)
    return [words for words in out if words]


def _bootstrap_installs(command: str, tool: str, whole_text: str) -> bool:
    """``tool -a install`` / ``--action=install``, or ``tool -a requirements`` piped into pip
    (``| pip install -r -``, ``| xargs pip install``) or written to a file that pip installs."""
    tokens = _split_shell(command)
    for i, token in enumerate(tokens):
        if os.path.basename(token) != tool:
            continue
        action, j = "requirements", i + 1
        while j < len(tokens) and tokens[j] and not all(c in ";&|<>()" for c in tokens[j]):
            word = tokens[j]
            if word in ("-a", "--action") and j + 1 < len(tokens):
                action = tokens[j + 1]
                j += 1
            elif word.startswith("--action="):
                action = word.split("=", 1)[1]
            elif word.startswith("-a") and len(word) > 2:
                action = word[2:].lstrip("=")
            j += 1
        if action == "install":
            return True
        if action != "requirements" or j >= len(tokens):
            continue
        after = tokens[j:]
        if after[0] == "|":
            rest = after[1:]
            if rest[:1] == ["xargs"]:
                rest = rest[1:]
            piped: List[str] = []
            for word in rest:
                if word and all(c in ";&|<>()" for c in word):
                    break
                piped.append(word)
            if _install_args(piped) is not None:
                return True
        elif after[0] in (">", ">>") and len(after) > 1:
            target = re.escape(os.path.basename(after[1]))
            if re.search(r"install\b[^\n]*(?:-r|--requirement)[=\s]*\S*" + target, whole_text):
                return True
    return False


def _get(table, *keys):
    for key in keys:
        if not isinstance(table, dict):
            return None
        table = table.get(key)
    return table


def _exact(spec) -> Optional[str]:
    """A Pipfile/Pipfile.lock version (``"==1.2.3"``, ``"*"``) -> the pinned version or None."""
    if isinstance(spec, str):
        m = re.match(r"^\s*===?\s*([A-Za-z0-9_.+!-]+)\s*$", spec)
        if m and "*" not in m.group(1):
            return m.group(1)
    return None


def _pipfile_pin(spec) -> Optional[str]:
    """A Pipfile/Pipfile.lock entry (``"==1.2.3"``, ``"*"``, ``{version = "==1.2.3"}``) -> the pin."""
    return _exact(spec.get("version") if isinstance(spec, dict) else spec)


def _requirement_word(item) -> str:
    parsed = parse_requirement(item) if isinstance(item, str) else None
    m = _NAME.match(item) if parsed is not None else None
    return m.group(1) if m else ""


def _poetry_pin(spec) -> Optional[str]:
    """A poetry constraint (``"2.0.2"`` is exact, ``"^2.0"`` is not) -> the pinned version or None."""
    if isinstance(spec, dict):
        spec = spec.get("version")
    if not isinstance(spec, str):
        return None
    spec = spec.strip()
    if re.match(r"^v?\d+(\.\d+)*([A-Za-z0-9.+!-]*)$", spec) and "*" not in spec:
        return spec
    return _exact(spec)


def _literal_strings(node: ast.AST, assigned: Dict[str, ast.AST], depth: int = 0) -> List[Tuple[str, int]]:
    """String items of a list/tuple literal (through module-level names and ``+``), with lines."""
    if depth > 8:
        return []
    if isinstance(node, ast.Name) and node.id in assigned:
        return _literal_strings(assigned[node.id], assigned, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_strings(node.left, assigned, depth + 1) + _literal_strings(node.right, assigned, depth + 1)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [(e.value, getattr(e, "lineno", 1)) for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


# --------------------------------------------------------------------------- the directory walk

_REQUIREMENTS = re.compile(r"^requirements.*\.(txt|in)$", re.I)
_COMMAND_FILES = re.compile(r"^(Dockerfile.*|Containerfile.*|.*\.dockerfile|.*\.sh)$", re.I)
_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock")


def _listdir(directory: str) -> List[str]:
    try:
        return sorted(os.listdir(directory))
    except (OSError, ValueError):
        return []


def _directories(directory: str, root: Optional[str]) -> List[str]:
    """``directory`` and its ancestors up to ``root`` (only ``directory`` when it is not below root)."""
    here = os.path.abspath(directory)
    if root is None:
        return [here]
    top = os.path.abspath(root)
    if here != top and not here.startswith(top.rstrip(os.sep) + os.sep):
        return [here]
    out = [here]
    while here != top:
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
        out.append(here)
    return out


def _read_manifests(reader: _Reader, directory: str) -> None:
    names = _listdir(directory)
    for name in names:
        path = os.path.join(directory, name)
        if _REQUIREMENTS.match(name) or (name.endswith(".in") and name.lower() != "manifest.in"):
            reader.requirements_file(path)
    sub = os.path.join(directory, "requirements")
    if os.path.isdir(sub):
        for name in _listdir(sub):
            if name.endswith((".txt", ".in")):
                reader.requirements_file(os.path.join(sub, name))
    reader.project_manifests(directory)
    for name in _LOCKS:
        if name in names:
            reader.package_lock(os.path.join(directory, name))
    if "Pipfile" in names:
        reader.pipfile(os.path.join(directory, "Pipfile"))
    if "Pipfile.lock" in names:
        reader.pipfile_lock(os.path.join(directory, "Pipfile.lock"))


def read_dependencies(directory, root=None) -> Dependencies:
    """What is installed for the code below ``directory``: the manifests of ``directory`` and of its
    ancestors up to ``root`` (nearest first), and the install commands and bootstrap steps of the
    Dockerfiles and shell scripts of ``directory`` itself. Never raises."""
    deps = Dependencies()
    reader = _Reader(deps)
    try:
        here = os.path.abspath(str(directory))
        for name in _listdir(here):
            if _COMMAND_FILES.match(name):
                reader.commands_file(os.path.join(here, name))
        for d in _directories(here, None if root is None else str(root)):
            _read_manifests(reader, d)
    except (RecursionError, MemoryError):  # pragma: no cover - pathological trees
        pass
    return deps

