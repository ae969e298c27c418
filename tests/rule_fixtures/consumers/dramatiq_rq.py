import dramatiq
from opentelemetry import trace
from opentelemetry.propagate import extract
from rq.decorators import job

tracer = trace.get_tracer(__name__)


@dramatiq.actor(max_retries=3)
def resize_image(image_id):
    with tracer.start_as_current_span("resize-image"):  # error: CTX301
        print(image_id)


@dramatiq.actor
def resize_image_carried(image_id, trace_ctx):
    with tracer.start_as_current_span("resize-image", context=extract(trace_ctx)):
        print(image_id)


@job("default")
def rebuild_index(name):
    with tracer.start_as_current_span("rebuild-index"):  # error: CTX301
        print(name)
