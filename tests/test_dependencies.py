"""Dependency manifests (``propagation_lint/program/dependencies.py``) and what a launcher loads.

The readers run on small temporary trees; ``fixtures/monorepo_launchers`` checks the whole chain:
a launcher counts an instrumentation only where something installs it.
"""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from markers import assert_fixture

from propagation_lint.catalog import CATALOG
from propagation_lint.catalog.instrumentors import LAUNCHERS
from propagation_lint.program.dependencies import (
    Dependencies,
    normalize,
    parse_requirement,
    read_dependencies,
    satisfies,
)
from propagation_lint.project import _not_installed

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "monorepo_launchers"


def write(path: Path, text) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def listed(deps: Dependencies) -> dict:
    return {name: entry.version for name, entry in deps.distributions.items()}


# ---------------------------------------------------------------- requirement strings and versions
@pytest.mark.parametrize("text, expected", [
    ("kafka-python==2.0.2", ("kafka-python", "2.0.2", "==2.0.2")),
    ("Aio_Pika >= 9, <10", ("aio-pika", None, ">=9,<10")),
    ("celery[redis]==5.3.6 ; python_version >= '3.8'", ("celery", "5.3.6", "==5.3.6")),
    ("redis==4.*", ("redis", None, "==4.*")),
    ("pkg @ https://example.com/pkg.whl", ("pkg", None, "")),
    ("requests (>=2.0)", ("requests", None, ">=2.0")),
    ("pika==1.3.2 --hash=sha256:abc", ("pika", "1.3.2", "==1.3.2")),
    ("boto3", ("boto3", None, "")),
    ("include README.md", None),
    ("", None),
    ("==1.0", None),
])
def test_parse_requirement(text, expected):
    assert parse_requirement(text) == expected


def test_normalize():
    assert normalize("Aio_Pika") == "aio-pika"
    assert normalize("zope.interface") == "zope-interface"


@pytest.mark.parametrize("version, requirement, expected", [
    ("2.0.2", "kafka-python >= 2.0, < 4.0", True),
    ("1.4.7", "kafka-python >= 2.0, < 4.0", False),
    ("4.0", "kafka-python >= 2.0, < 4.0", False),
    ("1.34.5", "boto3 ~= 1.0", True),
    ("2.0", "boto3 ~= 1.0", False),
    ("10.2.1", "aio_pika >= 7.2.0, < 11.0.0", True),
    ("5.3.6", "celery >= 4.0, < 6.0", True),
    ("0.48b0", ">= 0.48b0", True),
    ("0.48.dev1", ">= 0.48b0", False),
    ("2.0.2", "pika", True),
    ("not-a-version", "kafka-python >= 2.0", None),
])
def test_satisfies(version, requirement, expected):
    assert satisfies(version, requirement) is expected


# ---------------------------------------------------------------- requirements files
def test_requirements_with_includes_constraints_and_local_projects(tmp_path):
    write(tmp_path / "requirements.txt", """\
        # comment
        kafka-python==2.0.2  # pinned
        -r requirements/base.txt
        --requirement=requirements/extra.in
        -c constraints.txt
        -e ./libs/common
        --index-url https://pypi.example.com/simple
        celery[redis]>=5 \\
            ; python_version >= "3.8"
        ./wheels/thing.whl
        """)
    write(tmp_path / "requirements" / "base.txt", "pika\n-r ../requirements.txt\n")  # a cycle is read once
    write(tmp_path / "requirements" / "extra.in", "aio-pika==9.4.0\n")
    write(tmp_path / "constraints.txt", "pika==1.3.2\nnot-listed==1.0\n")
    write(tmp_path / "libs" / "common" / "pyproject.toml", '[project]\nname = "common"\ndependencies = ["redis==5.0.1"]\n')
    deps = read_dependencies(tmp_path, tmp_path)
    assert listed(deps) == {"kafka-python": "2.0.2", "pika": None, "aio-pika": "9.4.0", "redis": "5.0.1", "celery": None}
    assert deps.version("pika") == "1.3.2"  # from the constraints file
    assert deps.installed("not-listed") is None  # a constraint installs nothing
    entry = deps.installed("kafka_python")
    assert (Path(entry.path).name, entry.line) == ("requirements.txt", 2)


def test_constraints_file_that_is_also_a_requirements_file(tmp_path):
    # pip-tools layering: dev.in constrains itself by the compiled requirements.txt, read first
    write(tmp_path / "dev.in", "-c requirements.txt\npytest\n")
    write(tmp_path / "requirements.txt", "kafka-python==2.0.2\n-r /srv/app/requirements.txt\n")
    deps = read_dependencies(tmp_path, tmp_path)
    assert listed(deps) == {"pytest": None, "kafka-python": "2.0.2"}


