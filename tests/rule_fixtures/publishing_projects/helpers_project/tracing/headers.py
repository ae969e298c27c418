from opentelemetry.propagate import inject


def current_headers():
    carrier = {}
    inject(carrier)
    return carrier


def inject_into(carrier):
    inject(carrier)


def add_request_id(carrier, request_id):
    carrier["x-request-id"] = request_id


def kafka_headers():
    return [(k, v.encode()) for k, v in current_headers().items()]
