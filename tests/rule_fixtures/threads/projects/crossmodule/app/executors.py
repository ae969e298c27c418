import contextvars
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import context as otel_context


class ContextExecutor(ThreadPoolExecutor):
    """Every submit runs in a copy of the submitter's context."""

    def submit(self, fn, /, *args, **kwargs):
        ctx = contextvars.copy_context()
        return super().submit(ctx.run, fn, *args, **kwargs)


class OtelExecutor(ThreadPoolExecutor):
    def submit(self, fn, /, *args, **kwargs):
        parent = otel_context.get_current()

        def run():
            token = otel_context.attach(parent)
            try:
                return fn(*args, **kwargs)
            finally:
                otel_context.detach(token)

        return super().submit(run)


class DerivedContextExecutor(ContextExecutor):
    pass


class PlainExecutor(ThreadPoolExecutor):
    def submit(self, fn, /, *args, **kwargs):
        return super().submit(fn, *args, **kwargs)


class NamedExecutor(ThreadPoolExecutor):
    pass


class ReplayingExecutor(ThreadPoolExecutor):
    """Copies the constructor's context and sets each variable in every worker thread."""

    def __init__(self, max_workers=None):
        self.context = contextvars.copy_context()
        super().__init__(max_workers=max_workers, initializer=self._set_child_context)

    def _set_child_context(self):
        for var, value in self.context.items():
            var.set(value)


class PositionalReplayingExecutor(ThreadPoolExecutor):
    """Hands its base the initializer by position: ``(max_workers, thread_name_prefix, initializer, initargs)``."""

    def __init__(self, max_workers=None):
        current = contextvars.copy_context()
        super().__init__(max_workers, "", _set_context, (current,))


def _set_context(context):
    for var, value in context.items():
        var.set(value)


class CopyingExecutor(ThreadPoolExecutor):
    """Copies a context but never sets it in its workers."""

    def __init__(self, max_workers=None):
        self.context = contextvars.copy_context()
        super().__init__(max_workers=max_workers)
