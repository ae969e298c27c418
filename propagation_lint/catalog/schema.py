"""The shapes of the catalog's rows. The rows themselves live in the sibling modules, one per concern."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class Arg:
    """A parameter of a library call, by name and (0-based, excluding ``self``) position.

    ``position=None`` means keyword-only; ``kwargs=True`` means "any ``**mapping`` or extra keyword"
    (Pub/Sub attributes are ``**attrs``).
    """

    name: str
    position: Optional[int] = None
    kwargs: bool = False


@dataclass(frozen=True)
class ClassInfo:
    """A library type the linter knows, with the other import paths that name it."""

    qname: str
    library: str
    aliases: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Factory:
    """How a value of a known type is obtained from another value, without running anything.

    ``member`` is ``"()"`` (calling ``source``), a method name (calling ``source_instance.method(...)``),
    ``".attr"`` (reading an attribute), ``"__enter__"`` (``with source() as x``) or ``"__iter__"``
    (``for x in source``). ``when_arg`` restricts to a first string argument (``boto3.client("sqs")``).
    """

    source: str
    member: str
    result: str
    when_arg: Optional[str] = None


@dataclass(frozen=True)
class Publisher:
    library: str
    method: str
    receiver: str = ""  # instance type the method is called on
    function: str = ""  # or a plain callable (user wrappers, module functions)
    carrier: Optional[Arg] = None  # None: the transport has no headers (payload must carry it)
    carrier_kind: str = "dict"  # key into suggestions.PUBLISH_SUGGESTIONS
    payload: Optional[Arg] = None
    destination: Optional[Arg] = None
    # When the receiver cannot be resolved: a regex on the receiver's source text, and keywords
    # whose presence identifies the call. Either makes a "heuristic" match, only in files that
    # import ``hint_modules``.
    hint_receiver: str = ""
    hint_keywords: Tuple[str, ...] = ()
    hint_modules: Tuple[str, ...] = ()
    # arguments that, when present, carry context on purpose (celery kwargs, task args)
    any_argument_counts: bool = False
    note: str = ""
    # the hint keywords alone identify the call, even in a file that imports none of
    # ``hint_modules`` (``QueueUrl=`` + ``MessageBody=`` is SQS whatever the client is)
    hint_anywhere: bool = False
    # when the carrier argument is absent the payload must carry the context instead (CTX102):
    # MQTT 3.1.1 has no properties, only v5 does
    payload_fallback: bool = False
    # a keyword whose presence means this call is not a message publish (SNS ``PhoneNumber=`` is an SMS)
    not_with_keywords: Tuple[str, ...] = ()
    # the payload is data (a DataFrame, a sample) that carries context only where the code adds it
    # (quixstreams tags): a payload derived from values we cannot see into carries none; a bare
    # parameter is still the caller's business
    data_payload: bool = False


@dataclass(frozen=True)
class Injector:
    """A call that writes the current trace context into a carrier."""

    qname: str  # function or "Type.method"
    carrier: Arg
    system: str = "opentelemetry"


@dataclass(frozen=True)
class Instrumentor:
    """An auto-instrumentation and the calls it really makes propagate.

    ``covers`` holds ``library:method`` (publish) or ``library:consume:pattern`` keys;
    ``not_covers`` documents the gaps domain.md lists, used in the finding's explanation.
    """

    key: str
    qname: str  # the class (``...KafkaInstrumentor``) or switch
    libraries: Tuple[str, ...]
    covers: Tuple[str, ...]
    not_covers: str = ""
    system: str = "opentelemetry"
    default_in_launcher: bool = True  # loaded by opentelemetry-instrument / ddtrace-run
    # What must be installed for a launcher to load it: any of these distributions (the first is
    # the one to name), or a bootstrap step of its launcher (``Launcher.bootstrap``) where a client
    # distribution in ``instruments`` (requirement strings, any of them) is in its supported range.
    installed_by: Tuple[str, ...] = ()
    instruments: Tuple[str, ...] = ()
    bootstrap_default: bool = False  # the bootstrap step installs it without any client library
    # Requirements on the SDK itself for a switch in code to enable it (``sentry-sdk >= 2.41.0``):
    # the version the project's manifests pin must satisfy them; an unpinned version does not count.
    requires: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Launcher:
    """A command that starts a process with auto-instrumentation (``opentelemetry-instrument``).

    It loads the ``system``'s instrumentors that are ``default_in_launcher`` and installed; running
    it at all proves the distributions in ``installs`` are installed (``ddtrace-run`` is part of
    ``ddtrace``, which holds every ddtrace integration). ``bootstrap`` names the commands that
    install the instrumentations of the client libraries present (``opentelemetry-bootstrap -a install``).
    """

    command: str
    system: str
    installs: Tuple[str, ...] = ()
    bootstrap: Tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientSwitch:
    """A library-native tracing switch passed to one client's constructor: it covers the publishes
    of that client only. ``client(<keyword>=<options>(<flag>=True))``, the options built inline or
    bound to a name first; ``instrumentor`` is the row that describes what the switch covers."""

    client: str
    keyword: str
    options: Tuple[str, ...]
    flag: str
    instrumentor: str
