"""The per-file result cache in ``.propagation_lint_cache/``.

A file's result (candidate findings with their conditions, and its project facts) depends only on
its content, its display path and module name, the linter's version, the effective settings and
the enabled rules: that is the key. Project-wide facts are *not* baked into an entry; they are
decided afresh on every run from every file's (cached) facts, so a change in one file's helper
re-decides the findings of the files that depend on it without re-parsing them.

The key also holds the interpreter (implementation and full version) and libcst's version: the
syntax errors, standard library names and trees they give differ from one to the next.

Entries are JSON (never pickle: a foreign cache must not be able to run code), and each is
authenticated: its first line is an HMAC-SHA256 of its key and its JSON, keyed by a secret made on
first use in the user's cache home (``$XDG_CACHE_HOME/propagation-lint/key``, else
``~/.cache/propagation-lint/key``, mode 0600). The cache key is computable from public data, so
a repository could commit entries that hide its findings; without the user's secret, they are
rejected (a fresh CI machine rejects every committed entry). When no secret can be kept (an
unwritable home), the cache is not used. A corrupt, truncated, foreign, forged or wrongly shaped
entry is ignored and overwritten.

The directory is dedicated to the cache (see :func:`cache_directory`): inside the project or the
user's cache home, created by the linter with a ``CACHEDIR.TAG`` and a ``.gitignore`` of its own
(as ruff's), or already holding that tag.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

from .results import PROGRAM_KEY, FileResult
from .findings import SEVERITIES
from .output.json import finding_from_dict, finding_to_dict
from .rule import Candidate
from .source import discard, replace_with

FORMAT = 4
REPORTS = "reports"  # the project pass's reports (``projectmemo``), beside the per-file entries
REPORTS_KEPT = 16
SEEN = "seen.json"  # files the reports' checks linted again (``Cache.get_seen``)
SEEN_KEPT = 256
TAG_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55\n"
TAG = TAG_SIGNATURE + "# This file is a cache directory tag created by propagation-lint.\n"
GITIGNORE = "# Automatically created by propagation-lint.\n*\n"
_MAGIC = b"propagation-lint-cache hmac-sha256 "
KEY_BYTES = 32


class CacheDirError(ValueError):
    """A ``cache-dir`` that is not a dedicated cache directory; the message says why."""


_CODE_FINGERPRINT: Any = False  # False: not computed yet; None: the source cannot be read


def code_fingerprint() -> Optional[str]:
    """A hash of the linter's own source and of what it runs on: a changed rule or catalog row
    (an upgrade, a local patch, a development checkout), another interpreter or another libcst
    never reuses results computed by other code. None when the linter cannot read its own
    source (a checkout inside a directory only its owner may enter, run as another user): the
    run then has no cache (:func:`cache_unusable_reason`)."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is False:
        package = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for part in runtime_versions():
            h.update(part.encode("utf-8", "surrogatepass") + b"\x00")
        try:
            for path in sorted(package.rglob("*.py")):
                h.update(path.relative_to(package).as_posix().encode())
                h.update(path.read_bytes())
            _CODE_FINGERPRINT = h.hexdigest()[:16]
        except OSError:
            _CODE_FINGERPRINT = None
    return _CODE_FINGERPRINT


def cache_unusable_reason() -> Optional[str]:
    """Why no cache entry can be trusted in this run, or None."""
    if code_fingerprint() is None:
        return (f"the cache is not used: the linter cannot read its own source "
                f"({Path(__file__).resolve().parent}), which the cache's keys depend on")
    return None


def runtime_versions() -> tuple:
    """The interpreter (implementation, full version and build) and libcst's version (read from
    its ``_version.py`` when libcst is not imported yet: a run that takes its report from the cache
    does not import it)."""
    try:
        libcst_version = _libcst_version()
    except Exception:  # an older or repackaged libcst: ask its distribution
        try:
            from importlib.metadata import version

            libcst_version = version("libcst")
        except Exception:
            libcst_version = "unknown"
    impl = sys.implementation
    return (impl.name, str(getattr(impl, "cache_tag", "")), sys.version, "libcst " + libcst_version)