def test_dot_in_files_and_requirements_directory(tmp_path):
    write(tmp_path / "requirements.in", "celery\n")
    write(tmp_path / "dev.in", "pytest\n")
    write(tmp_path / "MANIFEST.in", "include README.md\nrecursive-include docs *\n")
    write(tmp_path / "requirements" / "prod.txt", "opentelemetry-instrumentation-celery==0.48b0\n")
    assert listed(read_dependencies(tmp_path, tmp_path)) == {
        "celery": None, "pytest": None, "opentelemetry-instrumentation-celery": "0.48b0"}


# ---------------------------------------------------------------- pyproject.toml and locks
def test_pyproject_tables(tmp_path):
    write(tmp_path / "pyproject.toml", """\
        [project]
        name = "svc"
        dependencies = ["kafka-python>=2", "opentelemetry-distro"]
        dynamic = ["optional-dependencies"]

        [project.optional-dependencies]
        otel = ["opentelemetry-instrumentation-kafka-python==0.48b0"]

        [dependency-groups]
        dev = ["pytest>=8", {include-group = "lint"}]
        lint = ["ruff"]

        [tool.poetry.dependencies]
        python = "^3.11"
        celery = "5.3.6"
        pika = "^1.3"
        boto3 = {version = "1.34.0", optional = true}
        common = {path = "../common"}

        [tool.poetry.group.workers.dependencies]
        dramatiq = ">=1.15"

        [tool.uv]
        dev-dependencies = ["mypy"]

        [tool.setuptools.dynamic]
        dependencies = {file = ["requirements.txt"]}
        """)
    write(tmp_path / "requirements.txt", "aiokafka==0.10.0\n")
    deps = read_dependencies(tmp_path, tmp_path)
    assert listed(deps) == {
        "kafka-python": None, "opentelemetry-distro": None, "opentelemetry-instrumentation-kafka-python": "0.48b0",
        "pytest": None, "ruff": None, "celery": "5.3.6", "pika": None, "boto3": "1.34.0", "common": None,
        "dramatiq": None, "mypy": None, "aiokafka": "0.10.0",
    }
    assert deps.installed("celery").line == 15


@pytest.mark.parametrize("lock", ["poetry.lock", "uv.lock", "pdm.lock"])
def test_locks_fill_in_versions(tmp_path, lock):
    write(tmp_path / "pyproject.toml", '[project]\nname = "svc"\ndependencies = ["kafka-python"]\n')
    write(tmp_path / lock, """\
        version = 1

        [[package]]
        name = "kafka-python"
        version = "2.0.2"

        [[package]]
        name = "opentelemetry-instrumentation-kafka-python"
        version = "0.48b0"
        """)
    deps = read_dependencies(tmp_path, tmp_path)
    assert deps.version("kafka-python") == "2.0.2"
    assert Path(deps.installed("kafka-python").path).name == "pyproject.toml"  # first listed where it is asked for
    assert deps.installed("opentelemetry-instrumentation-kafka-python").version == "0.48b0"


def test_pipfile_and_lock(tmp_path):
    write(tmp_path / "Pipfile", """\
        [packages]
        celery = "*"
        pika = "==1.3.2"
        boto3 = {version = "==1.34.0"}

        [dev-packages]
        pytest = "*"
        """)
    write(tmp_path / "Pipfile.lock", json.dumps({
        "_meta": {}, "default": {"celery": {"version": "==5.3.6"}, "kombu": {"version": "==5.3.7"}},
        "develop": {"pytest": {"version": "==8.0.0"}}}))
    assert listed(read_dependencies(tmp_path, tmp_path)) == {
        "celery": "5.3.6", "pika": "1.3.2", "boto3": "1.34.0", "pytest": "8.0.0", "kombu": "5.3.7"}


# ---------------------------------------------------------------- setup.cfg and setup.py
def test_setup_cfg(tmp_path):
    write(tmp_path / "setup.cfg", """\
        [metadata]
        name = svc

        [options]
        install_requires =
            kafka-python==2.0.2
            pika>=1.3 ; python_version >= "3.8"

        [options.extras_require]
        otel = opentelemetry-instrumentation-pika
        """)
    assert listed(read_dependencies(tmp_path, tmp_path)) == {
        "kafka-python": "2.0.2", "pika": None, "opentelemetry-instrumentation-pika": None}


def test_setup_py_is_read_never_run(tmp_path):
    marker = tmp_path / "EXECUTED"
    write(tmp_path / "setup.py", f"""\
        from setuptools import setup
        open({str(marker)!r}, "w").write("ran")
        BASE = ["kafka-python==2.0.2"]
        OTEL = ["opentelemetry-instrumentation-kafka-python"]

        setup(
            name="svc",
            install_requires=BASE + OTEL + ["celery"],
            extras_require={{"aws": ["boto3==1.34.0"]}},
            tests_require=["pytest"],
        )
        """)
    deps = read_dependencies(tmp_path, tmp_path)
    assert listed(deps) == {"kafka-python": "2.0.2", "opentelemetry-instrumentation-kafka-python": None,
                            "celery": None, "boto3": "1.34.0"}
    assert deps.installed("celery").line == 8
    assert not marker.exists()


