"""The project pass's result kept between runs (in the cache directory), reused when nothing it
read has changed.

The project pass (``runner.finish``, and before it the promotions and the second pass) is a
function of every file's first-pass result, of the run's settings, selection, roots and working
directory, and of what it reads from the disk itself (the files it summarises on demand, launch
files, manifests, deployment files, which directories are packages). A run with the cache:

- computes a key from the first kind of input: per file its path, display path, module and
  settings, and the *digest* of its cached result (``cache.body_digest``). A file whose result did
  not change keeps its digest even when its text did (a comment, a blank line at the end);
- when an entry holds that key and every read it recorded still gives the same answer (each
  ``stat``, directory listing and opened file, replayed: :func:`still_valid`), its report is
  the run's: no result is decoded, no model built;
- else it runs the project pass while :func:`recording` notes every read the pass makes through
  ``os`` and ``open``, and stores the report with those reads. A pass that read a file changed
  within the last moments (``cache.settled``), or got two answers from one read, stores nothing.

What the pass reads inside the cache directory (the file index, summaries cached on demand) is
not noted: those are checked by their own keys and the files' stats.
"""
from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import os
import stat
import time
from typing import Dict, List, Optional, Sequence, Tuple

from .findings import InternalError

MEMO_FORMAT = 1


def memo_key(parts: Sequence[str], files: Sequence[tuple]) -> str:
    """The key of a run's project pass: ``parts`` (settings, selection, roots...) and per file
    its identity and result digest."""
    h = hashlib.sha256()
    h.update(b"project-pass\x00%d\x00" % MEMO_FORMAT)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    h.update("\n".join("\x00".join(map(str, row)) for row in files).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


# --------------------------------------------------------------------------- what a read answers
def _stat_answer(st: os.stat_result, now: Optional[int] = None) -> Optional[list]:
    """What a ``stat`` told: a regular file's size, times and inode; only the kind of anything
    else (a directory's contents are noted by the listings). None when a regular file changed
    too recently for its times to tell a later edit (``cache.settled``; ``now``: the time to
    judge by, the recording's start or the present)."""
    from .cache import settled

    mode = st.st_mode
    if stat.S_ISREG(mode):
        seen = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        if not settled(seen, time.time_ns() if now is None else now):
            return None
        return ["f", *seen]
    if stat.S_ISDIR(mode):
        return ["d"]
    if stat.S_ISLNK(mode):
        return ["l", st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
    return ["o", stat.S_IFMT(mode)]


def _error(exc: OSError) -> list:
    return ["e", exc.errno or 0]


def _names_answer(names) -> list:
    return ["n", hashlib.sha256("\x00".join(sorted(names)).encode("utf-8", "surrogateescape")).hexdigest()]


def _flags(entry) -> str:
    """A listed entry's kind: ``d`` a directory, ``f`` a regular file (both through a link), ``l``
    a link, ``-`` none of these, ``?`` unknown (a link to itself)."""
    try:
        kind = "d" if entry.is_dir() else "f" if entry.is_file() else "-"
        return kind + ("l" if entry.is_symlink() else "")
    except OSError:
        return "?"


def _kinds_answer(kinds: Dict[str, str]) -> list:
    """A listing's answer: its entries' names and kinds (:func:`_flags`)."""
    return _names_answer(f"{name}\x00{kind}" for name, kind in kinds.items())


def _listing(path) -> Tuple[list, Optional[Dict[str, str]]]:
    """A directory's listing answer now, and its entries' kinds (None when it cannot be listed)."""
    try:
        with _ORIGINAL["scandir"](path) as it:
            entries = list(it)
    except OSError as exc:
        return _error(exc), None
    kinds = {e.name: _flags(e) for e in entries}
    return _kinds_answer(kinds), kinds


class _Listing:
    """What ``os.scandir`` returns, read whole: an iterator of its entries that is also a context
    manager (``os.walk`` calls ``next`` on it)."""

    def __init__(self, entries):
        self.entries = iter(entries)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


_ORIGINAL = {"stat": os.stat, "lstat": os.lstat, "listdir": os.listdir, "scandir": os.scandir, "open": io.open,
             "os_open": os.open}
# what ``os.path`` answers from a ``stat``, noted as the answer itself (a file whose text changed
# is still a file): each replaces the ``stat``s it makes
_PATH_QUESTIONS = {name: getattr(os.path, name) for name in ("isfile", "isdir", "exists", "islink", "realpath")}


def _answer(kind: str, path) -> list:
    """The answer of read ``kind`` on ``path`` now (for checking a recorded one)."""
    try:
        if kind in _PATH_QUESTIONS:
            return ["a", _PATH_QUESTIONS[kind](path)]
        if kind == "realpath!":
            return ["a", _PATH_QUESTIONS["realpath"](path, strict=True)]
        if kind == "stat":
            return _stat_answer(_ORIGINAL["stat"](path)) or ["unsettled"]
        if kind == "lstat":
            return _stat_answer(_ORIGINAL["lstat"](path)) or ["unsettled"]
        if kind == "listdir":
            return _names_answer(_ORIGINAL["listdir"](path))
        if kind == "scandir":
            return _listing(path)[0]
    except OSError as exc:
        return _error(exc)
    return ["?"]


class Recorder:
    """The reads a block of code makes (see :func:`recording`): ``reads`` maps (kind, path) to the
    first answer; ``stable`` turns False when an answer cannot be trusted later or a read answered
    twice differently."""

    def __init__(self, ignored: Sequence[str]):
        self.reads: Dict[Tuple[str, str], list] = {}
        self.listed: Dict[str, Dict[str, str]] = {}  # a directory listed -> its entries' kinds
        self.stable = True
        self.inside = 0  # within an ``os.path`` question: its own reads are not noted
        self.ignored = tuple(os.path.join(os.path.abspath(p), "") for p in ignored)
        # a file is settled when its times are this far before the recording started: one changed
        # during the recording is not (``cache.settled``)
        self.now = time.time_ns()

    def note(self, kind: str, path, answer: Optional[list]) -> None:
        if isinstance(path, int) or self.inside:
            return  # an open file descriptor (its path was noted when it was opened), or a question's
        if type(path) is str:
            text = path
        else:
            try:
                text = os.fsdecode(path)
            except (TypeError, ValueError):
                self.stable = False
                return
        full = text if text[:1] == os.sep and os.sep + "." not in text else os.path.abspath(text)
        if self.ignored and (full + os.sep).startswith(self.ignored):
            return
        if answer is None:
            self.stable = False
            return
        known = self.reads.setdefault((kind, text), answer)
        if known is not answer and known != answer:
            self.stable = False

    @contextlib.contextmanager
    def paused(self):
        """Within: nothing is noted."""
        self.inside += 1
        try:
            yield
        finally:
            self.inside -= 1

    def rows(self) -> List[list]:
        """The reads, less the questions a listing among them answers (:func:`still_valid` takes
        those answers from the listing when it lists as it did)."""
        listed = {path: kinds for path, kinds in self.listed.items()
                  if self.reads.get(("scandir", path)) == _kinds_answer(kinds)
                  and os.access(path, os.X_OK)}
        return [[kind, path, answer] for (kind, path), answer in self.reads.items()
                if kind == "realpath" or _implied(kind, path, listed, {}) != answer]


@contextlib.contextmanager
def recording(ignored: Sequence[str] = ()):
    """Within: every ``os.stat``, ``os.lstat``, ``os.listdir``, ``os.scandir``, ``os.open`` and
    ``open`` (``io.open``, ``pathlib``'s too) of this process is noted in the :class:`Recorder`
    yielded (``os.walk``, ``Path.is_file``... go through them), and so are the answers of
    ``os.path.isfile``, ``isdir``, ``exists``, ``islink`` and ``realpath`` (not the reads they
    make). Paths under ``ignored`` (the cache directory) are not noted. Restored on the way out."""
    rec = Recorder(ignored)
    original = _ORIGINAL

    def stat_(path, *args, **kwargs):
        if rec.inside:
            return original["stat"](path, *args, **kwargs)
        kind = "lstat" if kwargs.get("follow_symlinks") is False else "stat"
        try:
            st = original["stat"](path, *args, **kwargs)
        except OSError as exc:
            rec.note(kind, path, _error(exc))
            raise
        rec.note(kind, path, _stat_answer(st, rec.now))
        return st

    def lstat_(path, *args, **kwargs):
        if rec.inside:
            return original["lstat"](path, *args, **kwargs)
        try:
            st = original["lstat"](path, *args, **kwargs)
        except OSError as exc:
            rec.note("lstat", path, _error(exc))
            raise
        rec.note("lstat", path, _stat_answer(st, rec.now))
        return st

    def listdir_(path=".", *args, **kwargs):
        try:
            names = original["listdir"](path, *args, **kwargs)
        except OSError as exc:
            rec.note("listdir", path, _error(exc))
            raise
        rec.note("listdir", path, _names_answer(os.fsdecode(n) for n in names))
        return names

    def scandir_(path=".", *args, **kwargs):
        if rec.inside:
            return original["scandir"](path, *args, **kwargs)
        try:
            with original["scandir"](path, *args, **kwargs) as it:
                entries = list(it)
        except OSError as exc:
            rec.note("scandir", path, _error(exc))
            raise
        kinds = {e.name: _flags(e) for e in entries}
        rec.listed.setdefault(os.fsdecode(path), kinds)
        rec.note("scandir", path, _kinds_answer(kinds))
        return _Listing(entries)

    def opened(path):
        if isinstance(path, int) or rec.inside:
            return
        try:
            rec.note("stat", path, _stat_answer(original["stat"](path), rec.now))
        except OSError as exc:
            rec.note("stat", path, _error(exc))
        except (TypeError, ValueError):
            rec.stable = False

    def open_(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            return original["open"](file, mode, *args, **kwargs)
        opened(file)
        return original["open"](file, mode, *args, **kwargs)

    def os_open_(path, flags, *args, **kwargs):
        if not flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            opened(path)
        return original["os_open"](path, flags, *args, **kwargs)

    def question(name):
        fn = _PATH_QUESTIONS[name]

        def ask(path, *args, **kwargs):
            if rec.inside:
                return fn(path, *args, **kwargs)
            if args or (kwargs and (len(kwargs) > 1 or "strict" not in kwargs)):
                rec.stable = False  # not a form :func:`_answer` asks again
                return fn(path, *args, **kwargs)
            kind = name + "!" if kwargs and kwargs["strict"] else name  # Path.resolve: realpath(strict=...)
            rec.inside += 1
            try:
                answer = fn(path, **kwargs)
            except OSError as exc:
                rec.inside -= 1
                rec.note(kind, path, _error(exc))
                raise
            rec.inside -= 1
            rec.note(kind, path, ["a", answer])
            return answer

        return ask

    patches = {(os.path, name): question(name) for name in _PATH_QUESTIONS}
    patches.update({(os, "stat"): stat_, (os, "lstat"): lstat_, (os, "listdir"): listdir_, (os, "scandir"): scandir_,
               (os, "open"): os_open_, (io, "open"): open_, (builtins, "open"): open_})
    saved = {target: getattr(*target) for target in patches}
    for (module, name), fn in patches.items():
        setattr(module, name, fn)
    try:
        yield rec
    finally:
        for (module, name), fn in saved.items():
            setattr(module, name, fn)


def still_valid(rows) -> bool:
    """Whether every recorded read (:meth:`Recorder.rows`) answers as it did.

    Each is asked again, except what a directory's listing, asked again first, already answers:
    whether an entry of a directory that lists as it did (and may be searched) is a link, a file, a
    directory or there at all; and a link-free path's ``realpath`` (itself when no directory on
    the way is a link: each asked once)."""
    try:
        listed: Dict[str, Dict[str, str]] = {}
        for kind, path, answer in rows:
            if kind == "scandir":
                now, kinds = _listing(path)
                if now != answer:
                    return False
                if kinds is not None:
                    if not os.access(path, os.X_OK):
                        return False  # the questions its listing answered were not kept
                    listed[path] = kinds
        links: Dict[str, bool] = {}
        for kind, path, answer in rows:
            if kind == "scandir":
                continue
            implied = _implied(kind, path, listed, links)
            if (implied if implied is not None else _answer(kind, path)) != answer:
                return False
        return True
    except Exception:  # a malformed row: not valid
        return False


def _implied(kind: str, path: str, listed: Dict[str, Dict[str, str]], links: Dict[str, bool]) -> Optional[list]:
    """The answer of an ``os.path`` question that the listings (or the links memo) give, else None."""
    if kind == "realpath":
        if path != os.path.abspath(path):  # relative, or with "..": asked as it is
            return None
        return ["a", path] if not any(_is_link(p, links) for p in _prefixes(path)) else None
    if kind not in ("islink", "isfile", "isdir", "exists"):
        return None
    parent, name = os.path.split(path)
    kinds = listed.get(parent)
    if kinds is None or not name:
        return None
    found = kinds.get(name)
    if found is None:  # not there: no link, no file, nothing
        return ["a", False]
    if found == "?" or (found.endswith("l") and kind == "exists"):
        return None  # a dangling link exists for islink, not for exists: asked again
    return ["a", {"islink": found.endswith("l"), "isfile": found[0] == "f", "isdir": found[0] == "d",
                  "exists": True}[kind]]


def _prefixes(path: str) -> List[str]:
    out = []
    while True:
        head = os.path.dirname(path)
        if head == path:
            return out
        out.append(path)
        path = head


def _is_link(path: str, memo: Dict[str, bool]) -> bool:
    found = memo.get(path)
    if found is None:
        try:
            found = stat.S_ISLNK(_ORIGINAL["lstat"](path).st_mode)
        except OSError:
            found = False  # as realpath takes it
        memo[path] = found
    return found


def fold_stats(rows: List[list], indexes: Dict[str, int], files: List[list]) -> Tuple[List[list], List[int]]:
    """``rows`` less each ``stat`` of a linted file (``indexes``: path -> its index in ``files``,
    whose rows start with its stat when its result was computed) that answered that same stat, and
    the indexes of those files: a later run checks their stats with every file's."""
    kept, folded = [], set()
    for row in rows:
        i = indexes.get(row[1]) if row[0] == "stat" else None
        if i is not None and files[i][0] is not None and row[2] == ["f", *files[i][:4]]:
            folded.add(i)
        else:
            kept.append(row)
    return kept, sorted(folded)


# --------------------------------------------------------------------------- the stored report
def run_to_data(run) -> Optional[dict]:
    """``runner.RunResult`` as plain data; None when a finding would not come back equal (a field
    the JSON form does not hold)."""
    from .output.json import finding_from_dict, finding_to_dict

    findings = [finding_to_dict(f) for f in run.findings]
    if any(finding_from_dict(d) != f for d, f in zip(findings, run.findings)) or run.problems:
        return None
    return {"findings": findings,
            "internal_errors": [[e.path, e.rule, e.message] for e in run.internal_errors],
            "files_checked": run.files_checked, "files_skipped": run.files_skipped,
            "file_results": run.file_results, "fixable_paths": run.fixable_paths,
            "notices": [list(n) for n in run.notices]}


def run_from_data(data: dict):
    """The inverse of :func:`run_to_data`; raises on a malformed entry."""
    from .output.json import finding_from_dict
    from .runner import RunResult

    def need(ok: bool) -> None:
        if not ok:
            raise ValueError("malformed project-pass entry")

    need(isinstance(data.get("findings"), list) and isinstance(data.get("file_results"), dict)
         and isinstance(data.get("fixable_paths"), dict) and isinstance(data.get("notices"), list)
         and isinstance(data.get("internal_errors"), list))
    need(all(isinstance(k, str) and isinstance(v, str) for k, v in data["file_results"].items()))
    need(all(isinstance(k, str) and isinstance(v, str) for k, v in data["fixable_paths"].items()))
    need(all(isinstance(n, list) and len(n) == 3 and isinstance(n[0], str) and type(n[1]) is int
             and isinstance(n[2], str) for n in data["notices"]))
    need(all(isinstance(e, list) and len(e) == 3 and all(isinstance(x, str) for x in e)
             for e in data["internal_errors"]))
    need(type(data.get("files_checked")) is int and type(data.get("files_skipped")) is int)
    return RunResult(findings=[finding_from_dict(d) for d in data["findings"]],
                     internal_errors=[InternalError(*e) for e in data["internal_errors"]],
                     files_checked=data["files_checked"], files_skipped=data["files_skipped"],
                     file_results=dict(data["file_results"]), fixable_paths=dict(data["fixable_paths"]),
                     notices=[tuple(n) for n in data["notices"]])
