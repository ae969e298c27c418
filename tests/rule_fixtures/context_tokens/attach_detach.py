"""CTX306: tokens of attached contexts given back on every path, or not."""
from contextlib import contextmanager
from opentelemetry import context, trace
from opentelemetry import context as otel_context
from opentelemetry.context import attach, detach
from opentelemetry.propagate import extract

tracer = trace.get_tracer(__name__)


def consume_never_detached(consumer):
    for message in consumer:
        token = context.attach(extract(message.headers))  # error: CTX306
        handle(message)


def consume_continue_skips(consumer):
    for message in consumer:
        token = context.attach(extract(message.headers))  # error: CTX306
        if not message.value:
            continue
        handle(message)
        context.detach(token)


def consume_exception_skips(consumer):
    for message in consumer:
        try:
            token = otel_context.attach(extract(message.headers))  # error: CTX306
            handle(message)
            otel_context.detach(token)
        except Exception:
            log(message)


def early_return(headers, body):
    token = attach(extract(headers))  # error: CTX306
    if body is None:
        return None
    result = handle(body)
    detach(token)
    return result


def detached_after_loop(batch):
    for message in batch:
        token = context.attach(extract(message.headers))  # error: CTX306 (no fix: the detach is after the loop)
        handle(message)
    context.detach(token)


def discarded(headers):
    context.attach(extract(headers))  # error: CTX306 (no fix: the token is thrown away)
    handle(headers)


def only_one_branch_detaches(headers, fast):
    token = context.attach(extract(headers))  # error: CTX306 (no fix: two paths, one detach in a branch)
    if fast:
        context.detach(token)
        return
    handle(headers)


# ----------------------------------------------------------------------------- clean
def with_finally(consumer):
    for message in consumer:
        token = context.attach(extract(message.headers))
        try:
            if not message.value:
                continue
            handle(message)
        finally:
            context.detach(token)


def attach_inside_try(headers):
    try:
        token = context.attach(extract(headers))
        handle(headers)
    finally:
        context.detach(token)


def nothing_between(headers):
    token = context.attach(extract(headers))
    context.detach(token)


class KeptOnObject:
    """Detached by another method: the previous message's token, on the next poll."""

    def poll(self, consumer):
        if self._token is not None:
            context.detach(self._token)
        message = consumer.poll(1.0)
        self._token = context.attach(extract(message.headers()))
        return message


def handed_to_helper(task, headers):
    token = context.attach(extract(headers))
    remember(task, token)


def returned(headers):
    token = context.attach(extract(headers))
    return token


def in_a_closure(headers, callbacks):
    token = context.attach(extract(headers))

    def done():
        context.detach(token)

    callbacks.append(done)


def both_branches(headers, fast):
    token = context.attach(extract(headers))
    if fast:
        context.detach(token)
    else:
        context.detach(token)


def with_items(tracer_, span):
    with tracer_.scope_manager.activate(span, True):
        handle(span)


def handle(x):
    return x


def log(x):
    return x


def remember(*args):
    return args


# shapes seen in OpenTelemetry's contrib instrumentations: all clean
def guarded_detach_in_finally(headers):
    token = context.attach(extract(headers))
    try:
        handle(headers)
    finally:
        if token:
            context.detach(token)


def guarded_detach_at_the_end(headers, hook):
    token = context.attach(extract(headers))
    handle(headers)
    try:
        hook(headers)
    except Exception:
        log(headers)
    if token is not None:
        context.detach(token)


def detached_first_in_a_try(headers, state):
    token = context.attach(extract(headers))
    try:
        if token:
            context.detach(token)
        state.token = context.attach(extract(headers))
        handle(headers)
    except Exception:
        log(headers)
    return state


def attach_for_the_caller(value):
    try:
        context.attach(context.set_value("labeler", value))
    except Exception:
        log(value)


def undone_by_the_outer_token(environ, extra):
    token = context.attach(extract(environ))
    environ["token"] = token
    if extra:
        context.attach(context.set_value("tags", extra))


def token_from_a_helper(environ, extra):
    span, token = start_server_span(environ)
    environ["token"] = token
    if extra:
        context.attach(context.set_value("tags", extra))


def start_server_span(environ):
    return environ, context.attach(extract(environ))


def _setup_tracing(trace_id, parent_id):
    """The whole process runs in the trace of the job that started it."""
    context.attach(extract({"traceparent": f"00-{trace_id}-{parent_id}-01"}))
    trace.set_tracer_provider(trace.NoOpTracerProvider())


def handle_guarded(message):
    if enabled() and message.headers:
        token = context.attach(extract(message.headers))

    try:
        if message.reply:
            message.reply.set_result(message)
            return
        process(message)
    finally:
        if enabled() and message.headers:
            context.detach(token)


def handle_other_guard(message):
    if enabled() and message.headers:
        token = context.attach(extract(message.headers))  # error: CTX306 (no fix: the detach is under another condition)

    try:
        if message.reply:
            return
        process(message)
    finally:
        if message.headers:
            context.detach(token)


async def handle_query(self, query):
    ctx = extract(query.headers)
    token = context.attach(ctx)
    try:
        return await self.next.handle_query(query)
    finally:
        # best effort: this finally may run in another contextvars.Context (a generator closed
        # elsewhere), where the token would not detach
        if ctx is context.get_current():
            context.detach(token)


def set_prompt_context(key, version):
    # a helper whose job is to make values current for its caller, one after another
    context.attach(context.set_value("prompt_key", key))
    context.attach(context.set_value("prompt_version", version))


def set_and_work(key):
    context.attach(context.set_value("prompt_key", key))  # error: CTX306 (no fix: the token is thrown away)
    process(key)


@contextmanager
def attach_carrier(carrier):
    previous = context.get_current()
    try:
        context.attach(extract(carrier))
        yield
    finally:
        context.attach(previous)  # attaching the saved context again restores it


def captured_context(captured):
    previous = context.get_current()
    context.attach(captured)
    try:
        yield
    finally:
        context.attach(previous)


def restores_something_else(captured, other):
    previous = context.get_current()
    context.attach(captured)  # error: CTX306 (no fix: the token is thrown away)
    try:
        yield
    finally:
        context.attach(other)  # error: CTX306 (no fix: the token is thrown away)


def extracted_or_current(headers):
    try:
        ctx = extract(headers)
        if not ctx:
            ctx = context.get_current()  # (not only the context saved: attaching `ctx` restores nothing)
        token = context.attach(ctx)  # error: CTX306 (no fix: the detach is in a nested block)
        span = start(ctx)
        try:
            if token:
                context.detach(token)
        finally:
            span.end()
    except Exception:
        log_failure()


def handle_in_span(message):
    try:
        with trace.get_tracer(__name__).start_as_current_span("handle"):
            token = context.attach(extract(message.headers))  # the span block's exit undoes it
            process(message)
            context.detach(token)
    except Exception:
        log_failure()


def handle_batch_in_span(messages):
    with trace.get_tracer(__name__).start_as_current_span("batch"):
        for message in messages:
            token = context.attach(extract(message.headers))  # error: CTX306
            if message.skip:
                continue
            process(message)
            context.detach(token)
