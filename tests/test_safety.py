"""The linter never runs the checked code, never writes outside the checked tree and its cache,
and never reads outside the given roots unless a symbolic link inside them points there."""
from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Dict

import pytest

from lint_subprocess import NOBODY, ROOT, can_drop_privileges, public_tmpdir, run_cli

KAFKA = (ROOT / "tests" / "rule_fixtures" / "publishing" / "kafka_python_basic.py").read_text()


def trap(marker: Path, name: str) -> str:
    """Source that leaves a mark if it is ever imported or run (and looks relevant to the rules)."""
    return (
        "from threading import Thread\n"
        "from kafka import KafkaProducer\n"
        f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n"
        f"print('EXEC' + 'UTED {name}')\n"  # the word is not in the source, only in the output
        "KafkaProducer().send('t', b'x')\n"
    )


# Names the linter, click or libcst import lazily, a package, and files tools like to run.
TRAPS = ("json.py", "ast.py", "difflib.py", "tokenize.py", "hashlib.py", "tempfile.py", "conftest.py",
         "setup.py", "sitecustomize.py", "usercustomize.py", "__main__.py", "pkg/__init__.py",
         "pkg/mod.py", "multiprocessing/__init__.py", "concurrent/__init__.py")


def make_traps(tree: Path, marker: Path) -> None:
    for name in TRAPS:
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(trap(marker, name))
    (tree / "app.py").write_text(KAFKA)


def snapshot(tree: Path) -> Dict[str, tuple]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            content = path.read_bytes() if stat.S_ISREG(st.st_mode) else None
            out[path.relative_to(tree).as_posix()] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), content)
    return out


