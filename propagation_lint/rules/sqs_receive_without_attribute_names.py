"""CTX305 sqs-receive-without-attribute-names: SQS returns no attributes unless asked."""
from __future__ import annotations

import re

import libcst as cst


from ..flow import arg_value
from ..rule import Rule
from ..model import string_value

AWS_MODULES = ("boto3", "aiobotocore", "aioboto3", "botocore")
RECEIVERS = {"receive_message": "boto3.client.sqs", "receive_messages": "boto3.resource.sqs.Queue"}
# attribute names that make the trace context visible
TRACE_NAMES = re.compile(r"(?i)^(all|\.\*|traceparent|tracestate|baggage|_datadog|x-datadog.*|uber-trace-id|b3|.*\.\*)$")


class SqsReceiveWithoutAttributeNames(Rule):
    code = "CTX305"
    name = "sqs-receive-without-attribute-names"
    message = "SQS receive does not ask for the message attributes that carry the trace context"
    trigger_words = ("receive_message", "receive_messages")

    what_it_does = """
        Reports SQS `receive_message` (client) and `receive_messages` (resource `Queue`) calls
        without `MessageAttributeNames` naming the trace attributes (`["All"]`, or
        `["traceparent", "tracestate"]`), and without `MessageSystemAttributeNames=["AWSTraceHeader"]`
        for X-Ray.
        """
    why_bad = """
        SQS returns no `MessageAttributes` unless the receive call asks for them, and no
        `AWSTraceHeader` unless `MessageSystemAttributeNames` (or the deprecated `AttributeNames`)
        names it: the consumer cannot see any propagated context, however carefully the producer
        injected it. (`Boto3SQSInstrumentor` adds the names itself, for the client API.)
        """
    example = """
        ```python
        resp = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        ```
        """
    use_instead = """
        ```python
        resp = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                   MessageAttributeNames=["All"],
                                   MessageSystemAttributeNames=["AWSTraceHeader"])
        ```
        """
    fix_safety = "No automatic fix."

    def check(self, model, ctx):
        for site in model.all_calls:
            call = site.node
            func = call.func
            if not isinstance(func, cst.Attribute) or func.attr.value not in RECEIVERS:
                continue
            receiver = RECEIVERS[func.attr.value]
            recv = ctx.resolver.resolve(func.value, site.scope)
            confidence = "resolved"
            if recv.kind == "instance" and not recv.project:
                if recv.qname != receiver:
                    continue
            elif recv.kind == "ref" and not recv.project:
                continue
            else:
                keywords = {a.keyword.value for a in call.args if a.keyword is not None}
                if not model.imports_any(AWS_MODULES):
                    continue
                if func.attr.value == "receive_message" and "QueueUrl" not in keywords:
                    continue
                if func.attr.value == "receive_messages" and not re.search(r"(?i)queue", ctx.code_for(func.value)):
                    continue
                confidence = "heuristic"
            if any(a.star == "**" for a in call.args):
                continue
            problem = _problem(call)
            if problem is None:
                continue
            yield ctx.candidate(
                self, call, scope=site.scope, target=func.attr.value, confidence=confidence, statement=site.statement,
                message=f"SQS `{ctx.code_for(func)}()` {problem}: the consumer cannot see the propagated trace context",
                suggestion=(f"{ctx.code_for(func)}(..., MessageAttributeNames=[\"All\"], "
                            "MessageSystemAttributeNames=[\"AWSTraceHeader\"])"),
                requires=(("uses-tracing",),),
                unless=(("instrumented", "boto3-sqs", "consume:attribute-names", receiver, "main"),),
            )


def _problem(call):
    names = arg_value(call, "MessageAttributeNames", None)
    system = arg_value(call, "MessageSystemAttributeNames", None)
    legacy = arg_value(call, "AttributeNames", None)
    for value in (system, legacy):
        if value is not None:
            consts = _constants(value)
            if consts is None or any(c in ("AWSTraceHeader", "All") for c in consts):
                return None
    if names is None:
        return "asks for no MessageAttributeNames"
    consts = _constants(names)
    if consts is None or any(TRACE_NAMES.match(c) for c in consts):
        return None
    listed = ", ".join(f'"{c}"' for c in consts) or "nothing"
    return f"asks only for the message attributes {listed}, not the trace context's"


def _constants(value):
    if isinstance(value, (cst.List, cst.Tuple)):
        out = []
        for el in value.elements:
            if isinstance(el.value, cst.SimpleString) and isinstance(string_value(el.value), str):
                out.append(string_value(el.value))
            else:
                return None
        return out
    return None



