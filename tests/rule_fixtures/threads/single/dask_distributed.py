"""CTX204: dask.distributed runs tasks in worker processes: the context must travel as an argument."""
from dask.distributed import Client, get_client
from opentelemetry import propagate, trace

tracer = trace.get_tracer(__name__)


def score(item):
    with tracer.start_as_current_span("score"):
        return item


def score_traced(item, carrier):
    with tracer.start_as_current_span("score", context=propagate.extract(carrier)):
        return item


def warm_up():
    return 1


def rank(items):
    with tracer.start_as_current_span("rank"):
        client = Client("tcp://scheduler:8786")
        future = client.submit(score, items[0])  # error: CTX204
        futures = client.map(score, items)  # error: CTX204
        client.run(warm_up)  # error: CTX204
        return future.result(), client.gather(futures)


def rank_with_carrier(items):
    with tracer.start_as_current_span("rank"):
        carrier = {}
        propagate.inject(carrier)
        with Client() as client:
            client.submit(score_traced, items[0], carrier=carrier, pure=False)
            return client.submit(score_traced, items[0], carrier).result()


def rank_with_dask_keywords_only(items):
    with tracer.start_as_current_span("rank"):
        carrier = {}
        propagate.inject(carrier)
        with Client() as client:
            # key= and workers= are dask's own: nothing reaches score_traced
            return client.submit(score, items[0], key=str(carrier), workers=["w1"]).result()  # error: CTX204


def rank_inside_a_task(items):
    with tracer.start_as_current_span("rank"):
        client = get_client()
        return client.submit(score, items[0]).result()  # error: CTX204


async def rank_async(items):
    with tracer.start_as_current_span("rank"):
        async with Client(asynchronous=True) as client:
            return await client.submit(score, items[0])  # error: CTX204
