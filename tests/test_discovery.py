from __future__ import annotations

import os

import pytest

from propagation_lint.discovery import DEFAULT_EXCLUDES, discover
from propagation_lint.source import SourceError, read_source


def _tree(root, *files):
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def _found(tmp_path, *paths, **kwargs):
    """Run discover from inside tmp_path and return the files as posix strings."""
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = discover(list(paths) or ["."], **kwargs)
    finally:
        os.chdir(old)
    return [p.as_posix() for p in result.files], result


def test_collects_python_files_sorted_and_relative_as_given(tmp_path):
    _tree(tmp_path, "b.py", "a.py", "pkg/__init__.py", "pkg/mod.py", "notes.txt", "stub.pyi")
    files, result = _found(tmp_path, ".")
    assert files == ["a.py", "b.py", "pkg/__init__.py", "pkg/mod.py"]
    assert result.problems == [] and result.missing == []
    files, _ = _found(tmp_path, "pkg")
    assert files == ["pkg/__init__.py", "pkg/mod.py"]


def test_default_excludes_prune_directories(tmp_path):
    _tree(tmp_path, "app.py", ".venv/lib/x.py", "build/gen.py", "src/build/gen.py",
          "node_modules/a/b.py", "pkg.egg-info/c.py", "__pycache__/d.py", ".git/hooks/e.py")
    assert _found(tmp_path)[0] == ["app.py"]
    assert "build" in DEFAULT_EXCLUDES


def test_exclude_replaces_and_extend_exclude_adds(tmp_path):
    _tree(tmp_path, "app.py", "build/gen.py", "legacy/old.py", "src/legacy/old.py")
    assert _found(tmp_path, exclude=[])[0] == ["app.py", "build/gen.py", "legacy/old.py",
                                                "src/legacy/old.py"]
    assert _found(tmp_path, extend_exclude=["/legacy"])[0] == ["app.py", "src/legacy/old.py"]
    assert _found(tmp_path, extend_exclude=["legacy/"])[0] == ["app.py"]
    assert _found(tmp_path, extend_exclude=["*.py", "!app.py"])[0] == ["app.py"]


def test_gitignore_honoured_at_every_level(tmp_path):
    _tree(tmp_path, "keep.py", "gen_a.py", "sub/gen_b.py", "sub/keep.py", "sub/local.py",
          "sub/deep/local.py", "other/local.py")
    (tmp_path / ".gitignore").write_text("gen_*.py\n")
    (tmp_path / "sub" / ".gitignore").write_text("local.py\n!deep/local.py\n")
    files, _ = _found(tmp_path)
    assert files == ["keep.py", "other/local.py", "sub/deep/local.py", "sub/keep.py"]
    files, _ = _found(tmp_path, respect_gitignore=False)
    assert len(files) == 7


def test_parent_gitignore_and_info_exclude_apply_to_a_subdirectory(tmp_path):
    _tree(tmp_path, "repo/pkg/a.py", "repo/pkg/gen.py", "repo/pkg/tmp_x.py")
    (tmp_path / "repo" / ".git" / "info").mkdir(parents=True)
    (tmp_path / "repo" / ".git" / "info" / "exclude").write_text("tmp_*\n")
    (tmp_path / "repo" / ".gitignore").write_text("pkg/gen.py\n")
    files, _ = _found(tmp_path / "repo" / "pkg", ".")
    assert files == ["a.py"]


def test_explicit_file_linted_unless_force_exclude(tmp_path):
    _tree(tmp_path, "build/gen.py", "ignored.py", "app.py")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    files, _ = _found(tmp_path, "build/gen.py", "ignored.py", "app.py")
    assert files == ["app.py", "build/gen.py", "ignored.py"]
    files, _ = _found(tmp_path, "build/gen.py", "ignored.py", "app.py", force_exclude=True)
    assert files == ["app.py"]


def test_explicit_directory_walked_even_if_its_name_is_excluded(tmp_path):
    _tree(tmp_path, "build/gen.py", "build/__pycache__/c.py", "build/sub/more.py")
    files, _ = _found(tmp_path, "build")
    assert files == ["build/gen.py", "build/sub/more.py"]
    assert _found(tmp_path, "build", force_exclude=True)[0] == []


def test_missing_paths_reported(tmp_path):
    _tree(tmp_path, "a.py")
    files, result = _found(tmp_path, "a.py", "nope.py", "nodir")
    assert files == ["a.py"] and result.missing == ["nope.py", "nodir"]


def test_file_reached_twice_is_listed_once(tmp_path):
    _tree(tmp_path, "pkg/a.py")
    (tmp_path / "alias").symlink_to(tmp_path / "pkg")
    files, result = _found(tmp_path, ".", "pkg/a.py", "./pkg")
    assert files == ["pkg/a.py"] and result.problems == []


def test_symlinked_directory_followed(tmp_path):
    _tree(tmp_path, "outside/lib.py", "proj/app.py")
    (tmp_path / "proj" / "vendored").symlink_to(tmp_path / "outside")
    files, _ = _found(tmp_path / "proj")
    assert files == ["app.py", "vendored/lib.py"]


def test_symlink_loop_terminates_with_a_problem(tmp_path):
    _tree(tmp_path, "a/b/c.py")
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path / "a")
    (tmp_path / "self").symlink_to(tmp_path / "self")
    files, result = _found(tmp_path)
    assert files == ["a/b/c.py"]
    assert {(p.path, p.message) for p in result.problems} == {
        ("a/b/up", "symlink loop, not followed"),
        ("self", "symlink loop, not followed"),
    }


def test_directory_named_like_a_python_file_is_walked(tmp_path):
    _tree(tmp_path, "weird.py/inner.py")
    files, _ = _found(tmp_path)
    assert files == ["weird.py/inner.py"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_non_regular_and_broken_files_returned_for_the_reader(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    (tmp_path / "lib").symlink_to(tmp_path / "missing-dir")
    files, result = _found(tmp_path)
    assert files == ["dangling.py", "pipe.py"]
    assert [(p.path, p.message) for p in result.problems] == [("lib", "broken symbolic link")]
    with pytest.raises(SourceError, match="named pipe"):
        read_source(tmp_path / "pipe.py")


def test_unreadable_directory_is_returned_as_unwalked_and_the_walk_goes_on(tmp_path):
    _tree(tmp_path, "a.py", "locked/b.py")
    locked = tmp_path / "locked"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running with privileges that read any directory")
        files, result = _found(tmp_path)
        assert files == ["a.py"]
        assert result.problems == []  # check reports it as CTX003, as an unreadable file
        assert [(p.path, p.message) for p in result.unwalked] == [
            ("locked", "permission denied; directory not walked")
        ]
    finally:
        locked.chmod(0o700)


def test_root_anchors_exclude_patterns(tmp_path):
    _tree(tmp_path, "proj/gen/a.py", "proj/src/gen/b.py")
    result = discover([str(tmp_path / "proj")], extend_exclude=["/gen"], root=tmp_path / "proj")
    assert [p.name for p in result.files] == ["b.py"]
