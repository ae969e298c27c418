"""Reading and writing Python source files, exactly and safely.

Reading never blocks and never guesses: a path is ``stat``-ed before it is opened, so a named pipe
or a device is refused instead of hanging the run; the bytes are decoded the way Python itself
decodes source (UTF-8 byte-order mark, PEP 263 coding declaration on line 1 or 2, else UTF-8), and
the newlines are kept as they are, so positions in the text and rewrites of it are exact.

Every refusal is a :class:`SourceError` whose ``code`` is the CTX0xx code the linter reports and
whose ``message`` says why, without the path (the caller puts the path in front).

Writing (:func:`write_atomic`) re-encodes with the file's own encoding and byte-order mark,
refuses when the file changed since it was read, and replaces the file atomically.
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


def write_atomic(path: Path, new_text: str, original: SourceFile) -> None:
    """Replace ``path`` with ``new_text``, encoded as ``original`` was.

    Refused (``SourceError``) when the file's bytes are no longer ``original.data``. The new
    content goes to a temporary file in the same directory, gets the original's permission bits,
    is fsync-ed and then renamed over the file; a symbolic link is written through, not replaced.
    The temporary file never outlives an error.
    """
    try:
        data = encode_source(new_text, original.encoding, original.bom)
    except UnicodeEncodeError as exc:
        raise SourceError(
            UNDECODABLE,
            f"the new text cannot be encoded as {original.encoding}: {exc.reason} "
            f"({new_text[exc.start:exc.end]!r}); not written",
        ) from None
    try:
        # Longer than the original means changed: no need to read more than that.
        current = read_bytes(path, len(original.data))
    except SourceError as exc:
        if exc.code != TOO_LARGE:
            raise SourceError(UNREADABLE, f"{exc.message}; not written") from None
        current = None
    if current != original.data:
        raise SourceError(UNREADABLE, "changed on disk since it was read; not written")

    target = os.path.realpath(path)
    st = _stat(target)
    directory, name = os.path.split(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise SourceError(UNREADABLE, f"cannot write: {_os_reason(exc, Path(directory))}") from None
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            _keep_owner(tmp, st)
            os.replace(tmp, target)
        except OSError as exc:
            raise SourceError(UNREADABLE, f"cannot write: {_os_reason(exc, Path(tmp))}") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _keep_owner(tmp: str, st: os.stat_result) -> None:
    chown = getattr(os, "chown", None)
    if chown is None or (st.st_uid, st.st_gid) == (os.getuid(), os.getgid()):
        return
    try:
        chown(tmp, st.st_uid, st.st_gid)
    except OSError:
        pass  # only possible for root; an owner change is better than no fix


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
