"""CTX204: process pools and multiprocessing need the context in a carrier argument."""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pool, Process

from opentelemetry import propagate, trace

tracer = trace.get_tracer(__name__)


def build_pdf(report_id):
    with tracer.start_as_current_span("build-pdf"):
        return report_id


def build_pdf_traced(report_id, carrier):
    ctx = propagate.extract(carrier)
    with tracer.start_as_current_span("build-pdf", context=ctx):
        return report_id


def render(report_ids):
    with ProcessPoolExecutor() as pool:
        pool.submit(build_pdf, report_ids[0])  # error: CTX204
        list(pool.map(build_pdf, report_ids))  # error: CTX204


def render_with_carrier(report_id):
    carrier = {}
    propagate.inject(carrier)
    with ProcessPoolExecutor() as pool:
        return pool.submit(build_pdf_traced, report_id, carrier).result()


def child_extracts(report_id, carrier):
    # the carrier comes from our caller; the child extracts it: fine
    with ProcessPoolExecutor() as pool:
        return pool.submit(build_pdf_traced, report_id, carrier).result()


def processes(report_id):
    p = Process(target=build_pdf, args=(report_id,))  # error: CTX204
    p.start()
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Process(target=build_pdf, args=(report_id,))  # error: CTX204
    q.start()


def pools(report_ids):
    with Pool(4) as pool:
        pool.apply_async(build_pdf, (report_ids[0],))  # error: CTX204
        pool.map(build_pdf, report_ids)  # error: CTX204
        pool.starmap(build_pdf, [(r,) for r in report_ids])  # error: CTX204


def pool_with_carrier(report_ids):
    carrier = {}
    propagate.inject(carrier)
    with multiprocessing.Pool(4) as pool:
        pool.starmap(build_pdf_traced, [(r, carrier) for r in report_ids])
        pool.apply_async(build_pdf_traced, (report_ids[0], carrier))
