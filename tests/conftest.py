import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The CLI tests read stderr apart from stdout, as click's CliRunner does from 8.2. On Python 3.9
# (click 8.1 at most) the runner is asked to keep them apart explicitly.
try:
    import inspect

    import click.testing

    if "mix_stderr" in inspect.signature(click.testing.CliRunner.__init__).parameters:
        _runner_init = click.testing.CliRunner.__init__

        def _separate_stderr(self, *args, **kwargs):
            kwargs.setdefault("mix_stderr", False)
            _runner_init(self, *args, **kwargs)

        click.testing.CliRunner.__init__ = _separate_stderr
        # and `output` is what the user sees, both streams (click 8.2's meaning)
        click.testing.Result.output = property(
            lambda self: self.stdout + (self.stderr if self.stderr_bytes is not None else ""))
except ImportError:  # pragma: no cover - click is a dependency
    pass
