from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from propagation_lint import registry
from propagation_lint.config import (
    ConfigError,
    Settings,
    SettingsResolver,
    find_config,
    glob_matches,
    load_settings,
    make_resolver,
)
from propagation_lint.rule import Rule


class _R101(Rule):
    code = "CTX101"


class _R102(Rule):
    code = "CTX102"


class _R201(Rule):
    code = "CTX201"


@pytest.fixture(autouse=True)
def fake_rules(monkeypatch):
    """Selectors are checked against the registry; give it a few codes."""
    monkeypatch.setattr(registry, "all_rules", lambda: (_R101, _R102, _R201))


def _pyproject(directory: Path, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n\n[tool.propagation-lint]\n" + body)
    return path


def _error(tmp_path: Path, body: str) -> str:
    path = _pyproject(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_settings(path, tmp_path)
    return str(info.value)


def test_defaults_without_a_config_file(tmp_path):
    settings = load_settings(None, tmp_path)
    assert settings.path is None and settings.root == tmp_path
    assert settings.select is None and settings.exclude is None
    assert settings.max_file_size == 10 * 1024 * 1024
    assert (settings.consumer_link_mode, settings.thread_scope) == ("either", "auto")
    assert settings.cache_dir == ".propagation_lint_cache" and settings.respect_gitignore


def test_full_configuration_is_read(tmp_path):
    path = _pyproject(tmp_path, """
select = ["CTX1"]
extend-select = ["ctx201"]
ignore = ["CTX102"]
exclude = ["gen"]
extend-exclude = ["legacy/"]
respect-gitignore = false
max-file-size = 2048
consumer-link-mode = "link"
thread-scope = "never"
auto-instrumented = ["kafka-python"]
handlers = ["app.consumers.handle"]
cache-dir = ".cache/pl"

[tool.propagation-lint.per-file-ignores]
"tests/**" = ["CTX1"]

[tool.propagation-lint.publishers]
"myco.bus.publish" = { carrier = "headers", position = 2 }

[tool.propagation-lint.consumers]
"myco.bus.subscribe" = { callback = "handler", position = 1, carrier = "message.headers" }

[tool.propagation-lint.conventions]
generic-span-names = ["process"]

[[tool.propagation-lint.per-file]]
path = "workers/**"
consumer-link-mode = "parent"
""")
    s = load_settings(path, tmp_path)
    assert s.path == path and s.root == tmp_path
    assert (s.select, s.extend_select, s.ignore) == (("CTX1",), ("CTX201",), ("CTX102",))
    assert s.per_file_ignores == (("tests/**", ("CTX1",)),)
    assert (s.exclude, s.extend_exclude, s.respect_gitignore) == (("gen",), ("legacy/",), False)
    assert (s.max_file_size, s.consumer_link_mode, s.thread_scope) == (2048, "link", "never")
    assert s.auto_instrumented == ("kafka-python",) and s.handlers == ("app.consumers.handle",)
    assert s.publishers == {"myco.bus.publish": {"carrier": "headers", "position": 2,
                                                 "payload": None, "destination": None}}
    assert s.consumers["myco.bus.subscribe"]["carrier"] == "message.headers"
    assert s.conventions == {"generic-span-names": ("process",)}
    assert s.overrides == (("workers/**", (("consumer_link_mode", "parent"),)),)
    assert s.for_path(tmp_path / "workers" / "w.py").consumer_link_mode == "parent"
    assert s.for_path(tmp_path / "app.py").consumer_link_mode == "link"
    assert s.cache_dir == ".cache/pl" and s.raw["thread-scope"] == "never"


@pytest.mark.parametrize(
    "body, expected",
    [
        ('select = ["CTX999"]\n', "[tool.propagation-lint] select: unknown rule selector 'CTX999'"),
        ('extend_select = ["CTX1"]\n',
         "[tool.propagation-lint] extend_select: unknown key (did you mean 'extend-select'?)"),
        ("selectt = []\n", "[tool.propagation-lint] selectt: unknown key (did you mean 'select'?)"),
        ('select = "CTX1"\n',
         "[tool.propagation-lint] select: expected an array of rule selectors, got a string ('CTX1')"),
        ("select = [1]\n",
         "[tool.propagation-lint] select: expected an array of rule selectors; item 1 is an integer (1)"),
        ('select = ["CTX1"]\nignore = ["ctx1"]\n',
         "[tool.propagation-lint] ignore: conflicting: 'CTX1' is also in select"),
        ('consumer-link-mode = "sometimes"\n',
         "[tool.propagation-lint] consumer-link-mode: invalid value 'sometimes'; "
         "expected one of 'either', 'link', 'parent'"),
        ("thread-scope = true\n", "[tool.propagation-lint] thread-scope: expected a string, got a boolean"),
        ("respect-gitignore = 1\n", "[tool.propagation-lint] respect-gitignore: expected true or false"),
        ("max-file-size = true\n", "[tool.propagation-lint] max-file-size: expected an integer number of bytes"),
        ("max-file-size = -5\n", "[tool.propagation-lint] max-file-size: expected a positive number"),
        ('[tool.propagation-lint.per-file-ignores]\n"tests/*" = ["CTX9"]\n',
         '[tool.propagation-lint] per-file-ignores."tests/*": unknown rule selector \'CTX9\''),
        ('[tool.propagation-lint.publishers]\n"myco.bus.publish" = { position = 2 }\n',
         '[tool.propagation-lint] publishers."myco.bus.publish": missing required key \'carrier\''),
        ('[tool.propagation-lint.publishers]\n"myco.bus.publish" = { carrier = 3 }\n',
         '[tool.propagation-lint] publishers."myco.bus.publish".carrier: expected a string, got an integer'),
        ('[tool.propagation-lint.publishers]\n"publish" = { carrier = "h" }\n',
         "[tool.propagation-lint] publishers.publish: 'publish' is not a qualified name"),
        ('[tool.propagation-lint.consumers]\n"a.sub" = { callback = "cb", position = "1" }\n',
         '[tool.propagation-lint] consumers."a.sub".position: expected an integer, got a string'),
        ('[tool.propagation-lint.consumers]\n"a.sub" = { callback = "cb", carier = "h" }\n',
         '[tool.propagation-lint] consumers."a.sub".carier: unknown key (did you mean \'carrier\'?)'),
        ('[tool.propagation-lint.conventions]\ngeneric-span-names = "x"\n',
         "[tool.propagation-lint] conventions.generic-span-names: expected an array of strings"),
        ('[[tool.propagation-lint.per-file]]\nconsumer-link-mode = "link"\n',
         "[tool.propagation-lint] per-file[0]: missing required key 'path'"),
        ('[[tool.propagation-lint.per-file]]\npath = "a/*"\nselect = ["CTX1"]\n',
         "[tool.propagation-lint] per-file[0].select: unknown key"),
        ("handlers = ['not a name']\n", "[tool.propagation-lint] handlers: 'not a name' is not a qualified name"),
    ],
)
def test_each_mistake_names_the_file_and_the_key(tmp_path, body, expected):
    message = _error(tmp_path, body)
    assert message.startswith("pyproject.toml: " + expected), message


def test_invalid_toml_gives_line_and_column(tmp_path):
    message = _error(tmp_path, 'cache-dir "x"\n')
    assert message == (
        "pyproject.toml: invalid TOML: Expected '=' after a key in a key/value pair "
        "(at line 5, column 11)"
    )


def test_unreadable_config_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(Path("missing.toml"), tmp_path)
    assert str(info.value) == "missing.toml: cannot read the configuration: no such file"
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(ConfigError, match="^dir.toml: cannot read the configuration: is a directory$"):
        load_settings(Path("dir.toml"), tmp_path)


def test_standalone_file_uses_top_level_keys(tmp_path):
    path = tmp_path / "propagation-lint.toml"
    path.write_text('ignore = ["CTX2"]\nbogus = 1\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, tmp_path)
    assert str(info.value).startswith("propagation-lint.toml: bogus: unknown key")
    path.write_text('ignore = ["CTX2"]\n')
    assert load_settings(path, tmp_path).ignore == ("CTX2",)


def test_find_config_walks_up_and_skips_foreign_pyprojects(tmp_path):
    top = _pyproject(tmp_path, 'select = ["CTX1"]\n')
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "pyproject.toml").write_text("[tool.black]\nline-length = 99\n")
    assert find_config(tmp_path / "pkg" / "sub") == top
    standalone = tmp_path / "pkg" / ".propagation-lint.toml"
    standalone.write_text("")
    assert find_config(tmp_path / "pkg" / "sub") == standalone


def test_find_config_returns_a_broken_pyproject_so_the_error_is_seen(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.propagation-lint]\nselect = [\n")
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"


def test_nearest_config_wins_in_a_monorepo(tmp_path):
    _pyproject(tmp_path, 'thread-scope = "always"\n')
    _pyproject(tmp_path / "services" / "billing", 'thread-scope = "never"\n')
    (tmp_path / "services" / "billing" / "src").mkdir()
    (tmp_path / "services" / "search").mkdir(parents=True)
    resolver = make_resolver(None, tmp_path)
    billing = resolver.for_file(tmp_path / "services" / "billing" / "src" / "a.py")
    assert billing.thread_scope == "never"
    assert billing.root == tmp_path / "services" / "billing"
    assert resolver.for_file(tmp_path / "services" / "search" / "b.py").thread_scope == "always"
    # The same settings object is reused for every file under one config (cached).
    assert resolver.for_file(tmp_path / "services" / "billing" / "c.py") is billing


def test_explicit_config_applies_everywhere(tmp_path):
    _pyproject(tmp_path / "services" / "billing", 'thread-scope = "never"\n')
    chosen = tmp_path / "ci.toml"
    chosen.write_text('thread-scope = "always"\n')
    resolver = make_resolver(Path("ci.toml"), tmp_path)
    assert resolver.for_file(tmp_path / "services" / "billing" / "a.py").thread_scope == "always"


def test_files_without_a_config_above_use_the_base(tmp_path):
    base = Settings(root=tmp_path, thread_scope="never")
    resolver = SettingsResolver(base, explicit=False, cwd=tmp_path)
    assert resolver.for_file(tmp_path / "x.py") is base


def test_per_file_ignores_globs(tmp_path):
    s = Settings(
        root=tmp_path,
        per_file_ignores=(("tests/**", ("CTX1",)), ("__init__.py", ("CTX201",)), ("gen_*.py", ("CTX102",))),
    )
    assert s.ignored_codes_for(tmp_path / "tests" / "unit" / "test_a.py") == {"CTX1"}
    assert s.ignored_codes_for(tmp_path / "pkg" / "sub" / "__init__.py") == {"CTX201"}
    assert s.ignored_codes_for(tmp_path / "tests" / "gen_x.py") == {"CTX1", "CTX102"}
    assert s.ignored_codes_for(tmp_path / "src" / "app.py") == set()
    assert s.ignored_codes_for(Path("/elsewhere/__init__.py")) == {"CTX201"}


@pytest.mark.parametrize(
    "glob, path, expected",
    [
        ("tests/*", "tests/a.py", True),
        ("tests/*", "tests/sub/a.py", True),  # a parent directory matches, as in ruff
        ("tests/*.py", "src/tests/a.py", False),
        ("**/test_*.py", "test_a.py", True),
        ("**/test_*.py", "a/b/test_a.py", True),
        ("tests", "src/tests/a.py", True),
        ("./src/", "src/x/a.py", True),
        ("src/[ab].py", "src/c.py", False),
        ("src/[!ab].py", "src/c.py", True),
    ],
)
def test_glob_semantics(glob, path, expected):
    assert glob_matches(glob, path) is expected


def test_fingerprint_is_stable_and_follows_effective_values(tmp_path):
    a = Settings(root=tmp_path, select=("CTX1",))
    b = Settings(root=tmp_path, select=("CTX1",), path=tmp_path / "pyproject.toml")
    c = Settings(root=tmp_path, select=("CTX2",))
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
    assert hash(a) == hash(b) and {a: 1}[a] == 1  # hashable despite its dict fields
    assert pickle.loads(pickle.dumps(a)) == a


def test_config_error_is_not_a_traceback_for_bad_pyproject_tool_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool]\npropagation-lint = "yes"\n')
    with pytest.raises(ConfigError, match=r"^pyproject.toml: \[tool.propagation-lint\]: expected a table"):
        load_settings(tmp_path / "pyproject.toml", tmp_path)


def test_relative_config_path_is_resolved_against_cwd(tmp_path):
    _pyproject(tmp_path / "sub", "")
    settings = load_settings(Path("sub/pyproject.toml"), tmp_path)
    assert settings.root == tmp_path / "sub"
    assert os.path.isabs(settings.path)
