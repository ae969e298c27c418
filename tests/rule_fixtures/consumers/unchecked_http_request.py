"""CTX304 is about messages: an HTTP server span parented to the request's headers is the
documented server pattern (no message, no ambient span to drop)."""
from flask import Flask, request
from kafka import KafkaConsumer
from opentelemetry import propagate, trace
from opentelemetry.propagate import extract

app = Flask(__name__)
tracer = trace.get_tracer("api")


@app.route("/orders")
def orders():
    with tracer.start_as_current_span("GET /orders", context=extract(request.headers)):
        return "ok"


def consume():
    for record in KafkaConsumer("orders"):
        carrier = {k: v.decode() for k, v in record.headers or []}
        ctx = propagate.extract(carrier, getter=None)
        with tracer.start_as_current_span("ship", context=ctx):  # error: CTX304
            pass
        fallback = propagate.extract(carrier, context=None)
        with tracer.start_as_current_span("ship-again", context=fallback):
            pass