# ---------------------------------------------------------------- Dockerfiles, scripts, bootstrap
def test_install_commands_in_dockerfiles_and_scripts(tmp_path):
    write(tmp_path / "Dockerfile", """\
        FROM python:3.12
        RUN --mount=type=cache,target=/root/.cache pip install --no-cache-dir -U \\
              "opentelemetry-instrumentation-celery==0.48b0" \\
              -i https://pypi.example.com/simple kombu
        RUN ["python", "-m", "pip", "install", "pika==1.3.2"]
        RUN uv pip install --system aio-pika && poetry add confluent-kafka@2.3.0
        RUN pip install -r deps.txt
        RUN pip install /tmp/wheels/*.whl $EXTRA_PACKAGES
        ENV PIP_INDEX_URL=https://x
        CMD ["opentelemetry-instrument", "celery", "worker"]
        """)
    write(tmp_path / "deps.txt", "redis==5.0.1\n")
    write(tmp_path / "scripts.sh", "#!/bin/sh\npip3 install boto3==1.34.0; exec python -m svc\n")
    deps = read_dependencies(tmp_path, tmp_path)
    assert listed(deps) == {
        "opentelemetry-instrumentation-celery": "0.48b0", "kombu": None, "pika": "1.3.2", "aio-pika": None,
        "confluent-kafka": "2.3.0", "redis": "5.0.1", "boto3": "1.34.0"}
    assert deps.installed("kombu").line == 2
    assert deps.bootstrap is None


@pytest.mark.parametrize("step, installs", [
    ("RUN opentelemetry-bootstrap -a install", True),
    ("RUN opentelemetry-bootstrap --action=install", True),
    ("RUN opentelemetry-bootstrap --action install && rm -rf /root/.cache", True),
    ("RUN pip install -r requirements.txt \\\n    && opentelemetry-bootstrap -a install", True),
    ('RUN ["opentelemetry-bootstrap", "-a", "install"]', True),
    ("RUN opentelemetry-bootstrap -a requirements | pip install -r -", True),
    ("RUN opentelemetry-bootstrap -a requirements | xargs pip install", True),
    ("RUN opentelemetry-bootstrap -a requirements > otel.txt && pip install -r otel.txt", True),
    ("RUN opentelemetry-bootstrap", False),  # prints requirements, installs nothing
    ("RUN opentelemetry-bootstrap -a requirements", False),
    ("# RUN opentelemetry-bootstrap -a install", False),
    ("RUN pip install opentelemetry-bootstrap-helper", False),
])
def test_bootstrap_steps(tmp_path, step, installs):
    write(tmp_path / "Dockerfile", "FROM python:3.12\n" + step + "\n")
    deps = read_dependencies(tmp_path, tmp_path)
    assert (deps.bootstrap is not None) is installs
    if installs:
        assert deps.bootstrap == (str(tmp_path / "Dockerfile"), 2)


def test_ancestors_up_to_the_root_only(tmp_path):
    root = tmp_path / "repo"
    write(tmp_path / "requirements.txt", "above-the-root\n")
    write(root / "requirements.txt", "at-the-root\n")
    write(root / "Dockerfile", "RUN pip install root-image-only && opentelemetry-bootstrap -a install\n")
    write(root / "services" / "pyproject.toml", '[project]\nname = "x"\ndependencies = ["in-between"]\n')
    write(root / "services" / "a" / "requirements.txt", "service-a==1.0\n")
    write(root / "services" / "b" / "requirements.txt", "sibling\n")
    deps = read_dependencies(root / "services" / "a", root)
    assert listed(deps) == {"service-a": "1.0", "in-between": None, "at-the-root": None}
    # install commands and bootstrap steps count only in the directory itself
    assert deps.bootstrap is None
    # a directory outside the root: only its own manifests
    assert listed(read_dependencies(tmp_path, root)) == {"above-the-root": None}


GARBAGE = [b"\xff\xfe\x00\x01garbage\x00", b"[[[\n= = =\n", b"{" * 5000, b"-r\n-r \n-c\n-e\n--requirement=\n",
           b"RUN pip install \"unterminated\nRUN opentelemetry-bootstrap -a\n", b"setup(install_requires=[" * 3000]


