"""Reading and writing Python source files, exactly and safely.

Reading never blocks and never guesses: a path is ``stat``-ed before it is opened, so a named pipe
or a device is refused instead of hanging the run; the bytes are decoded the way Python itself
decodes source (UTF-8 byte-order mark, PEP 263 coding declaration on line 1 or 2, else UTF-8), and
the newlines are kept as they are, so positions in the text and rewrites of it are exact.

Every refusal is a :class:`SourceError` whose ``code`` is the CTX0xx code the linter reports and
whose ``message`` says why, without the path (the caller puts the path in front).

Writing (:func:`write_atomic`) re-encodes with the file's own encoding and byte-order mark,
refuses files the user may not write and files that changed since they were read, replaces the
file atomically, keeps its mode and owner, and puts back an edit that raced the rename.
"""
from __future__ import annotations

import codecs
import errno
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

UNDECODABLE = "CTX002"
UNREADABLE = "CTX003"
TOO_LARGE = "CTX004"

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

_UTF8_BOM = codecs.BOM_UTF8
# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
# The same expressions as the standard library's tokenize module (PEP 263).
_COOKIE_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.ASCII)
_BLANK_RE = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)", re.ASCII)
_LINE_RE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?")


class SourceError(Exception):
    """A file that cannot be linted: ``code`` is CTX002 (undecodable), CTX003 (unreadable) or
    CTX004 (too large); ``message`` says why, without the path."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)  # both in args, so the error pickles across processes
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class SourceFile:
    path: Path
    data: bytes
    text: str
    encoding: str
    bom: bool
    newline: str


# --- reading ---------------------------------------------------------------------------------


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceFile:
    """Read and decode one Python file; raise :class:`SourceError` when it cannot be linted."""
    data = read_bytes(path, max_bytes)
    text, encoding, bom = decode_source(data)
    return SourceFile(Path(path), data, text, encoding, bom, newline_style(text))


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a regular file, refusing anything else *before* opening it.

    The file is opened non-blocking and checked again after opening, so a file swapped for a
    named pipe between the two steps cannot hang the run either.
    """
    st = _stat(path)
    _require_regular(st.st_mode)
    _require_size(st.st_size, max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise SourceError(UNREADABLE, _os_reason(exc, path)) from None
    try:
        st = os.fstat(fd)
        _require_regular(st.st_mode)
        _require_size(st.st_size, max_bytes)
        data = _read_at_most(fd, max_bytes + 1, st.st_size)
    except OSError as exc:
        raise SourceError(UNREADABLE, _os_reason(exc, path)) from None
    finally:
        os.close(fd)
    _require_size(len(data), max_bytes)  # it grew after the stat
    return data


def _read_at_most(fd: int, limit: int, expected: int) -> bytes:
    """Up to ``limit`` bytes, in reads sized by the file (``read(n)`` allocates ``n`` bytes up
    front: with a huge ``max-file-size`` a single read would overflow or exhaust memory)."""
    parts = []
    while limit > 0:
        part = os.read(fd, min(limit, max(expected + 1, 1 << 16)))
        if not part:
            break
        parts.append(part)
        limit -= len(part)
    return b"".join(parts)


def _stat(path: Path) -> os.stat_result:
    try:
        return os.stat(path)
    except OSError as exc:
        raise SourceError(UNREADABLE, _os_reason(exc, path)) from None


def _os_reason(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return "broken symbolic link"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, NotADirectoryError):
        return "a parent of the path is not a directory"
    return f"cannot read: {exc.strerror or exc}"


_NOT_REGULAR = (
    (stat.S_ISDIR, "is a directory"),
    (stat.S_ISFIFO, "is a named pipe, not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
    (stat.S_ISCHR, "is a character device, not a regular file"),
    (stat.S_ISBLK, "is a block device, not a regular file"),
)


def _require_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    for test, reason in _NOT_REGULAR:
        if test(mode):
            raise SourceError(UNREADABLE, reason)
    raise SourceError(UNREADABLE, "is not a regular file")


def _require_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise SourceError(
            TOO_LARGE,
            f"file is {_human_size(size)}, over the {_human_size(max_bytes)} limit (max-file-size)",
        )


def _human_size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


# --- decoding --------------------------------------------------------------------------------


def decode_source(data: bytes) -> Tuple[str, str, bool]:
    """Decode source bytes as Python does: return (text, encoding, had_utf8_bom).

    The text excludes the byte-order mark and keeps every newline as it is in the file.
    """
    for mark, name in _WIDE_BOMS:
        if data.startswith(mark):
            raise SourceError(
                UNDECODABLE,
                f"starts with a {name} byte-order mark; Python source cannot be {name} "
                "(re-save the file as UTF-8)",
            )
    nul = data.find(b"\0")
    if nul >= 0:
        raise SourceError(UNDECODABLE, f"source contains null bytes (first at byte {nul})")
    bom = data.startswith(_UTF8_BOM)
    body = data[len(_UTF8_BOM):] if bom else data
    encoding, origin = _declared_encoding(body, bom)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(_UTF8_BOM) if bom else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise SourceError(
            UNDECODABLE,
            f"cannot decode as {encoding} ({origin}): {exc.reason} at byte {offset} (line {line})",
        ) from None
    except LookupError as exc:  # a codec that is not a text encoding, e.g. rot13
        raise SourceError(UNDECODABLE, f"cannot decode ({origin}): {exc}") from None
    return text, encoding, bom


def _declared_encoding(body: bytes, bom: bool) -> Tuple[str, str]:
    """The encoding (normalised as tokenize does) and a phrase saying where it came from."""
    default = ("utf-8", "the byte-order mark" if bom else "the default for Python source")
    pos = 0
    for number in (1, 2):
        match = _LINE_RE.match(body, pos)
        line = match.group(0) if match else b""
        if not line:
            return default
        pos = match.end()
        cookie = _COOKIE_RE.match(line)
        if cookie:
            return _check_coding(cookie.group(1).decode("ascii"), number, bom)
        if not _BLANK_RE.match(line):
            return default
    return default


def _check_coding(declared: str, line: int, bom: bool) -> Tuple[str, str]:
    where = f"the coding declared on line {line}"
    name = _normal_name(declared)
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise SourceError(
            UNDECODABLE, f"unknown coding '{declared}' declared on line {line}"
        ) from None
    if info.name.startswith(("utf-16", "utf-32")):
        raise SourceError(
            UNDECODABLE,
            f"declares coding '{declared}' on line {line}; Python source cannot be UTF-16 or "
            "UTF-32 (re-save the file as UTF-8)",
        )
    if bom and name != "utf-8":
        raise SourceError(
            UNDECODABLE,
            f"has a UTF-8 byte-order mark but declares coding '{declared}' on line {line}",
        )
    return name, where


def _normal_name(orig: str) -> str:
    """The same normalisation as ``tokenize._get_normal_name``."""
    enc = orig[:12].lower().replace("_", "-")
    if enc == "utf-8" or enc.startswith("utf-8-"):
        return "utf-8"
    if enc in ("latin-1", "iso-8859-1", "iso-latin-1") or enc.startswith(
        ("latin-1-", "iso-8859-1-", "iso-latin-1-")
    ):
        return "iso-8859-1"
    return orig


def newline_style(text: str) -> str:
    """The dominant newline of ``text``: "\\n", "\\r\\n" or "\\r" ("\\n" when there is none)."""
    if "\r" not in text:
        return "\n"
    crlf = text.count("\r\n")
    lone_cr = text.count("\r") - crlf
    lone_lf = text.count("\n") - crlf
    best = max(lone_lf, crlf, lone_cr)
    if best == 0 or lone_lf == best:
        return "\n"
    return "\r\n" if crlf == best else "\r"


# --- writing ---------------------------------------------------------------------------------


def encode_source(text: str, encoding: str, bom: bool) -> bytes:
    if codecs.lookup(encoding).name == "utf-8-sig":
        encoding, bom = "utf-8", True
    data = text.encode(encoding)
    return _UTF8_BOM + data if bom else data


# Temporary files of a write: ``.<name>.propagation-lint.<pid>.<random>.tmp`` beside the file, so
# a run killed outright (SIGKILL, a power cut) leaves names the next ``--fix`` run can recognise
# and sweep (:func:`sweep_temporaries`).
_TEMP_RE = re.compile(r"^\..+\.propagation-lint\.(\d+)\.[^./]+\.tmp$", re.S)
STALE_AFTER = 3600.0


def write_atomic(path: Path, new_text: str, original: SourceFile) -> None:
    """Replace ``path`` with ``new_text``, encoded as ``original`` was.

    Refused (``SourceError``) when the user may not write the file, or when its bytes are no
    longer ``original.data``. The new content goes to a temporary file in the same directory,
    gets the original's permission bits and owner and is fsync-ed first; only then is the file
    compared with what was read and, at once, renamed over (a symbolic link is written through,
    not replaced). The comparison reads the file through a descriptor that is kept: after the
    rename, that old file is read again, and an edit that landed in it meanwhile is put back (the
    user's version wins and the file counts as not written). The temporary file never outlives
    an error.
    """
    try:
        data = encode_source(new_text, original.encoding, original.bom)
    except UnicodeEncodeError as exc:
        raise SourceError(
            UNDECODABLE,
            f"the new text cannot be encoded as {original.encoding}: {exc.reason} "
            f"({new_text[exc.start:exc.end]!r}); not written",
        ) from None
    target = os.path.realpath(path)
    st = _stat(target)
    if not os.access(target, os.W_OK):
        raise SourceError(UNREADABLE, "read-only for this user; not written")
    directory, name = os.path.split(target)
    tmp = _write_temporary(directory, name, data, st)
    try:
        old = _open_unchanged(target, original.data)
        try:
            os.replace(tmp, target)
            tmp = None
            late = _read_all(old)
        finally:
            os.close(old)
        if late != original.data:  # written into the old file between the check and the rename
            tmp = _write_temporary(directory, name, late, st)
            os.replace(tmp, target)
            tmp = None
            raise SourceError(UNREADABLE, "changed on disk while it was being written; the edited version "
                                          "was kept; not written")
    except OSError as exc:
        raise SourceError(UNREADABLE, f"cannot write: {_os_reason(exc, Path(target))}") from None
    finally:
        discard(tmp)
    _fsync_directory(directory)


def _write_temporary(directory: str, name: str, data: bytes, st: os.stat_result) -> str:
    """A synced temporary file holding ``data``, with ``st``'s permission bits and owner."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.propagation-lint.{os.getpid()}.", suffix=".tmp",
                                   dir=directory)
    except OSError as exc:
        raise SourceError(UNREADABLE, f"cannot write: {_os_reason(exc, Path(directory))}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        _keep_owner(tmp, st)
    except BaseException as exc:
        discard(tmp)
        if isinstance(exc, OSError):
            raise SourceError(UNREADABLE, f"cannot write: {_os_reason(exc, Path(tmp))}") from None
        raise
    return tmp


def _open_unchanged(target: str, expected: bytes) -> int:
    """A descriptor on ``target`` after checking that it still holds ``expected`` and that the
    name still points to that very file (the caller renames right after)."""
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise SourceError(UNREADABLE, f"{_os_reason(exc, Path(target))}; not written") from None
    try:
        st = os.fstat(fd)
        # longer than the original means changed: no need to read more than that
        same = stat.S_ISREG(st.st_mode) and _read_at_most(fd, len(expected) + 1, len(expected)) == expected
        now = os.stat(target)
        if not same or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise SourceError(UNREADABLE, "changed on disk since it was read; not written")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    parts = []
    while True:
        part = os.read(fd, 1 << 20)
        if not part:
            return b"".join(parts)
        parts.append(part)


def discard(path) -> None:
    """Remove ``path`` if it is given and still there; never raises."""
    if path is None:
        return
    try:
        os.unlink(path)
    except OSError:
        pass


def replace_with(target: Path, data: bytes, prefix: str = ".", user_file: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it over ``target``
    (for the linter's own files: the cache's entries, a baseline). Raises ``OSError``; the
    temporary file never outlives it. A ``user_file`` (a baseline) gets the permission bits of
    the file it replaces, or those of a new file (0666 less the umask: 0644 usually), not
    the temporary file's 0600."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=str(Path(target).parent), prefix=prefix, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if user_file:
                os.fchmod(handle.fileno(), _new_file_mode(target))
        os.replace(tmp, target)
        tmp = None
    finally:
        discard(tmp)


def _new_file_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def sweep_temporaries(directories) -> None:
    """Remove this linter's temporary files left in ``directories`` by a run that was killed
    outright: regular files of the user, named as :func:`write_atomic` names them, whose process
    is gone (or that are older than an hour)."""
    import time

    for directory in sorted(set(directories)):
        try:
            names = [n for n in os.listdir(directory) if n.endswith(".tmp") and ".propagation-lint." in n]
        except OSError:
            continue
        for name in names:
            match = _TEMP_RE.match(name)
            path = os.path.join(directory, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if match is None or not stat.S_ISREG(st.st_mode):
                continue
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                continue
            pid = int(match.group(1))
            if pid != os.getpid() and (not _alive(pid) or time.time() - st.st_mtime > STALE_AFTER):
                discard(path)


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # only the age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return True


def _keep_owner(tmp: str, st: os.stat_result) -> None:
    chown = getattr(os, "chown", None)
    if chown is None or (st.st_uid, st.st_gid) == (os.getuid(), os.getgid()):
        return
    try:
        chown(tmp, st.st_uid, st.st_gid)
    except OSError:  # replacing the file would give it to this user: refuse instead
        raise SourceError(UNREADABLE, "owned by another user (or group) whose ownership a rewrite cannot "
                                      "keep; not written") from None


def _fsync_directory(directory: str) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