def _libcst_version() -> str:
    loaded = sys.modules.get("libcst._version")
    if loaded is None:
        import importlib.util
        import re

        spec = importlib.util.find_spec("libcst")
        for folder in (spec.submodule_search_locations or []) if spec is not None else []:
            with open(os.path.join(folder, "_version.py"), encoding="utf-8") as fh:
                found = re.search(r"""^__version__\s*=\s*(?:version\s*=\s*)?['"]([^'"]+)['"]""", fh.read(), re.M)
            if found:
                return found.group(1)
        from libcst import _version as loaded
    return str(loaded.__version__)


# --------------------------------------------------------------------------- the user's secret
def user_cache_home() -> Optional[Path]:
    """``$XDG_CACHE_HOME`` (when absolute), else ``~/.cache``; None when there is no home."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg)
    home = os.path.expanduser("~")
    if not home or home == "~" or not os.path.isabs(home):
        return None
    return Path(home) / ".cache"


def key_directory() -> Optional[Path]:
    home = user_cache_home()
    return None if home is None else home / "propagation-lint"


_SECRET: Any = False  # False: not loaded yet; None: none can be kept


def secret() -> Optional[bytes]:
    """The user's cache secret, made on first use (mode 0600); None when it cannot be kept."""
    global _SECRET
    if _SECRET is False:
        _SECRET = _load_or_make_secret()
    return _SECRET


def _load_or_make_secret() -> Optional[bytes]:
    directory = key_directory()
    if directory is None:
        return None
    path = directory / "key"
    for _ in range(3):
        found = _read_secret(path)
        if found is not None:
            return found or None  # b"": present but unusable
        if not _make_secret(directory, path):
            return None
    return None


def _read_secret(path: Path) -> Optional[bytes]:
    """The secret; None when there is no key file; b"" when the file cannot be trusted."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError:
        return b""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != KEY_BYTES:
            return b""
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return b""  # someone else's secret (a shared HOME under sudo): not ours to trust
        data = os.read(fd, KEY_BYTES + 1)
        return data if len(data) == KEY_BYTES else b""
    except OSError:
        return b""
    finally:
        os.close(fd)


def _make_secret(directory: Path, path: Path) -> bool:
    """Create the key file, complete or not at all (written aside, then linked into place)."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".key-", dir=str(directory))  # mode 0600
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(KEY_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        return True
    except OSError:
        return False
    finally:
        discard(tmp)


# --------------------------------------------------------------------------- the directory
def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip(os.sep) + os.sep)


def has_tag(directory: Path) -> bool:
    try:
        with open(directory / "CACHEDIR.TAG", "rb") as fh:
            head = fh.read(len(TAG) + 1)
    except OSError:
        return False
    return head.startswith(TAG_SIGNATURE.encode()) and b"propagation-lint" in head


def cache_directory(root: Path, configured: str) -> Path:
    """The cache directory for ``cache-dir = configured`` in a project rooted at ``root``.

    It must lie (symbolic links resolved) strictly inside the project or the user's cache home,
    never hold the user's secret, and, when it exists, be a directory that holds the cache's tag
    (one the linter made). Anything else raises :class:`CacheDirError`.
    """
    text = os.path.expanduser(configured)
    path = Path(os.path.abspath(Path(root) / text))
    real = os.path.realpath(path)
    project = os.path.realpath(root)
    home = user_cache_home()
    allowed = [project] + ([os.path.realpath(home)] if home is not None else [])
    if not any(_inside(real, base) and real != base for base in allowed):
        where = "inside the project" + (f" or in {home}" if home is not None else "")
        raise CacheDirError(f"{configured!r} resolves to {real}: the cache directory must be a dedicated "
                            f"directory {where}")
    keys = key_directory()
    if keys is not None and _inside(os.path.realpath(keys), real):
        raise CacheDirError(f"{configured!r} would hold the cache's secret key ({keys})")
    if os.path.lexists(path) and not (path.is_dir() and has_tag(path)):
        raise CacheDirError(f"{configured!r} exists and is not a propagation-lint cache directory "
                            "(it holds no CACHEDIR.TAG made by propagation-lint); choose a new directory")
    return path


