from opentelemetry.instrumentation.threading import ThreadingInstrumentor

from svc import work  # noqa: F401  (the service's process loads its work module)

ThreadingInstrumentor().instrument()
