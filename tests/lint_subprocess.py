"""Run the command line in a child process, as a user would, for the robustness and safety tests.

A child process is what makes these tests able to fail on the worst outcomes: a native crash
(libcst's parser overflowing its stack) shows up as a negative return code instead of killing
pytest, and a hang shows up as a timeout instead of a stuck suite.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
FINDING_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<msg>.*)$")
CHECKED_RE = re.compile(r"\((\d+) files? checked(?:; (\d+) read, nothing relevant)?")

# Run as this user when the tests run as root (permission tests and the read-only tree).
NOBODY = 65534

_AS_USER = r"""
import os, sys
if sys.path and sys.path[0] in ("", os.getcwd()):  # as the CLI's __main__ does
    del sys.path[0]
import contextlib, io
from propagation_lint.cli import main
args, warm = sys.argv[1:-1], sys.argv[-1]
# Every module the run imports lazily is imported now, while the interpreter's own files (which
# may sit under a directory only root can enter) are still readable.
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    for extra in ([], ["--output-format", "json"]):
        try:
            main(["check", "--no-cache", "-j", "1", *extra, warm], standalone_mode=False)
        except SystemExit:
            pass
import importlib, pkgutil, propagation_lint
for info in pkgutil.walk_packages(propagation_lint.__path__, "propagation_lint."):
    try:  # the checkout itself may sit where the unprivileged user cannot read
        importlib.import_module(info.name)
    except Exception:
        pass
import json, encodings.idna, multiprocessing.pool, concurrent.futures.process  # noqa: F401
os.setgroups([])
os.setgid(%(uid)d)
os.setuid(%(uid)d)
sys.exit(main(args))
"""

WARM_SOURCE = (ROOT / "tests" / "rule_fixtures" / "publishing" / "kafka_python_basic.py")


# ``run_cli(prelude=...)``: the command line in a child process after ``prelude`` ran in it (to
# simulate what a test cannot arrange from outside: an edit landing mid-write, a signal, a kill).
_WITH_PRELUDE = r"""
import os, sys
if sys.path and sys.path[0] in ("", os.getcwd()):  # as the CLI's __main__ does
    del sys.path[0]
%s
from propagation_lint.cli import main
main(sys.argv[1:])
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    raw: bytes = b""  # stdout's bytes, with run_cli(binary=True)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def findings(self) -> List[Dict[str, str]]:
        out = []
        for line in self.stdout.splitlines():
            m = FINDING_RE.match(line)
            if m:
                out.append(m.groupdict())
        return out

    def codes(self) -> List[str]:
        return [f["code"] for f in self.findings()]

    def checked(self) -> Optional[int]:
        """Files the run covered: checked, and read with nothing relevant in them."""
        m = CHECKED_RE.search(self.stdout)
        return int(m.group(1)) + int(m.group(2) or 0) if m else None

    def assert_sane(self) -> None:
        """What must hold for ANY input: no native crash, no traceback, exit 0 or 1."""
        assert self.returncode >= 0, f"killed by signal {-self.returncode}:\n{self.output[-2000:]}"
        assert "Traceback" not in self.output, self.output[-4000:]
        assert "internal error" not in self.output, self.output[-4000:]
        assert self.returncode in (0, 1), f"exit {self.returncode}:\n{self.output[-2000:]}"


def run_cli(
    args: Sequence[str],
    cwd: Path,
    timeout: float = 120,
    as_user: Optional[int] = None,
    env: Optional[Dict[str, str]] = None,
    prelude: Optional[str] = None,
    binary: bool = False,
) -> Run:
    """``propagation-lint <args>`` in ``cwd``; ``as_user`` drops root privileges first; ``prelude``
    is Python run in the child first; ``binary`` keeps stdout's bytes as they are (``Run.raw``)."""
    environment = dict(os.environ)
    environment.pop("FORCE_COLOR", None)
    environment["NO_COLOR"] = "1"
    # (never an empty entry: that would put the working directory on sys.path)
    environment["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), environment.get("PYTHONPATH", "")] if p)
    environment.update(env or {})
    if prelude is not None:
        command = [sys.executable, "-c", _WITH_PRELUDE % prelude, *args]
    elif as_user is None:
        command = [sys.executable, "-m", "propagation_lint", *args]
    else:
        command = [sys.executable, "-c", _AS_USER % {"uid": as_user}, *args, str(WARM_SOURCE)]
    proc = subprocess.run(
        command, cwd=str(cwd), env=environment, stdin=subprocess.DEVNULL,
        capture_output=True, text=not binary, timeout=timeout,
    )
    if binary:
        return Run(proc.returncode, proc.stdout.decode("utf-8", "surrogateescape"),
                   proc.stderr.decode("utf-8", "replace"), proc.stdout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def can_drop_privileges() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and hasattr(os, "setuid")


def public_tmpdir() -> Path:
    """A temporary directory another user can enter (pytest's ``tmp_path`` is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="propagation-lint-test-"))
    path.chmod(0o755)
    return path
