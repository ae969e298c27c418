"""Release hygiene: what the README promises about rules, license and releases is true."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from propagation_lint import __version__
from propagation_lint.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rules_table_is_what_the_rules_command_says():
    """Which rules are on by default (and which can fix) exactly as `propagation-lint rules`."""
    result = CliRunner().invoke(main, ["rules", "--output-format", "json"])
    assert result.exit_code == 0
    listed = [(r["code"], r["name"], r["fixable"], "on" if r["default_enabled"] else "opt-in")
              for r in json.loads(result.output)]
    table = README.split("<!-- rules-table", 1)[1].split("<!-- /rules-table -->", 1)[0]
    rows = [tuple(cell.strip() for cell in line.strip("|").split("|"))
            for line in table.splitlines() if re.match(r"\| CTX\d", line)]
    assert rows == listed


def test_readme_examples_select_opt_in_rules_only_as_opt_in():
    """An `extend-select` example in the README names rules that are opt-in (else it misleads)."""
    result = CliRunner().invoke(main, ["rules", "--output-format", "json"])
    opt_in = {r["code"] for r in json.loads(result.output) if not r["default_enabled"]}
    named = re.findall(r'extend-select = \["(CTX\d+)"\]', README)
    assert named and set(named) <= opt_in


def test_license_file_matches_the_readme_and_the_package_metadata():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = re.search(r'license = \{ text = "([^"]+)" \}', pyproject).group(1)
    assert declared == "Apache-2.0"
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert f"the license is\n{declared}" in README or f"license is {declared}" in README


def test_precommit_snippet_names_this_release_and_the_changelog_has_it():
    revs = re.findall(r"^\s*rev: (\S+)$", README, re.M)
    assert revs == [f"v{__version__}"]
    assert f"@v{__version__}" in README  # how to install from the repository until published
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## {__version__}\n" in changelog


def test_precommit_rev_is_a_tag_of_this_repository():
    try:
        tags = subprocess.run(["git", "-C", str(ROOT), "tag", "--list"], capture_output=True, text=True,
                              timeout=60, check=True).stdout.split()
    except (OSError, subprocess.SubprocessError):
        pytest.skip("not a git checkout")
    if not tags:
        pytest.skip("a checkout without tags (a shallow CI clone)")
    assert f"v{__version__}" in tags


def test_readme_says_irrelevant_files_are_read_but_not_parsed():
    text = " ".join(README.split())
    assert "Files that mention no messaging, thread or tracing API are read and never parsed" in text
    assert "a syntax error in such a file is left to Python and your other linters" in text


def test_version_command_matches(tmp_path):
    out = subprocess.run([sys.executable, "-m", "propagation_lint", "--version"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert out.stdout.strip().endswith(__version__)


def test_fix_hook_applies_the_safe_fixes_as_the_readme_says(tmp_path):
    """The propagation-lint-fix hook's own command line, on a publish it can fix safely: the file is
    fixed and the commit fails (something changed); run again, it passes."""
    import shlex

    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    args = shlex.split(hooks["propagation-lint-fix"]["entry"])
    assert args[0] == "propagation-lint" and "--unsafe-fixes" not in args
    from test_cli import GAP, run

    (tmp_path / "app.py").write_text(GAP, encoding="utf-8")
    first = run([*args[1:], "--no-cache", "app.py"], tmp_path)
    assert first.exit_code == 1, first.output
    assert "inject(carrier)" in (tmp_path / "app.py").read_text(encoding="utf-8")
    second = run([*args[1:], "--no-cache", "app.py"], tmp_path)
    assert second.exit_code == 0, second.output
