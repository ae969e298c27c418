"""Monorepos through the CLI: each directory's pyproject.toml section applies to the files below it,
the nearest one wins (no merging, as in ruff), and the cache keeps them apart."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from click.testing import CliRunner

from propagation_lint.cli import main

GAP = textwrap.dedent(
    """\
    from kafka import KafkaProducer
    from opentelemetry import trace  # the service traces: a context can exist, and be lost
    producer = KafkaProducer(bootstrap_servers="kafka:9092")


    def order_placed(order):
        producer.send("orders", value=order)
    """
)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def lint(cwd: Path, *args: str) -> list:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["check", "--output-format", "json", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return sorted((f["path"], f["code"]) for f in json.loads(result.stdout))


def test_nearest_pyproject_section_wins_per_directory(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.propagation-lint]\n")
    # service a: ignores CTX101
    write(tmp_path / "services" / "a" / "pyproject.toml", '[tool.propagation-lint]\nignore = ["CTX101"]\n')
    write(tmp_path / "services" / "a" / "svc_a" / "events.py", GAP)
    # service b: its own section without the ignore (nearest wins: the root's settings do not merge in)
    write(tmp_path / "services" / "b" / "pyproject.toml", "[tool.propagation-lint]\nselect = [\"CTX1\"]\n")
    write(tmp_path / "services" / "b" / "svc_b" / "events.py", GAP)
    # a pyproject.toml without our section does not stop the search: the root applies
    write(tmp_path / "libs" / "c" / "pyproject.toml", "[project]\nname = 'c'\n")
    write(tmp_path / "libs" / "c" / "c" / "events.py", GAP)
    # the root's own files
    write(tmp_path / "tools" / "events.py", GAP)

    expected = [
        ("libs/c/c/events.py", "CTX101"),
        ("services/b/svc_b/events.py", "CTX101"),
        ("tools/events.py", "CTX101"),
    ]
    assert lint(tmp_path, "--no-cache") == expected
    # same with the cache, twice (cold then warm): entries are keyed on each file's settings
    assert lint(tmp_path) == expected
    assert lint(tmp_path) == expected
    # run from inside one service: still that service's settings
    assert lint(tmp_path / "services" / "a", "--no-cache") == []
    # changing one service's config changes only its files
    write(tmp_path / "services" / "a" / "pyproject.toml", "[tool.propagation-lint]\n")
    assert lint(tmp_path) == sorted(expected + [("services/a/svc_a/events.py", "CTX101")])
