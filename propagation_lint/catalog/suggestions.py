"""The code each publishing finding proposes, per carrier kind, in that library's idiom.

``{call}`` is the publish call's callee text (``producer.send``), ``{carrier}`` the parameter name.
"""

PUBLISH_SUGGESTIONS = {
    "kafka-headers": (
        "inject the context into a dict, then pass it as Kafka's list of (str, bytes):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(..., {carrier}=[(k, v.encode()) for k, v in carrier.items()])"
    ),
    "aiokafka-batch": (
        "give every record appended to the batch its own headers:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "batch.append(key=key, value=value, timestamp=None, headers=[(k, v.encode()) for k, v in carrier.items()])\n"
        "await {call}(batch, topic, partition=partition)"
    ),
    "confluent-headers": (
        "inject the context into a dict and pass it as headers:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(..., {carrier}=carrier)"
    ),
    "dict": (
        "inject the context into a dict and pass it as {carrier}:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(..., {carrier}=carrier)"
    ),
    "sqs-attributes": (
        "inject into a dict, then convert it to SQS message attributes:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "attributes = {{k: {{\"DataType\": \"String\", \"StringValue\": v}} for k, v in carrier.items()}}\n"
        "{call}(..., {carrier}=attributes)  # at most 10 attributes per message"
    ),
    "sqs-batch-attributes": (
        "give every entry its own MessageAttributes from an injected carrier:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "attributes = {{k: {{\"DataType\": \"String\", \"StringValue\": v}} for k, v in carrier.items()}}\n"
        "entries = [{{**entry, \"MessageAttributes\": attributes}} for entry in entries]"
    ),
    "pika-properties": (
        "inject into the message headers through BasicProperties:\n"
        "headers = {{}}\n"
        "opentelemetry.propagate.inject(headers)\n"
        "{call}(..., {carrier}=pika.BasicProperties(headers=headers))"
    ),
    "aio-pika-message": (
        "inject into the Message's headers:\n"
        "headers = {{}}\n"
        "opentelemetry.propagate.inject(headers)\n"
        "await {call}(aio_pika.Message(body, headers=headers), routing_key=...)"
    ),
    "aiormq-properties": (
        "inject into the properties' headers:\n"
        "headers = {{}}\n"
        "opentelemetry.propagate.inject(headers)\n"
        "await {call}(body, ..., properties=aiormq.spec.Basic.Properties(headers=headers))"
    ),
    "celery-headers": (
        "pass an injected carrier as headers (delay() cannot carry them; use apply_async):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "task.apply_async(args=..., kwargs=..., headers=carrier)\n"
        "or enable CeleryInstrumentor in both the publishing and the worker process"
    ),
    "pubsub-attributes": (
        "Pub/Sub attributes are keyword arguments:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(topic, data, **carrier)"
    ),
    "gcloud-aio-pubsub-messages": (
        "gcloud-aio-pubsub attributes are the PubsubMessage's keyword arguments:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "await {call}(topic, [PubsubMessage(data, **carrier)])"
    ),
    "quix-headers": (
        "inject the context into a dict and pass it as the message headers:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(topic=topic.name, key=key, value=value, headers=carrier)"
    ),
    "payload-quix-legacy": (
        "the legacy quixstreams stream API has no headers: put the context in the data's tags:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "stream.timeseries.buffer.add_timestamp(ts).add_value(\"v\", v).add_tag(\"traceparent\", carrier[\"traceparent\"]).publish()\n"
        "or stream.timeseries.buffer.default_tags[\"traceparent\"] = carrier[\"traceparent\"] (a TAG__traceparent column of a DataFrame)"
    ),
    "mqtt-properties": (
        "MQTT v5: put the context into PUBLISH user properties:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "props = Properties(PacketTypes.PUBLISH)\n"
        "props.UserProperty = list(carrier.items())\n"
        "{call}(topic, payload, qos, retain, properties=props)"
    ),
    "servicebus-message": (
        "put the context into the message's application_properties:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(ServiceBusMessage(body, application_properties=carrier))"
    ),
    "eventhub-event": (
        "put the context into each event's properties:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "event.properties = carrier"
    ),
    "payload": (
        "this transport has no headers: embed the context in the payload:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "payload = json.dumps({{\"data\": data, \"trace_context\": carrier}})\n"
        "and extract it from payload[\"trace_context\"] on the consumer side"
    ),
    "celery-delay": (
        "delay() cannot carry headers (its keyword arguments go to the task): use apply_async:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "task.apply_async(args=(...), kwargs={{...}}, headers=carrier)\n"
        "or enable CeleryInstrumentor in both the publishing and the worker process"
    ),
    "dramatiq-options": (
        "dramatiq messages have no headers: inject into message.options in a middleware\n"
        "(before_enqueue: inject(message.options.setdefault(\"trace_ctx\", {{}}))) and extract it in\n"
        "before_process_message, or pass an injected carrier explicitly:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "actor.send_with_options(args=(...), trace_ctx=carrier)"
    ),
    "rq-meta": (
        "pass an injected carrier as the job's meta (read it from job.meta in the worker):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(func, ..., meta={{\"trace_ctx\": carrier}})"
    ),
    "taskiq-labels": (
        "put the context into the task's labels (or add taskiq's OpenTelemetryMiddleware to the broker):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "await task.kicker().with_labels(**carrier).kiq(...)"
    ),
    "sns-attributes": (
        "inject into a dict, then convert it to SNS message attributes (string MessageStructure only):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "attributes = {{k: {{\"DataType\": \"String\", \"StringValue\": v}} for k, v in carrier.items()}}\n"
        "{call}(..., {carrier}=attributes)"
    ),
    "sns-batch-attributes": (
        "give every entry its own MessageAttributes from an injected carrier:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "attributes = {{k: {{\"DataType\": \"String\", \"StringValue\": v}} for k, v in carrier.items()}}\n"
        "entries = [{{**entry, \"MessageAttributes\": attributes}} for entry in entries]"
    ),
    "redis-stream-fields": (
        "add the context to the stream entry's fields:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(stream, {{**fields, **carrier}})"
    ),
    "payload-redis": (
        "Redis PUBLISH has no headers: embed the context in the message:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(channel, json.dumps({{\"data\": data, \"trace_context\": carrier}}))\n"
        "and extract it from message[\"trace_context\"] in the subscriber"
    ),
    "payload-mqtt": (
        "MQTT 3.1.1 has no headers: embed the context in the payload:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(topic, json.dumps({{\"data\": data, \"trace_context\": carrier}}))\n"
        "(with MQTT v5, pass properties=Properties(PacketTypes.PUBLISH) with UserProperty pairs instead)"
    ),
    "payload-kinesis": (
        "Kinesis records have no headers: embed the context in Data:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(StreamName=..., PartitionKey=..., Data=json.dumps({{\"data\": data, \"trace_context\": carrier}}))"
    ),
    "payload-kinesis-records": (
        "Kinesis records have no headers: embed the context in each record's Data:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "records = [{{\"Data\": json.dumps({{\"data\": d, \"trace_context\": carrier}}), \"PartitionKey\": k}} for d, k in items]"
    ),
    "payload-eventbridge": (
        "EventBridge events have no headers (TraceHeader is X-Ray only): embed the context in Detail:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "entry = {{\"Source\": ..., \"DetailType\": ..., \"Detail\": json.dumps({{**detail, \"trace_context\": carrier}})}}"
    ),
    "payload-lambda": (
        "put the context into the invocation payload (BotocoreInstrumentor does this under \"headers\"):\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "{call}(FunctionName=..., Payload=json.dumps({{**event, \"headers\": carrier}}))"
    ),
    "payload-task-kwargs": (
        "arq jobs have no headers: pass an injected carrier as a job argument:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "await {call}(\"function\", ..., trace_ctx=carrier)  # extract it in the job"
    ),
    "payload-kafka-batch": (
        "produce_batch() cannot send headers: use produce() per message with headers, or embed the\n"
        "context in each message's value:\n"
        "carrier = {{}}\n"
        "opentelemetry.propagate.inject(carrier)\n"
        "messages = [{{\"value\": json.dumps({{\"data\": m, \"trace_context\": carrier}})}} for m in batch]"
    ),
}


def publish_suggestion(kind: str, call: str, carrier: str) -> str:
    template = PUBLISH_SUGGESTIONS.get(kind, PUBLISH_SUGGESTIONS["dict"])
    return template.format(call=call, carrier=carrier)


# ----------------------------------------------------------------------------- consumers (CTX3xx)
# How to build a dict carrier from one received message, per message type (domain.md §B, §1.6).
# ``{m}`` is the message variable. ``consume_suggestion`` adds the parent and the link forms.
CONSUME_SUGGESTIONS = {
    "kafka-headers": "carrier = {{k: v.decode() for k, v in ({m}.headers or [])}}  # list of (str, bytes)",
    "confluent-headers": "carrier = {{k: v.decode() for k, v in ({m}.headers() or [])}}  # headers() is a method, may be None",
    "pika-properties": "carrier = {m}.headers or {{}}  # {m} is the BasicProperties argument",
    "headers-dict": "carrier = {m}.headers or {{}}",
    "aiormq-message": "carrier = {m}.header.properties.headers or {{}}",
    "sqs-message": (
        "# receive with MessageAttributeNames=[\"All\"] (or [\"traceparent\", \"tracestate\"])\n"
        "carrier = {{k: v[\"StringValue\"] for k, v in {m}.get(\"MessageAttributes\", {{}}).items() if \"StringValue\" in v}}"
    ),
    "sqs-resource-message": (
        "# receive_messages(MessageAttributeNames=[\"All\"], ...)\n"
        "carrier = {{k: v[\"StringValue\"] for k, v in ({m}.message_attributes or {{}}).items() if \"StringValue\" in v}}"
    ),
    "lambda-sqs": "carrier = {{k: v[\"stringValue\"] for k, v in {m}.get(\"messageAttributes\", {{}}).items() if \"stringValue\" in v}}",
    "lambda-sns": "carrier = {{k: v[\"Value\"] for k, v in {m}[\"Sns\"].get(\"MessageAttributes\", {{}}).items()}}",
    "lambda-kinesis": (
        "# Kinesis records have no headers: the producer embeds the context in the data\n"
        "carrier = json.loads(base64.b64decode({m}[\"kinesis\"][\"data\"])).get(\"trace_context\", {{}})"
    ),
    "lambda-msk": "carrier = {{k: bytes(v).decode() for h in {m}.get(\"headers\", []) for k, v in h.items()}}",
    "lambda-eventbridge": "carrier = {m}[\"detail\"].get(\"trace_context\", {{}})  # embedded in Detail by the producer",
    "kinesis-record": "carrier = json.loads({m}[\"Data\"]).get(\"trace_context\", {{}})  # embedded by the producer",
    "pubsub-message": "carrier = dict({m}.attributes)",
    "quix-tags": "carrier = dict({m}.tags)  # the producer's add_tag(...) values",
    "quix-dataframe-tags": "carrier = {{c[5:]: {m}[c].iloc[0] for c in {m}.columns if c.startswith(\"TAG__\")}}",
    "pubsub-received": "carrier = dict({m}.message.attributes)",
    "servicebus-message": (
        "carrier = {{(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)\n"
        "           for k, v in ({m}.application_properties or {{}}).items()}}  # bytes keys and values"
    ),
    "eventhub-event": (
        "carrier = {{(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)\n"
        "           for k, v in ({m}.properties or {{}}).items()}}  # bytes keys on receive"
    ),
    "nats-msg": "carrier = {m}.headers or {{}}  # None when the message has no headers",
    "redis-pubsub": "carrier = json.loads({m}[\"data\"]).get(\"trace_context\", {{}})  # pub/sub has no headers: embedded by the producer",
    "redis-stream": (
        "carrier = {{(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)\n"
        "           for k, v in {m}.items()}}  # the entry's fields"
    ),
    "pulsar-message": "carrier = {m}.properties()  # a method",
    "mqtt-message": "carrier = dict(getattr({m}.properties, \"UserProperty\", []))  # MQTT v5 user properties",
    "celery-task": (
        "# @app.task(bind=True): the worker's request carries the message headers\n"
        "carrier = {{k: getattr(self.request, k, None) or \"\" for k in (\"traceparent\", \"tracestate\")}}\n"
        "# or enable CeleryInstrumentor in the worker (worker_process_init)"
    ),
    "dramatiq-actor": (
        "# dramatiq has no headers: pass the carrier in the message options (a middleware's\n"
        "# before_process_message) or as an actor argument\n"
        "carrier = trace_ctx  # the dict the publisher injected"
    ),
    "rq-job": "carrier = rq.get_current_job().meta.get(\"trace_ctx\", {{}})",
    "powertools-sqs": (
        "carrier = {{k: v.string_value for k, v in {m}.message_attributes.items() if v.string_value}}"
    ),
    "faust-event": (
        "# the event being processed carries the Kafka headers (bytes values)\n"
        "carrier = {{k: v.decode() for k, v in dict(stream.current_event.headers or {{}}).items()}}"
    ),
    "faststream-message": (
        "# declare the message next to the body: async def handler(body, message: KafkaMessage)\n"
        "carrier = message.headers\n"
        "# or add the broker's TelemetryMiddleware (faststream.<broker>.opentelemetry)"
    ),
    "taskiq-labels": (
        "# async def task(..., context: Context = TaskiqDepends()): the labels carry the context\n"
        "carrier = context.message.labels\n"
        "# or add taskiq's OpenTelemetryMiddleware to the broker"
    ),
    "huey-task": (
        "# huey messages have no headers: the caller passes the carrier as a task argument\n"
        "carrier = trace_ctx  # the dict the caller injected"
    ),
    "dict": "carrier = <the message's headers as a dict of str>",
}


def consume_suggestion(kind: str, message: str, span: str = "process", form: str = "either", batch: str = "batch") -> str:
    """The code a consumer finding proposes: build the carrier, then the parent and/or link form.

    ``form``: ``parent``, ``link``, ``either`` (both, link first as the messaging conventions
    prefer) or ``batch`` (one link per message).
    """
    carrier = CONSUME_SUGGESTIONS.get(kind, CONSUME_SUGGESTIONS["dict"]).format(m=message or "message")
    parent = (
        "ctx = opentelemetry.propagate.extract(carrier)\n"
        "parent = ctx if trace.get_current_span(ctx).get_span_context().is_valid else None  # no traceparent: keep the current span\n"
        f"with tracer.start_as_current_span(\"{span}\", context=parent, kind=SpanKind.CONSUMER): ..."
    )
    link = (
        "span_ctx = trace.get_current_span(opentelemetry.propagate.extract(carrier)).get_span_context()\n"
        f"with tracer.start_as_current_span(\"{span}\", kind=SpanKind.CONSUMER,\n"
        "                                   links=[Link(span_ctx)] if span_ctx.is_valid else []): ..."
    )
    if form == "batch":
        return (
            "link every message of the batch (a span has one parent, but any number of links):\n"
            "def link_for(" + (message or "message") + "):\n    "
            + carrier.replace("\n", "\n    ")
            + "\n    return Link(trace.get_current_span(opentelemetry.propagate.extract(carrier)).get_span_context())\n"
            f"with tracer.start_as_current_span(\"{span}\", kind=SpanKind.CONSUMER,\n"
            f"                                   links=[link_for(m) for m in {batch}]): ..."
        )
    if form == "parent":
        return f"continue the producer's trace:\n{carrier}\n{parent}"
    if form == "link":
        return f"link to the producer's trace:\n{carrier}\n{link}"
    return f"{carrier}\n# link to the producer's span (the messaging conventions' default):\n{link}\n# or continue its trace:\n{parent}"
