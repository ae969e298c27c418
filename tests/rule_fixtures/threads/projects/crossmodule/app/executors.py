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
