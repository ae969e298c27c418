"""Which files to lint: walk the given paths as ruff does.

- Directories are walked with ``os.scandir``; ``*.py`` files are collected.
- ``exclude`` patterns (default :data:`DEFAULT_EXCLUDES`; ``extend_exclude`` adds to them) are
  gitignore-style globs matched against the path relative to ``root``; a bare name such as
  ``build`` matches that name at any depth. A matching directory is pruned without descending.
- ``.gitignore`` files are honoured at every level of the walk and in the parent directories up
  to the git repository root (the nearest parent holding ``.git``; without one, up to ``root``),
  together with ``.git/info/exclude``.
- A path named on the command line is linted (a directory: walked) even if excluded or ignored,
  unless ``force_exclude`` is true (ruff's ``--force-exclude``, for pre-commit).
- Symbolic links are followed. Directories reached through a link are walked after the rest of
  the tree, each real directory at most once; a link back into its own chain is a "symlink loop"
  problem. A file reached under several names is returned once, under its first name in sort
  order.
- ``*.py`` entries that are not regular files (named pipes, sockets, broken links) are returned
  all the same: the reader refuses them with a precise message and never blocks on them.
- A directory that cannot be read is returned in ``unwalked``: the caller reports it as it reports
  an unreadable file (CTX003), so files it may hold are never silently left out.
- Names are kept as the operating system gives them (``os.fsdecode``: a byte that is not valid
  UTF-8 is a lone surrogate); they are escaped only where they are printed.
"""
from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from .findings import FileProblem
from .patterns import AnyOf, gitignore_patterns

DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "build",
    "dist",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".propagation_lint_cache",
    "site-packages",
    ".eggs",
    "*.egg-info",
)

SUFFIX = ".py"


@dataclass
class DiscoveryResult:
    files: List[Path] = field(default_factory=list)
    problems: List[FileProblem] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    # Directories that could not be read (permission denied...): the message says why.
    unwalked: List[FileProblem] = field(default_factory=list)
    # with ``record_skips``: (path, why) of every path excluded or gitignored ("/" ends a directory)
    skipped: List[Tuple[str, str]] = field(default_factory=list)


def discover(
    paths: Sequence[str],
    exclude: Optional[Sequence[str]] = None,
    extend_exclude: Sequence[str] = (),
    force_exclude: bool = False,
    respect_gitignore: bool = True,
    root: Optional[Path] = None,
    record_skips: bool = False,
) -> DiscoveryResult:
    """The files to lint under ``paths``.

    ``exclude=None`` means :data:`DEFAULT_EXCLUDES`; a sequence (even empty) replaces them. With
    ``record_skips``, ``skipped`` lists each excluded or ignored path with the line that decided.
    """
    patterns = list(DEFAULT_EXCLUDES if exclude is None else exclude) + list(extend_exclude)
    origins = {line: "default exclude" for line in (DEFAULT_EXCLUDES if exclude is None else ())}
    origins.update({line: "exclude" for line in (exclude or ())})
    origins.update({line: "extend-exclude" for line in extend_exclude})
    walker = _Walker(
        root=os.path.abspath(root if root is not None else os.getcwd()),
        excludes=_Rules(os.path.abspath(root if root is not None else os.getcwd()), patterns, "exclude", origins),
        respect_gitignore=respect_gitignore,
    )
    walker.skipped = [] if record_skips else None
    result = DiscoveryResult()
    for given in paths:
        if not os.path.lexists(given):
            result.missing.append(given)
            continue
        is_dir = os.path.isdir(given)
        if force_exclude and walker.excluded_explicitly(given, is_dir):
            continue
        if is_dir:
            walker.walk(given)
        else:
            walker.add_file(given)
    walker.finish()
    result.files = walker.sorted_files()
    result.problems = sorted(set(walker.problems), key=lambda p: (p.path, p.message))
    result.unwalked = sorted(set(walker.unwalked), key=lambda p: (p.path, p.message))
    result.skipped = sorted(walker.skipped or ())
    return result


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


