"""Runs under tests/test_thread_fixes.py: run_in_executor's worker span, before and after the CTX203 fix."""
import asyncio

from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def work(n):
    with tracer.start_as_current_span("worker"):
        return n


async def main():
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, work, 1)  # error: CTX203