@pytest.mark.parametrize("data", GARBAGE)
def test_garbage_never_raises(tmp_path, data):
    for name in ("requirements.txt", "requirements.in", "pyproject.toml", "poetry.lock", "uv.lock", "pdm.lock",
                 "Pipfile", "Pipfile.lock", "setup.cfg", "setup.py", "Dockerfile", "install.sh"):
        write(tmp_path / name, data)
    (tmp_path / "requirements" / "dir.txt").mkdir(parents=True)  # unreadable as a file
    os.symlink(tmp_path / "missing", tmp_path / "requirements-broken.txt")
    deps = read_dependencies(tmp_path, tmp_path)
    assert isinstance(deps, Dependencies)
    read_dependencies(tmp_path / "does-not-exist", tmp_path)


# ---------------------------------------------------------------- what a launcher loads
def _row(key):
    return next(i for i in CATALOG.instrumentors if i.key == key)


def _launcher(command):
    return next(l for l in LAUNCHERS if l.command == command)


def _deps(tmp_path, **files) -> Dependencies:
    for name, text in files.items():
        write(tmp_path / name.replace("__", "."), text)
    return read_dependencies(tmp_path, tmp_path)


def test_launcher_loads_what_is_installed(tmp_path):
    otel = _launcher("opentelemetry-instrument")
    kafka = _row("otel-kafka-python")
    nothing = _deps(tmp_path / "a", requirements__txt="kafka-python==2.0.2\nopentelemetry-distro\n")
    assert _not_installed(kafka, otel, lambda: nothing) == (
        "nothing installs opentelemetry-instrumentation-kafka-python "
        "(no dependency manifest lists it, no opentelemetry-bootstrap step)")
    direct = _deps(tmp_path / "b", requirements__txt="opentelemetry-instrumentation-kafka-python\n")
    assert _not_installed(kafka, otel, lambda: direct) == ""
    meta = _deps(tmp_path / "c", requirements__txt="opentelemetry-contrib-instrumentations==0.48b0\n")
    assert _not_installed(kafka, otel, lambda: meta) == ""


def test_bootstrap_installs_for_supported_client_versions(tmp_path):
    otel = _launcher("opentelemetry-instrument")
    step = "RUN opentelemetry-bootstrap -a install\n"
    in_range = _deps(tmp_path / "a", Dockerfile=step, requirements__txt="kafka-python==2.0.2\n")
    assert _not_installed(_row("otel-kafka-python"), otel, lambda: in_range) == ""
    unpinned = _deps(tmp_path / "b", Dockerfile=step, requirements__txt="kafka-python>=1\n")
    assert _not_installed(_row("otel-kafka-python"), otel, lambda: unpinned) == ""
    old = _deps(tmp_path / "c", Dockerfile=step, requirements__txt="kafka-python==1.4.7\nboto3==1.34.0\n")
    why = _not_installed(_row("otel-kafka-python"), otel, lambda: old)
    assert "opentelemetry-bootstrap skips it for kafka-python 1.4.7" in why
    assert "kafka-python >= 2.0, < 4.0" in why
    # threading is one of bootstrap's default instrumentations: no client library needed
    assert _not_installed(_row("otel-threading"), otel, lambda: old) == ""
    # botocore: either client in range will do; boto3 brings botocore without listing it
    assert _not_installed(_row("otel-botocore"), otel, lambda: old) == ""
    # aws-lambda has no client library: bootstrap never installs it
    assert "does not install it" in _not_installed(_row("otel-aws-lambda"), otel, lambda: old)


def test_ddtrace_run_brings_its_integrations():
    dd = _launcher("ddtrace-run")

    def unread() -> Dependencies:
        raise AssertionError("ddtrace-run needs no manifest: ddtrace ships its integrations")

    assert _not_installed(_row("ddtrace-botocore"), dd, unread) == ""
    # which integrations are on by default is catalog data (kombu is off, domain.md §E)
    assert not _row("ddtrace-kombu").default_in_launcher


def test_every_launcher_row_says_what_installs_it():
    for row in CATALOG.instrumentors:
        if row.default_in_launcher and row.system in {l.system for l in LAUNCHERS}:
            assert row.installed_by, row.key
            for requirement in row.instruments:
                assert parse_requirement(requirement) is not None, requirement


# ---------------------------------------------------------------- the fixture monorepo
def test_monorepo_launchers_fixture():
    findings = assert_fixture(FIXTURE, ["CTX1"])
    notes = {f["path"]: [r["message"] for r in f.get("related", ())] for f in findings}
    assert ("opentelemetry-instrument at services/uninstalled/Dockerfile:6 does not count: nothing installs "
            "opentelemetry-instrumentation-kafka-python (no dependency manifest lists it, no opentelemetry-bootstrap step)"
            in notes["services/uninstalled/billing/events.py"])
    assert any("opentelemetry-bootstrap skips it for kafka-python 1.4.7" in n
               for n in notes["services/out_of_range/legacy/events.py"])