class _Rules:
    """Gitignore-style patterns anchored at ``base`` (an absolute directory).

    ``verdict`` answers True (ignored), False (re-included by ``!pattern``) or None (no pattern
    applies). Matches that only cover ``protected`` (the relative path of a directory named on the
    command line, or an ancestor of it) do not count, so such a directory's contents are judged
    on their own names.
    """

    def __init__(self, base: str, lines: Sequence[str], label: str = "", origins: Optional[Dict[str, str]] = None) -> None:
        self.base = base
        self.patterns = gitignore_patterns(lines)  # matched by RE2: linear time, whatever the line
        self.label = label  # where the lines come from (``--show-files`` says why a path is skipped)
        self.origins = origins or {}  # line -> where it comes from, when the lines have several origins
        self.any_of = AnyOf([regex for _include, regex, _line in self.patterns])

    def relative(self, abs_path: str) -> str:
        if abs_path == self.base:
            return ""
        prefix = self.base.rstrip(os.sep) + os.sep
        if abs_path.startswith(prefix):
            return _posix(abs_path[len(prefix):])
        # Outside the base: bare names still match any component; anchored patterns cannot.
        return _posix(os.path.splitdrive(abs_path)[1]).lstrip("/")

    def verdict(self, abs_path: str, is_dir: bool, protected: str = "") -> Optional[bool]:
        rel = self.relative(abs_path) + ("/" if is_dir else "")
        floor = len(protected) + 1 if protected and rel.startswith(protected + "/") else 0
        result = None
        patterns = self.patterns
        for k in self.any_of.indexes(rel, len(patterns)):
            include, regex, _ = patterns[k]
            match = regex.match(rel)
            if match is not None and match.end() > floor:
                result = include
        return result

    def why(self, abs_path: str, is_dir: bool, protected: str = "") -> str:
        """The line that decided :meth:`verdict`, with where it comes from."""
        rel = self.relative(abs_path) + ("/" if is_dir else "")
        floor = len(protected) + 1 if protected and rel.startswith(protected + "/") else 0
        line = ""
        for _, regex, text in self.patterns:
            match = regex.match(rel)
            if match is not None and match.end() > floor:
                line = text
        return f"{self.origins.get(line, self.label)}: {line}"


def _read_ignore_file(path: str) -> List[str]:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []


