from __future__ import annotations

import os
import stat

import pytest

from propagation_lint.source import (
    SourceError,
    decode_source,
    encode_source,
    newline_style,
    read_source,
    write_atomic,
)


def _refused(path, code, **kwargs) -> str:
    with pytest.raises(SourceError) as info:
        read_source(path, **kwargs)
    assert info.value.code == code
    return info.value.message


def test_latin1_file_with_coding_line_decodes(tmp_path):
    path = tmp_path / "legacy.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n")
    source = read_source(path)
    assert source.text == "# -*- coding: latin-1 -*-\nname = '\u00e9t\u00e9'\n"
    assert source.encoding == "iso-8859-1"
    assert not source.bom


def test_coding_declared_on_line_two_after_shebang():
    text, encoding, _ = decode_source(b"#!/usr/bin/env python\n# coding: cp1252\nx = '\x80'\n")
    assert encoding == "cp1252" and text.endswith("x = '\u20ac'\n")


def test_coding_on_line_two_ignored_when_line_one_is_code():
    # As in Python: only a blank or comment line 1 lets line 2 declare the coding.
    with pytest.raises(SourceError) as info:
        decode_source(b"x = 1\n# coding: latin-1\ny = '\xe9'\n")
    assert "cannot decode as utf-8 (the default for Python source)" in info.value.message
    assert "invalid continuation byte at byte 29 (line 3)" in info.value.message


def test_undecodable_bytes_name_the_coding_and_the_byte():
    with pytest.raises(SourceError) as info:
        decode_source(b"# coding: ascii\nx = '\xff'\n")
    assert info.value.code == "CTX002"
    assert info.value.message == (
        "cannot decode as ascii (the coding declared on line 1): "
        "ordinal not in range(128) at byte 21 (line 2)"
    )


def test_unknown_coding_is_named():
    with pytest.raises(SourceError) as info:
        decode_source(b"# coding: klingon\nx = 1\n")
    assert info.value.code == "CTX002"
    assert "unknown coding 'klingon' declared on line 1" == info.value.message


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"])
def test_utf16_or_utf32_bom_is_refused(tmp_path, bom):
    path = tmp_path / "wide.py"
    path.write_bytes(bom + "x = 1\n".encode("utf-16-le"))
    message = _refused(path, "CTX002")
    assert "Python source cannot be UTF-" in message and "re-save" in message


def test_null_bytes_are_refused():
    with pytest.raises(SourceError) as info:
        decode_source(b"x = 1\n\0\n")
    assert info.value.code == "CTX002"
    assert info.value.message.startswith("source contains null bytes")


def test_bom_with_conflicting_coding_is_refused():
    with pytest.raises(SourceError) as info:
        decode_source(b"\xef\xbb\xbf# coding: latin-1\n")
    assert "byte-order mark but declares coding 'latin-1'" in info.value.message


def test_newlines_are_kept_and_style_detected():
    text, _, _ = decode_source(b"a = 1\r\nb = 2\r\n")
    assert text == "a = 1\r\nb = 2\r\n"
    assert newline_style(text) == "\r\n"
    assert newline_style("a\rb\r") == "\r"
    assert newline_style("a\nb\r\nc\n") == "\n"
    assert newline_style("no newline") == "\n"


def test_utf8_bom_and_crlf_kept_on_write(tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\r\ny = '\xc3\xa9'\r\n")
    source = read_source(path)
    assert source.bom and source.encoding == "utf-8" and source.newline == "\r\n"
    assert source.text.startswith("x = 1")
    write_atomic(path, source.text.replace("x = 1", "x = 2"), source)
    assert path.read_bytes() == b"\xef\xbb\xbfx = 2\r\ny = '\xc3\xa9'\r\n"


def test_latin1_round_trip_on_write(tmp_path):
    path = tmp_path / "legacy.py"
    path.write_bytes(b"# coding: latin-1\nx = '\xe9'\n")
    source = read_source(path)
    write_atomic(path, source.text + "y = '\u00e8'\n", source)
    assert path.read_bytes() == b"# coding: latin-1\nx = '\xe9'\ny = '\xe8'\n"
    assert encode_source("\u00e9", "iso-8859-1", False) == b"\xe9"


def test_text_not_encodable_in_the_files_coding_is_refused(tmp_path):
    path = tmp_path / "legacy.py"
    path.write_bytes(b"# coding: latin-1\nx = 1\n")
    source = read_source(path)
    with pytest.raises(SourceError) as info:
        write_atomic(path, source.text + "y = '\u20ac'\n", source)
    assert "cannot be encoded as iso-8859-1" in info.value.message
    assert path.read_bytes() == source.data


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    path = tmp_path / "pipe.py"
    os.mkfifo(path)
    assert _refused(path, "CTX003") == "is a named pipe, not a regular file"


def test_directory_named_like_a_source_file(tmp_path):
    path = tmp_path / "x.py"
    path.mkdir()
    assert _refused(path, "CTX003") == "is a directory"


def test_broken_symlink_and_missing_file(tmp_path):
    link = tmp_path / "gone.py"
    link.symlink_to(tmp_path / "nowhere.py")
    assert _refused(link, "CTX003") == "broken symbolic link"
    assert _refused(tmp_path / "absent.py", "CTX003") == "no such file"


def test_permission_denied(tmp_path):
    path = tmp_path / "secret.py"
    path.write_text("x = 1\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running with privileges that read any file")
        assert _refused(path, "CTX003") == "permission denied"
    finally:
        path.chmod(0o600)


def test_too_large_file(tmp_path):
    path = tmp_path / "big.py"
    path.write_bytes(b"#" * 2048 + b"\n")
    assert _refused(path, "CTX004", max_bytes=1024) == (
        "file is 2.0 KB, over the 1 KB limit (max-file-size)"
    )
    big = tmp_path / "huge.py"
    with open(big, "wb") as handle:
        handle.truncate(12_900_000)  # sparse: the size check comes before reading
    assert _refused(big, "CTX004") == "file is 12.3 MB, over the 10 MB limit (max-file-size)"


def test_write_atomic_keeps_mode_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "tool.py"
    path.write_text("x = 1\n")
    path.chmod(0o751)
    source = read_source(path)
    write_atomic(path, "x = 2\n", source)
    assert path.read_text() == "x = 2\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tool.py"]


def test_write_atomic_refuses_when_the_file_changed(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    source = read_source(path)
    path.write_text("x = 1\n# edited meanwhile\n")
    with pytest.raises(SourceError) as info:
        write_atomic(path, "x = 2\n", source)
    assert info.value.code == "CTX003"
    assert info.value.message == "changed on disk since it was read; not written"
    assert path.read_text() == "x = 1\n# edited meanwhile\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_write_atomic_writes_through_a_symlink(tmp_path):
    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    write_atomic(link, "x = 2\n", read_source(link))
    assert link.is_symlink() and real.read_text() == "x = 2\n"


def test_source_error_survives_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(SourceError("CTX003", "permission denied")))
    assert (error.code, error.message, str(error)) == ("CTX003", "permission denied", "permission denied")