def sandbox_env(tmp_path: Path) -> Dict[str, str]:
    """HOME, TMPDIR and XDG dirs pointing at empty directories, to see any write there."""
    env = {}
    for var in ("HOME", "TMPDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        d = tmp_path / "sandbox" / var.lower()
        d.mkdir(parents=True)
        env[var] = str(d)
    return env


def assert_sandbox_empty(tmp_path: Path, allowed=()) -> None:
    left = [p.relative_to(tmp_path).as_posix() for p in (tmp_path / "sandbox").rglob("*") if p.is_file()]
    assert sorted(left) == sorted(allowed), f"written outside the tree: {left}"


def console_script() -> Path:
    script = Path(sys.executable).parent / "propagation-lint"
    if not script.exists():
        pytest.skip("the propagation-lint console script is not installed next to this interpreter")
    return script


@pytest.mark.parametrize("how", ["module", "console-script"])
@pytest.mark.parametrize("extra", [[], ["--fix", "--unsafe-fixes"], ["--diff", "--unsafe-fixes"]],
                         ids=["check", "fix", "diff"])
def test_checked_code_is_never_imported_or_run(tmp_path, how, extra):
    tree = tmp_path / "tree"
    marker = tmp_path / "executed.txt"
    make_traps(tree, marker)
    args = ["check", "--no-cache", "-j", "2", "--select", "ALL", *extra, "."]
    if how == "module":
        run = run_cli(args, cwd=tree)  # python -m propagation_lint, the working directory first on sys.path
    else:
        import subprocess

        proc = subprocess.run([str(console_script()), *args], cwd=tree, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
        run = type("Run", (), {"returncode": proc.returncode, "output": proc.stdout + proc.stderr})()
    assert run.returncode in (0, 1), run.output
    assert "Traceback" not in run.output, run.output
    assert "EXECUTED" not in run.output, run.output
    assert not marker.exists(), f"checked code ran: {marker.read_text()}"


def test_no_cache_writes_nothing_at_all(tmp_path):
    tree = tmp_path / "tree"
    make_traps(tree, tmp_path / "executed.txt")
    before = snapshot(tree)
    run = run_cli(["check", "--no-cache", "-j", "2", "--select", "ALL", "."], cwd=tree, env=sandbox_env(tmp_path))
    run.assert_sane()
    assert run.returncode == 1  # app.py publishes without context
    assert snapshot(tree) == before
    assert_sandbox_empty(tmp_path)


def test_with_cache_only_the_cache_directory_is_written(tmp_path):
    tree = tmp_path / "tree"
    make_traps(tree, tmp_path / "executed.txt")
    before = snapshot(tree)
    for _ in range(2):  # cold, then warm
        run = run_cli(["check", "-j", "2", "--select", "ALL", "."], cwd=tree, env=sandbox_env(tmp_path) if _ == 0 else {
            var: str(tmp_path / "sandbox" / var.lower()) for var in ("HOME", "TMPDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")})
        run.assert_sane()
    after = snapshot(tree)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed and all(k.split("/")[0] == ".propagation_lint_cache" for k in changed), sorted(changed)
    # and the secret that authenticates cache entries, in the user's cache home, for the user only
    key = tmp_path / "sandbox" / "xdg_cache_home" / "propagation-lint" / "key"
    assert_sandbox_empty(tmp_path, allowed=[key.relative_to(tmp_path).as_posix()])
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_fix_writes_only_the_fixed_files(tmp_path):
    tree = tmp_path / "tree"
    make_traps(tree, tmp_path / "executed.txt")
    before = snapshot(tree)
    run = run_cli(["check", "--no-cache", "--select", "ALL", "--fix", "--unsafe-fixes", "."], cwd=tree,
                  env=sandbox_env(tmp_path))
    assert run.returncode in (0, 1) and "Traceback" not in run.output, run.output
    after = snapshot(tree)
    assert set(after) == set(before), "a fix created or removed a file"
    changed = [k for k in before if before[k] != after[k]]
    assert "app.py" in changed
    for name in changed:  # same kind of file, same permission bits; only the content moved
        assert before[name][:2] == after[name][:2], name
        assert name.endswith(".py")
    assert_sandbox_empty(tmp_path)


@pytest.mark.skipif(not can_drop_privileges(), reason="needs root to run the linter as another user")
@pytest.mark.parametrize("extra", [[], ["--no-cache"], ["--fix", "--unsafe-fixes"]], ids=["cache", "no-cache", "fix"])
def test_read_only_tree(extra):
    """Run as an unprivileged user on a tree it cannot write: the answer is the same, the cache is
    silently skipped, a refused fix is reported, and nothing changes."""
    base = public_tmpdir()
    try:
        tree = base / "tree"
        make_traps(tree, base / "executed.txt")
        expected = run_cli(["check", "--no-cache", "-j", "1", "."], cwd=tree)
        for dirpath, dirnames, filenames in os.walk(tree):
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o444)
            os.chmod(dirpath, 0o555)
        before = snapshot(tree)
        run = run_cli(["check", "-j", "1", *extra, "."], cwd=tree, as_user=NOBODY, timeout=120)
        assert run.returncode in (0, 1, 2) and "Traceback" not in run.output, run.output
        if not extra or extra == ["--no-cache"]:
            assert run.returncode == expected.returncode and run.stdout == expected.stdout, run.output
            # a checkout the user cannot read (a clone inside a 0700 directory): no cache, said once
            unreadable = not extra and not _readable_by_others(ROOT / "propagation_lint")
            warning = "warning: the cache is not used: the linter cannot read its own source"
            assert run.stderr.count(warning) == int(unreadable), run.stderr
            assert run.stderr.replace(run.stderr.partition("\n")[0] + "\n", "", unreadable) == expected.stderr
        else:
            assert "app.py" in run.stderr  # the fix could not be written: said, per file
        assert snapshot(tree) == before
        assert not (base / "executed.txt").exists()
    finally:
        for dirpath, dirnames, filenames in os.walk(base):
            os.chmod(dirpath, 0o755)
        shutil.rmtree(base)


def _readable_by_others(package: Path) -> bool:
    """Whether a user who is neither the owner nor in the group can read ``package``'s files."""
    for directory in [package, *package.parents]:
        if not os.stat(directory).st_mode & 0o001:
            return False
    return all(os.stat(p).st_mode & 0o004 for p in package.rglob("*.py")) and bool(os.stat(package).st_mode & 0o004)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_paths_outside_the_roots_only_through_links_inside_them(tmp_path):
    outside = tmp_path / "outside"
    (outside / "lib").mkdir(parents=True)
    (outside / "lib" / "linked.py").write_text(KAFKA)
    (outside / "unlinked.py").write_text(KAFKA)
    (outside / "lib" / "also_linked.py").write_text(KAFKA)
    tree = tmp_path / "tree"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "app.py").write_text(KAFKA)
    os.symlink(outside / "lib", tree / "src" / "vendored")  # a link inside the root says so
    os.symlink(outside / "unlinked.py", tree / "peer.txt")  # not a .py name: not a source file
    run = run_cli(["check", "--no-cache", "--select", "ALL", "src"], cwd=tree)
    run.assert_sane()
    paths = {f["path"] for f in run.findings()}
    assert paths == {"src/app.py", "src/vendored/also_linked.py", "src/vendored/linked.py"}, run.output
    # A sibling of the given root is never read.
    (tree / "other").mkdir()
    (tree / "other" / "x.py").write_text(KAFKA)
    run = run_cli(["check", "--no-cache", "--select", "ALL", "src"], cwd=tree)
    assert not any(f["path"].startswith("other") for f in run.findings()), run.output