class _Walker:
    def __init__(self, root: str, excludes: _Rules, respect_gitignore: bool) -> None:
        self.root = root
        self.excludes = excludes
        self.respect_gitignore = respect_gitignore
        self.files: List[Tuple[str, object]] = []  # (path as joined, identity)
        self.problems: List[FileProblem] = []
        self.unwalked: List[FileProblem] = []
        self.visited: Set[Tuple[int, int]] = set()  # real directories walked (st_dev, st_ino)
        # Directories reached through a symbolic link, walked after the rest of the tree:
        # (path, gitignore rules, protected prefixes, chain of real directories above).
        self.deferred: List[tuple] = []
        self._context_cache: Dict[str, Tuple[_Rules, ...]] = {}
        self.skipped: Optional[List[Tuple[str, str]]] = None

    # --- paths named on the command line -----------------------------------------------------

    def add_file(self, path: str) -> None:
        self.files.append((path, _identity(path)))

    def walk(self, path: str) -> None:
        abs_path = os.path.abspath(path)
        # Its own .gitignore is read by the walk itself.
        rules = self._gitignore_context(abs_path, False) if self.respect_gitignore else ()
        # The directory was named explicitly: patterns matching it (or its parents) do not
        # prune its contents.
        protected = tuple((r, r.relative(abs_path)) for r in (self.excludes,) + rules)
        self._walk_tree(path, rules, dict(protected), ())

    def excluded_explicitly(self, path: str, is_dir: bool) -> bool:
        """With ``force_exclude``: is this command-line path excluded or gitignored?"""
        abs_path = os.path.abspath(path)
        if self.excludes.verdict(abs_path, is_dir):
            return True
        if not self.respect_gitignore:
            return False
        parent = os.path.dirname(abs_path)
        return _ignored(self._gitignore_context(parent), abs_path, is_dir, {})

    def finish(self) -> None:
        while self.deferred:
            path, rules, protected, chain = self.deferred.pop(0)
            self._walk_tree(path, rules, protected, chain)

    def sorted_files(self) -> List[Path]:
        out: List[Path] = []
        seen: Set[object] = set()
        by_name = sorted(self.files, key=lambda item: _posix(os.path.normpath(item[0])))
        for path, identity in by_name:
            norm = os.path.normpath(path)
            if identity in seen or norm in seen:
                continue
            seen.update((identity, norm))
            out.append(Path(path))
        return out

    # --- the walk ----------------------------------------------------------------------------

    def _walk_tree(self, top: str, rules: tuple, protected: dict, chain: tuple) -> None:
        stack = [(top, rules, chain)]
        while stack:
            path, rules, chain = stack.pop()
            key = _dir_key(path)
            if key is None or key in self.visited:
                continue
            self.visited.add(key)
            chain = chain + (key,)
            if self.respect_gitignore:
                rules = rules + _own_rules(path)
            try:
                with os.scandir(path) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.unwalked.append(FileProblem(Path(path).as_posix(), _dir_error(exc)))
                continue
            subdirs = []
            for entry in entries:
                sub = self._visit(entry, rules, protected, chain)
                if sub is not None:
                    subdirs.append((sub, rules, chain))
            stack.extend(reversed(subdirs))

    def _visit(self, entry: os.DirEntry, rules: tuple, protected: dict, chain: tuple):
        """Handle one directory entry; return its path when it is a directory to descend into."""
        name = entry.name
        is_link = entry.is_symlink()
        try:
            is_dir = entry.is_dir()
        except OSError:  # e.g. a link to itself
            is_dir = False
        if is_dir:
            if name == ".git" or self._skip(entry.path, True, rules, protected):
                return None
            if not is_link:
                return entry.path
            key = _dir_key(entry.path)
            if key in chain:
                self._problem(entry.path, "symlink loop, not followed")
            elif key is not None:
                self.deferred.append((entry.path, rules, protected, chain))
            return None
        if name.endswith(SUFFIX):
            if is_link and name.startswith(".#") and not os.path.exists(entry.path):
                return None  # an editor's lock file (a dangling link), not a source file
            if not self._skip(entry.path, False, rules, protected):
                self.files.append((entry.path, _identity(entry.path)))
        elif is_link and "." not in name.lstrip("."):
            # A dangling link without a suffix may have been a directory of sources: say so.
            if not self._skip(entry.path, False, rules, protected):
                self._link_problem(entry.path)
        return None

    def _skip(self, path: str, is_dir: bool, rules: tuple, protected: dict) -> bool:
        abs_path = os.path.abspath(path)
        if self.excludes.verdict(abs_path, is_dir, protected.get(self.excludes, "")):
            self._record(path, is_dir, (self.excludes,), protected)
            return True
        if self.respect_gitignore and _ignored(rules, abs_path, is_dir, protected):
            self._record(path, is_dir, rules, protected)
            return True
        return False

    def _record(self, path: str, is_dir: bool, rules: tuple, protected: dict) -> None:
        if self.skipped is None:
            return
        abs_path = os.path.abspath(path)
        deciding = [r for r in rules if r.verdict(abs_path, is_dir, protected.get(r, "")) is not None][-1]
        why = deciding.why(abs_path, is_dir, protected.get(deciding, ""))
        self.skipped.append((_posix(path) + ("/" if is_dir else ""), why))

    def _link_problem(self, path: str) -> None:
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self._problem(path, "symlink loop, not followed")
            elif exc.errno == errno.ENOENT:
                self._problem(path, "broken symbolic link")

    def _problem(self, path: str, message: str) -> None:
        self.problems.append(FileProblem(Path(path).as_posix(), message))

    # --- .gitignore files above a directory named on the command line ------------------------

    def _gitignore_context(self, directory: str, include_self: bool = True) -> Tuple[_Rules, ...]:
        """The ignore rules that apply to the entries of ``directory`` (without its own
        ``.gitignore`` when ``include_self`` is false), from the repository root down."""
        top = _repository_root(directory)
        if top is None:
            top = self.root if _is_within(directory, self.root) else directory
        chain = []
        current = directory
        while True:
            chain.append(current)
            if current == top:
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        rules: List[_Rules] = []
        info_exclude = os.path.join(top, ".git", "info", "exclude")
        if os.path.isfile(info_exclude):
            rules.append(_Rules(top, _read_ignore_file(info_exclude), _posix(info_exclude)))
        for d in reversed(chain[1:]):
            rules.extend(self._cached_own_rules(d))
        if include_self:
            rules.extend(self._cached_own_rules(directory))
        return tuple(rules)

    def _cached_own_rules(self, directory: str) -> Tuple[_Rules, ...]:
        if directory not in self._context_cache:
            self._context_cache[directory] = _own_rules(directory)
        return self._context_cache[directory]


def _own_rules(directory: str) -> Tuple[_Rules, ...]:
    path = os.path.join(directory, ".gitignore")
    lines = _read_ignore_file(path) if os.path.isfile(path) else []
    return (_Rules(os.path.abspath(directory), lines, _posix(path)),) if lines else ()


def _ignored(rules: Sequence[_Rules], abs_path: str, is_dir: bool, protected: dict) -> bool:
    """The last rule file with an opinion decides, deepest last, as git does."""
    result = None
    for rule in rules:
        verdict = rule.verdict(abs_path, is_dir, protected.get(rule, ""))
        if verdict is not None:
            result = verdict
    return bool(result)


def _repository_root(directory: str) -> Optional[str]:
    current = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _is_within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _dir_key(path: str) -> Optional[Tuple[int, int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _identity(path: str) -> object:
    """Two names of the same file share an identity; unreadable names are their own."""
    try:
        st = os.stat(path)
    except OSError:
        return os.path.normpath(os.path.abspath(path))
    return (st.st_dev, st.st_ino)


def _dir_error(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied; directory not walked"
    return f"cannot read directory: {exc.strerror or exc}; not walked"
