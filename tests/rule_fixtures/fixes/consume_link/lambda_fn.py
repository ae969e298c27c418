import opentelemetry.trace

tracer = opentelemetry.trace.get_tracer(__name__)


def handler(event, context):
    for record in event["Records"]:
        with tracer.start_as_current_span("process-order"):  # error: CTX301
            print(record["body"])