def _create_tagged(base: Path) -> bool:
    """Create ``base`` with its tag and .gitignore in one step (a directory made aside and renamed
    into place), so no process ever sees it untagged. True when ``base`` is a tagged directory."""
    if base.is_dir():
        return has_tag(base)
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".propagation-lint-cache-", dir=str(base.parent))
    except OSError:
        return False
    try:
        (Path(tmp) / "CACHEDIR.TAG").write_text(TAG)
        (Path(tmp) / ".gitignore").write_text(GITIGNORE)
        os.rename(tmp, base)
    except OSError:
        pass  # made by another process meanwhile (or unwritable)
    finally:
        if os.path.isdir(tmp):
            for name in ("CACHEDIR.TAG", ".gitignore"):
                try:
                    os.unlink(os.path.join(tmp, name))
                except OSError:
                    pass
            try:
                os.rmdir(tmp)
            except OSError:
                pass
    return base.is_dir() and has_tag(base)


class Cache:
    def __init__(self, directory: Path, version: str):
        self.base = Path(directory)
        self.version = version
        self.dir = self.base / version
        self._ready: Optional[bool] = None
        self._subdirs: set = set()

    def _prepare(self) -> bool:
        if self._ready is None:
            self._ready = self._make_ready()
        return self._ready

    def _make_ready(self) -> bool:
        if secret() is None or not _create_tagged(self.base):
            return False
        try:
            self.dir.mkdir(exist_ok=True)
        except OSError:
            return False
        return self._contained(self.dir)

    def _contained(self, path: Path) -> bool:
        """``path`` is a real directory inside the cache directory (not a link out of it)."""
        return not path.is_symlink() and _inside(os.path.realpath(path), os.path.realpath(self.base))

    def key(self, text: str, display: str, module: str, settings_key: str, codes) -> str:
        return self._key((str(FORMAT), self.version, code_fingerprint(), display, module, settings_key, ",".join(codes)),
                         text)

    @staticmethod
    def _key(parts, text: str) -> str:
        h = hashlib.sha256()
        for part in parts:
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        h.update(text.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    @staticmethod
    def _mac(secret_key: bytes, key: str, body) -> bytes:
        mac = hmac.new(secret_key, key.encode("ascii") + b"\x00", hashlib.sha256)
        mac.update(body)  # not concatenated: no copy of a large body
        return mac.hexdigest().encode("ascii")

    def get(self, key: str) -> Optional[FileResult]:
        found = self.get_with_body(key)
        return None if found is None else found[0]

    def get_with_body(self, key: str) -> Optional[tuple]:
        """(the entry's result, its JSON body as stored), when it is authentic and well shaped."""
        found = self._get_raw(key)
        if found is None:
            return None
        try:
            return _result_from(found[0]), found[1]
        except Exception:  # a bad entry is a miss, whatever is wrong with it
            return None

    def put(self, key: str, result: FileResult) -> Optional[bytes]:
        """Store ``result``; its JSON body as stored (what the file index records), or None."""
        return self._put(key, _result_to(result))

    def _get(self, key: str, path: Optional[Path] = None) -> Optional[dict]:
        found = self._get_raw(key, path)
        return None if found is None else found[0]

    def _get_raw(self, key: str, path: Optional[Path] = None) -> Optional[tuple]:
        """(an entry's JSON object, its body bytes), when it is authentic and made for ``key``."""
        secret_key = secret()
        if secret_key is None:
            return None
        try:
            raw = read_entry(path or self._path(key))
            if raw is None or not raw.startswith(_MAGIC):
                return None
            head, _, body = raw.partition(b"\n")
            if not hmac.compare_digest(head[len(_MAGIC):], self._mac(secret_key, key, body)):
                return None  # forged, foreign (another user's or machine's) or damaged
            data = json.loads(body.decode("utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
                return None
            return data, body
        except Exception:  # a bad entry is a miss, whatever is wrong with it
            return None

    def _put(self, key: str, data: dict, target: Optional[Path] = None) -> Optional[bytes]:
        secret_key = secret()
        if secret_key is None or not self._prepare():
            return None
        target = target or self._path(key)
        try:
            # the entry's content, then its format and key last (see :func:`body_digest`)
            inner = json.dumps(data, separators=(",", ":")).encode("utf-8")
            if not inner.startswith(b"{") or "format" in data or "key" in data:
                return None
            body = inner[:-1] + (b"," if inner != b"{}" else b"") + _suffix(key)
            if target.parent not in self._subdirs:
                target.parent.mkdir(exist_ok=True)
                if not self._contained(target.parent):
                    return None
                self._subdirs.add(target.parent)
            replace_with(target, _MAGIC + self._mac(secret_key, key, body) + b"\n" + body)
            return body
        except (OSError, TypeError, ValueError):
            return None

    # ------------------------------------------------------------ summaries read on demand
    def summary_key(self, text: str, module: str, is_package: bool, names) -> str:
        """The key of a file's whole-program summary read on demand (``program/model.py``): a
        function of its text, module name, whether it is a package and the names asked about."""
        return self._key(("summary", str(FORMAT), self.version, code_fingerprint(), module, str(bool(is_package)),
                          ",".join(sorted(names)) if names is not None else "*"), text)

    def get_summary(self, key: str) -> Optional[dict]:
        from .program.summary import checked

        data = self._get(key)
        if data is None or not isinstance(data.get("summary"), dict):
            return None
        summary = data["summary"]
        if not summary:
            return summary  # CPython could not parse the file: nothing more to know
        return checked(summary) or None  # a wrongly shaped entry is a miss

    def put_summary(self, key: str, summary: dict) -> None:
        self._put(key, {"summary": summary})

    # ------------------------------------------------------------ the project pass's report
    def _report_path(self, key: str) -> Path:
        return self.dir / REPORTS / f"{key}.json"

    def get_project(self, key: str) -> Optional[dict]:
        """The report stored by ``runner.run_and_finish`` under ``key`` (``projectmemo``), with
        the files' stats and digests and the reads it depends on; None when there is none or it
        is not well formed."""
        data = self._get(key, self._report_path(key))
        if data is None or not isinstance(data.get("reads"), list) or not isinstance(data.get("report"), dict):
            return None
        files = data.get("files")
        if not isinstance(files, list) or not all(isinstance(row, list) and len(row) == 5 for row in files):
            return None
        if not isinstance(data.get("read"), list) or not all(type(i) is int for i in data["read"]):
            return None
        return data

    def get_seen(self) -> Dict[str, list]:
        """Files the report checks linted again (``runner.reuse_report``): an id of the file and what
        its result is a function of besides its text -> [its stat when read, its result's digest].
        A file whose stat is that one has that digest (as the file index takes an entry by it)."""
        data = self._get(SEEN, self.dir / SEEN)
        rows = data.get("files") if data is not None else None
        if not isinstance(rows, dict) or not all(isinstance(row, list) and len(row) == 5 for row in rows.values()):
            return {}
        return rows

    def put_seen(self, rows: Dict[str, list]) -> None:
        if self._prepare():
            self._put(SEEN, {"files": dict(list(rows.items())[-SEEN_KEPT:])}, self.dir / SEEN)

    def put_project(self, key: str, data: dict) -> None:
        """Store a report (one per set of files and settings: pre-commit's runs name different
        files); the :data:`REPORTS_KEPT` most recently written are kept."""
        target = self._report_path(key)
        if not self._prepare():
            return
        try:
            target.parent.mkdir(exist_ok=True)
            if not self._contained(target.parent):
                return
        except OSError:
            return
        if self._put(key, data, target) is None:
            return
        try:
            kept = sorted(((entry.stat().st_mtime_ns, entry.path) for entry in os.scandir(target.parent)
                           if entry.name.endswith(".json")), reverse=True)
            for _, old in kept[REPORTS_KEPT:]:
                discard(old)
        except OSError:
            pass


def read_entry(path: Path, limit: int = 64 * 1024 * 1024, seen: Optional[list] = None) -> Optional[bytes]:
    """An entry's bytes: a regular file (never a link, a pipe or a device), at most ``limit``.
    ``seen``, when given, receives the identity (:func:`_identity`) of the file read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        if seen is not None:
            seen.append(_identity(st))
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(limit + 1)
    finally:
        os.close(fd)


def _identity(st: os.stat_result) -> tuple:
    """What tells one version of a file from another: it is only ever replaced by a rename (a new
    inode) or rewritten (new times)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _identity_of(path: Path) -> Optional[tuple]:
    try:
        return _identity(os.stat(path, follow_symlinks=False))
    except OSError:
        return None


def _suffix(key: str) -> bytes:
    return b'"format":%d,"key":"%s"}' % (FORMAT, key.encode("ascii"))


def body_digest(body, key: str) -> Optional[str]:
    """A hash of what an entry's ``body`` (as :meth:`Cache._put` writes it under ``key``) holds,
    without its key: equal for two files whose results are equal, whatever their texts (a comment
    added changes the key, not the result). None for a body not shaped so."""
    suffix = _suffix(key)
    end = len(body) - len(suffix)
    if end < 1 or bytes(body[end:]) != suffix:
        return None
    if body[end - 1:end] == b",":
        inner = bytes(body[:end - 1]) + b"}"
    elif end == 1 and body[:1] == b"{":
        inner = b"{}"
    else:
        return None
    return hashlib.sha256(inner).hexdigest()


# --------------------------------------------------------------------------- (de)serialising
def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def result_digest(result: FileResult) -> str:
    """The digest of a result no entry holds (a file that cannot be read or decoded), made as
    :func:`body_digest` makes an entry's (the same result, the same digest)."""
    return hashlib.sha256(json.dumps(_result_to(result), separators=(",", ":")).encode("utf-8")).hexdigest()


def _result_to(result: FileResult) -> dict:
    return {
        "path": result.path,
        "status": result.status,
        "facts": result.facts,
        "imports": result.imports,
        "notices": result.notices,
        "candidates": [
            {
                "finding": finding_to_dict(c.finding),
                "requires": [list(x) for x in c.requires],
                "unless": [list(x) for x in c.unless],
                "noqa_lines": list(c.noqa_lines),
                "notes": [list(x) for x in c.notes],
            }
            for c in result.candidates
        ],
    }


class _Shape(ValueError):
    """An entry whose JSON does not have the shape the linter writes."""


def _need(ok: bool) -> None:
    if not ok:
        raise _Shape()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_span(d) -> None:
    _need(isinstance(d, dict) and all(_is_int(d.get(k)) and d[k] >= 0
                                      for k in ("line", "column", "end_line", "end_column")))


def _check_strings(d, keys) -> None:
    _need(all(isinstance(d.get(k), str) for k in keys))


def _check_finding(d) -> None:
    _check_span(d)
    _check_strings(d, ("code", "name", "message", "path"))
    _check_strings({k: d.get(k, "") for k in ("suggestion", "fingerprint", "confidence")},
                   ("suggestion", "fingerprint", "confidence"))
    _need(d.get("severity", "error") in SEVERITIES)
    fix = d.get("fix")
    if fix is not None:
        _need(isinstance(fix, dict) and fix.get("applicability") in ("safe", "unsafe"))
        _check_strings(fix, ("title",))
        _need(isinstance(fix.get("edits"), list))
        for edit in fix["edits"]:
            _check_span(edit)
            _check_strings(edit, ("content",))
    _need(isinstance(d.get("related", []), list))
    for rel in d.get("related", []):
        _check_span(rel)
        _check_strings(rel, ("path", "message"))


def _check_conditions(rows) -> None:
    _need(isinstance(rows, list) and all(isinstance(r, list) and r and isinstance(r[0], str) for r in rows))
    for row in rows:
        _check_plain(row)


def _check_plain(value, depth: int = 0) -> None:
    """Plain JSON data without floats (the linter never writes one), nested at most 32 deep."""
    level = [value]
    while level:
        _need(depth < 32)
        deeper = []
        for v in level:
            kind = type(v)
            if kind is str or kind is int or v is None or kind is bool:
                continue
            if kind is list:
                deeper.extend(v)
            elif kind is dict:
                deeper.extend(v.values())
            else:
                _need(isinstance(v, (str, int)))  # a subclass (the JSON decoder makes none)
        level = deeper
        depth += 1


def _check_facts(facts) -> None:
    """The shapes ``project.Project.add_file`` merges (other families' facts: tables or lists)."""
    _need(isinstance(facts, dict))
    _check_plain(facts)
    for key, value in facts.items():
        if key in ("injects", "returns_injected", "exports"):
            _need(isinstance(value, dict))
        if key == "injects":
            _need(all(isinstance(v, list) and all(isinstance(row, list) for row in v) for v in value.values()))
        elif key == "returns_injected":
            _need(all(isinstance(v, list) for v in value.values()))
        elif key == "exports":
            _need(all(isinstance(v, str) for v in value.values()))
        elif key == "instrumentors":
            _need(isinstance(value, list) and all(
                isinstance(row, list) and len(row) >= 2 and all(isinstance(x, str) for x in row[:2])
                and (len(row) < 7 or (isinstance(row[2], str) and all(_is_int(x) for x in row[3:7])))
                for row in value))
        elif key != "uses_tracing":
            _need(isinstance(value, (dict, list)))


def _check_entry(data: dict) -> None:
    _check_strings(data, ("path",))
    _need(data.get("status") in ("linted", "skipped", "error"))
    _need(isinstance(data.get("imports"), list))
    _check_facts(data.get("facts"))
    _need(all(isinstance(row, list) and len(row) == 3 and _is_int(row[0]) and isinstance(row[1], str)
              and isinstance(row[2], str) for row in data["imports"]))
    _need(isinstance(data.get("notices"), list) and all(
        isinstance(row, list) and len(row) == 2 and _is_int(row[0]) and isinstance(row[1], str) for row in data["notices"]))
    _need(isinstance(data.get("candidates"), list))
    for c in data["candidates"]:
        _need(isinstance(c, dict))
        _check_finding(c.get("finding"))
        for name in ("requires", "unless", "notes"):
            _check_conditions(c.get(name))
        _need(isinstance(c.get("noqa_lines"), list) and all(_is_int(n) for n in c["noqa_lines"]))


def _result_from(data: dict) -> FileResult:
    _check_entry(data)
    facts = data["facts"]
    if PROGRAM_KEY in facts:  # the whole-program summary, shaped as summary.py makes it (else empty)
        from .program.summary import checked

        facts[PROGRAM_KEY] = checked(facts[PROGRAM_KEY])
    result = FileResult(path=data["path"], status=data["status"], facts=data["facts"], imports=data["imports"],
                        notices=data["notices"])
    for c in data["candidates"]:
        result.candidates.append(
            Candidate(
                finding_from_dict(c["finding"]),
                requires=tuple(_tuples(x) for x in c["requires"]),
                unless=tuple(_tuples(x) for x in c["unless"]),
                noqa_lines=tuple(c["noqa_lines"]),
                notes=tuple(_tuples(x) for x in c["notes"]),
            )
        )
    return result


# --------------------------------------------------------------------------- the file index
INDEX_NAME = "files.index"
INDEX_LIMIT = 1024 * 1024 * 1024
# a file is taken from the index only when its inode change time is this far in the past when it
# is read: a later edit then always changes it (a change in the same tick of a coarse clock would
# not); 2 s on filesystems that keep whole seconds (FAT keeps 2 s), else 100 ms (a kernel tick)
SETTLED_NS = 100_000_000
SETTLED_COARSE_NS = 2_000_000_000
PATH_ENTRIES = 8  # entries kept per file (other settings, rule selections, the promoted pass, the project pass's)
LOCK_WAIT = 10.0


def file_stat(path: str) -> Optional[tuple]:
    """What the index compares: (size, mtime_ns, ctime_ns, inode) of a regular file, else None."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def settled(st: Optional[tuple], now_ns: int) -> bool:
    """Whether a file with stat ``st``, read at ``now_ns``, can be trusted by its stat later: an
    edit after the read cannot keep both its times (the inode change time cannot be set back)."""
    if st is None:
        return False
    coarse = st[1] % 1_000_000_000 == 0 and st[2] % 1_000_000_000 == 0
    return max(st[1], st[2]) < now_ns - (SETTLED_COARSE_NS if coarse else SETTLED_NS)


class FileIndex:
    """One file in the cache directory, ``files.index``, mapping each file linted (its absolute
    path and the non-text parts of its entry's key: display path, module, settings, rules) to its
    stat, its entry's key (which hashes its text) and the entry itself. A run takes the files
    whose (size, mtime, ctime, inode) still match from it, without reading or hashing them; any
    other file takes the usual path (read, hash, per-file entry) and is recorded for next time.

    Format: a first line ``MAGIC hmac`` (the user's secret, over the rest), a header line, then one
    line per file: ``lookup-key TAB [path, size, mtime, ctime, inode, entry key, digest] TAB entry
    JSON`` (``digest``: :func:`body_digest` of the entry, "" for what the project pass remembers)
    (JSON never holds a raw tab or newline). A forged, foreign, truncated or wrongly shaped index
    is ignored as a whole (the run takes the usual path); a bad line is a miss. Written whole,
    beside and renamed into place, under an exclusive lock (``files.index.lock``), merged with
    what other processes (pre-commit's parallel batches) wrote meanwhile."""

    def __init__(self, cache: "Cache"):
        self.cache = cache
        self.path = cache.dir / INDEX_NAME
        self._lines: Optional[Dict[str, bytes]] = None
        self._version: Optional[tuple] = None  # the identity of the index file ``_lines`` holds
        self._updates: Dict[str, bytes] = {}
        self._hit: set = set()
        # what :meth:`save` runs within: ``projectmemo.Recorder.paused`` while the project pass's reads
        # are noted (which files still exist is the index's upkeep, no read of the pass)
        self.unrecorded = contextlib.nullcontext

    @staticmethod
    def lookup_key(path: str, display: str, module: str, settings_key: str, codes) -> str:
        return Cache._key((str(FORMAT), os.path.abspath(path), display, module, settings_key, ",".join(codes)), "")

    def _header(self) -> bytes:
        return json.dumps({"format": FORMAT, "version": self.cache.version, "code": code_fingerprint()}).encode()

    def _read(self, seen: Optional[list] = None) -> Dict[str, bytes]:
        """lookup key -> the rest of its line, from an authentic index made by this code; else {}.
        ``seen`` receives the identity of the file read (see :func:`read_entry`)."""
        secret_key = secret()
        if secret_key is None:
            return {}
        try:
            raw = read_entry(self.path, INDEX_LIMIT, seen)
            if raw is None or not raw.startswith(_MAGIC):
                return {}
            # read in place (offsets into ``raw``): the index is tens of megabytes for a large
            # project, and each partition or split of the whole would copy it once more
            head_end = raw.find(b"\n")
            if head_end < 0:
                head_end = len(raw)
            body = memoryview(raw)[head_end + 1:]
            if not hmac.compare_digest(raw[len(_MAGIC):head_end], self.cache._mac(secret_key, INDEX_NAME, body)):
                return {}
            pos = raw.find(b"\n", head_end + 1)
            end = len(raw)
            if raw[head_end + 1:end if pos < 0 else pos] != self._header():
                return {}
            out = {}
            pos = end if pos < 0 else pos + 1
            while pos < end:
                stop = raw.find(b"\n", pos)
                if stop < 0:
                    stop = end
                if stop > pos:
                    tab = raw.find(b"\t", pos, stop)
                    if tab < 0:
                        return {}
                    out[raw[pos:tab].decode("ascii")] = raw[tab + 1:stop]
                pos = stop + 1
            return out
        except Exception:  # a bad index is no index, whatever is wrong with it
            return {}

    def _body(self, ikey: str, st: Optional[tuple]) -> Optional[tuple]:
        """(entry key, digest, body bytes) recorded for ``ikey`` when the file's stat is still ``st``."""
        if st is None:
            return None
        if self._lines is None:
            seen: list = []
            self._lines = self._read(seen)
            self._version = seen[0] if seen else None
        value = self._lines.get(ikey)
        if value is None:
            return None
        meta_raw, tab, body = value.partition(b"\t")
        try:
            meta = json.loads(meta_raw)
        except ValueError:
            return None
        if not tab or not isinstance(meta, list) or len(meta) != 7 or tuple(meta[1:5]) != tuple(st):
            return None
        return meta[5], meta[6], body

    def get(self, ikey: str, st: Optional[tuple]) -> Optional[FileResult]:
        """The entry recorded for ``ikey`` when the file's stat is still ``st``."""
        found = self._body(ikey, st)
        if found is None or not isinstance(found[1], str) or not found[1]:
            return None
        try:
            data = json.loads(found[2])
            if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != found[0]:
                return None
            result = _result_from(data)
        except Exception:
            return None
        result.digest = found[1]
        result.seen = tuple(st)
        # no origin: an entry taken from the index is not recorded again (``record``), and keeping
        # its JSON body would hold a second copy of the index in memory
        self._hit.add(ikey)
        return result

    def record(self, ikey: str, path: str, st: tuple, key: str, body: bytes) -> None:
        """Record the entry ``body`` (as the per-file cache stores it under ``key``) for the file."""
        digest = body_digest(body, key)
        if ikey not in self._hit and digest is not None:
            self._updates[ikey] = self._meta(path, st, key, digest) + b"\t" + body

    def _store(self, ikey: str, path: str, st: tuple, key: str, data) -> None:
        try:
            body = json.dumps(data, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError):
            return
        self._updates[ikey] = self._meta(path, st, key, "") + b"\t" + body

    # ------------------------------------------------------------ what the project pass reads
    def recall(self, path: str, what: str, st: Optional[tuple]) -> Optional[list]:
        """``[value]`` remembered about the file at ``path`` (``what``: the question, e.g. which of
        some names it mentions) when its stat is still ``st``; None when unknown. The caller
        checks the value's shape."""
        ikey = self.lookup_key(path, what, "", "", ())
        found = self._body(ikey, st)
        if found is None:
            return None
        try:
            value = json.loads(found[2])
        except ValueError:
            return None
        if not isinstance(value, list) or len(value) != 1:
            return None
        self._hit.add(ikey)
        return value

    def remember(self, path: str, what: str, st: tuple, value) -> None:
        ikey = self.lookup_key(path, what, "", "", ())
        if ikey not in self._hit:
            self._store(ikey, path, st, "", [value])

    @staticmethod
    def _meta(path: str, st: tuple, key: str, digest: str) -> bytes:
        return json.dumps([os.path.abspath(path), *st, key, digest], separators=(",", ":")).encode()

    def save(self) -> None:
        """Merge this run's new entries into the index on disk (under the lock) and replace it."""
        with self.unrecorded():
            self._save()

    def _save(self) -> None:
        secret_key = secret()
        if not self._updates or secret_key is None or not self.cache._prepare():
            return
        with _locked(self.cache.dir / (INDEX_NAME + ".lock")) as held:
            if not held:
                return  # another process holds it too long: next run records these
            # the index as this run read it, unless another process replaced it since (a writer
            # always renames a new file into place): then what it wrote is merged in
            current = _identity_of(self.path)
            if self._lines is not None and current is not None and current == self._version:
                lines = dict(self._lines)
            else:
                lines = self._read()
            for ikey in self._updates:
                lines.pop(ikey, None)  # re-inserted last: the newest entries of a path are kept
            lines.update(self._updates)
            lines = _pruned(lines)
            body = self._header() + b"\n" + b"".join(k.encode("ascii") + b"\t" + v + b"\n" for k, v in lines.items())
            try:
                replace_with(self.path, _MAGIC + self.cache._mac(secret_key, INDEX_NAME, body) + b"\n" + body)
                self._version = _identity_of(self.path)
            except OSError:
                self._version = None
            self._lines = lines
        self._updates = {}


def _pruned(lines: Dict[str, bytes]) -> Dict[str, bytes]:
    """Without entries of files that are gone, and at most :data:`PATH_ENTRIES` (the newest) a file."""
    per_path: Dict[str, int] = {}
    keep: Dict[str, bytes] = {}
    exists: Dict[str, bool] = {}
    for ikey, value in reversed(list(lines.items())):
        try:
            path = json.loads(value.partition(b"\t")[0])[0]
        except Exception:
            continue
        if not isinstance(path, str):
            continue
        if path not in exists:
            exists[path] = os.path.isfile(path)
        if exists[path] and per_path.get(path, 0) < PATH_ENTRIES:
            per_path[path] = per_path.get(path, 0) + 1
            keep[ikey] = value
    return dict(reversed(list(keep.items())))


class _locked:
    """An exclusive lock on ``path`` (``flock``), waited for at most :data:`LOCK_WAIT` seconds;
    ``as held`` says whether it was taken. Where ``flock`` does not exist, held without a lock
    (the write is still atomic: a concurrent one may only lose the other's new entries)."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: Optional[int] = None

    def __enter__(self) -> bool:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return True
        import time

        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError:
            return False
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None
