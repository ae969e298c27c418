"""CTX204: the task object handed to the worker process carries its span context (its type says
so); a plain work item does not."""
from dask.distributed import Client
from opentelemetry import trace

from app.tasks import PlainTask, RenderTask, TaskProtocol

tracer = trace.get_tracer(__name__)


def _run_task(task):
    return task()


class DaskExecutor:
    def __init__(self, client: Client):
        self.client = client

    def run_task(self, task: TaskProtocol):
        return self.client.submit(_run_task, task, pure=False).result()

    def run_render(self, task: RenderTask):
        return self.client.submit(_run_task, task).result()

    def run_plain(self, task: PlainTask):
        return self.client.submit(_run_task, task).result()  # error: CTX204


def render(executor: DaskExecutor, page: int):
    with tracer.start_as_current_span("render-all") as span:
        executor.run_task(RenderTask(page, span.get_span_context()))
        executor.run_render(RenderTask(page, span.get_span_context()))
        executor.run_plain(PlainTask(page))
