"""A signature built by a helper of another module, applied here."""
from opentelemetry import trace

from shop.tasks import build_chain, build_sig

tracer = trace.get_tracer(__name__)


def checkout(order_id):
    with tracer.start_as_current_span("checkout"):
        sig = build_sig(order_id)
        sig.apply_async()  # error: CTX101
        build_chain(order_id).apply_async()  # error: CTX101
