"""propagation-lint: find where distributed-tracing context is lost at asynchronous boundaries."""

__version__ = "0.2.0"
