"""The FHIR endpoints under /fhir/. Token-authenticated, never by session:
every view opts out of the sign-in page and of CSRF (no cookie gives a FHIR
request any authority), checks the bearer token itself, and writes what it
answered to the access log, refusals included."""

import json
import logging
from functools import wraps
from urllib.parse import urlencode

import pghistory
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from crsmonitor.errors import DATABASE_LOST
from interop.models import FhirAccess, FhirClient, token_digest

from . import codes as c
from . import resources
from .export import validated
from .importing import BadBundle, import_bundle
from .search import BadParameter

log = logging.getLogger(__name__)
CONTENT_TYPE = "application/fhir+json; charset=utf-8"
MAX_BODY = 10 * 1024 * 1024


class Refused(Exception):
    """An answer that is an OperationOutcome: (status, code, message, expression)."""

    def __init__(self, status: int, code: str, message: str, expression: str = ""):
        super().__init__(message)
        self.status, self.code, self.message, self.expression = status, code, message, expression


def outcome(issues: list[tuple[str, str, str]]) -> dict:
    """issues: (code, diagnostics, expression)."""
    return validated(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {"severity": "error", "code": code, "diagnostics": message}
                | ({"expression": [expression]} if expression else {})
                for code, message, expression in issues
            ],
        }
    )


def _respond(status: int, body: dict) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def _client(request) -> FhirClient:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(401, "login", "Send the client's token: Authorization: Bearer <token>.")
    client = (
        FhirClient.objects.filter(token_digest=token_digest(token.strip()), revoked_at__isnull=True)
        .select_related("account")
        .first()
    )
    if client is None:
        raise Refused(401, "login", "This token is unknown or was revoked.")
    client.ward_ids = list(client.wards.values_list("pk", flat=True))
    return client


def fhir_view(view):
    """Authenticate by token, answer FHIR JSON or an OperationOutcome, log the access."""

    @login_not_required
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        client, refs = None, []
        try:
            client = _client(request)
            status, body, refs = view(request, client, *args, **kwargs)
        except Refused as refused:
            status = refused.status
            body = outcome([(refused.code, refused.message, refused.expression)])
        except BadParameter as bad:
            status, body = 400, outcome([("invalid", bad.message, bad.name)])
        except resources.NotFound:
            status = 404
            body = outcome([("not-found", "No such resource on this client's wards.", "")])
        except DATABASE_LOST:
            # A client retries a 503; nothing was charted (the import is one transaction).
            log.warning("FHIR request without a database", exc_info=True)
            return _respond(
                503, outcome([("transient", "The database is unavailable: retry.", "")])
            )
        except Exception:
            log.exception("FHIR request failed")
            status = 500
            body = outcome([("exception", "The server failed to answer: this is our bug.", "")])
        response = _respond(status, body)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="CRS Monitor FHIR"'
        FhirAccess.objects.create(
            client=client,
            method=request.method[:8],
            path=request.get_full_path()[:2000],
            status=status,
            resources=refs,
            remote_addr=request.META.get("REMOTE_ADDR") or None,
        )
        return response

    return wrapper


def _only(request, *methods: str) -> None:
    if request.method not in methods:
        raise Refused(405, "not-supported", f"{request.method} is not supported here.")


def _base(request) -> str:
    return request.build_absolute_uri("/fhir/")


@fhir_view
def search(request, client, resource_type: str):
    _only(request, "GET")
    if resource_type not in resources.RESOURCE_TYPES:
        raise Refused(404, "not-supported", f"{resource_type} is not served here.")
    params, page = resources.search(resource_type, request.GET, client.ward_ids)
    if params.patient is not None and not page.resources:
        # Another ward's patient is not found, as on a read: nothing says it exists.
        if not resources.patient_visible(params.patient, client.ward_ids):
            raise resources.NotFound
    base = _base(request)
    entries = [
        {
            "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
            "resource": validated(resource),
            "search": {"mode": "match"},
        }
        for resource in page.resources
    ]
    links = [{"relation": "self", "url": _page_url(request, base, resource_type, params.offset)}]
    if page.has_next:
        links.append(
            {
                "relation": "next",
                "url": _page_url(request, base, resource_type, params.offset + params.count),
            }
        )
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": timezone.now().isoformat(),
        "link": links,
        "entry": entries,
    }
    refs = [f"{r['resourceType']}/{r['id']}" for r in page.resources]
    return 200, bundle, refs


def _page_url(request, base: str, resource_type: str, offset: int) -> str:
    query = [(k, v) for k in request.GET for v in request.GET.getlist(k) if k != "_offset"]
    if offset:
        query.append(("_offset", str(offset)))
    return f"{base}{resource_type}" + (f"?{urlencode(query)}" if query else "")


@fhir_view
def read(request, client, resource_type: str, resource_id: str):
    _only(request, "GET")
    if resource_type not in resources.RESOURCE_TYPES:
        raise Refused(404, "not-supported", f"{resource_type} is not served here.")
    extra = [name for name in request.GET if name != "_format"]
    if extra:
        raise BadParameter(extra[0], f"A read takes no parameters, not “{extra[0]}”.")
    resource = validated(resources.read(resource_type, resource_id, client.ward_ids))
    return 200, resource, [f"{resource_type}/{resource_id}"]


@fhir_view
def transaction(request, client):
    _only(request, "POST")
    if not client.can_write:
        raise Refused(403, "forbidden", "This client may read only: it has no write scope.")
    if len(request.body) > MAX_BODY:
        raise Refused(413, "too-costly", "The transaction is larger than 10 MB: split it.")
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "structure", "The body is not JSON.") from None
    try:
        with pghistory.context(fhir_client=client.pk, user=client.account_id):
            result = import_bundle(body, client)
    except BadBundle as bad:
        raise Refused(400, "structure", bad.message, bad.expression) from None
    except IntegrityError:
        log.warning("FHIR import by %s conflicted with a concurrent write", client, exc_info=True)
        raise Refused(
            409,
            "conflict",
            "Another request charted the same resources at the same moment:"
            " send the transaction again.",
        ) from None
    if result.refusals:
        issues = [
            ("invalid", f"Entry {r.index}: {r.message}", r.expression) for r in result.refusals
        ]
        issues.append(
            ("processing", "Transaction refused: nothing was charted (all or nothing).", "")
        )
        return result.status, outcome(issues), []
    entries = [
        {"response": {"status": status} | ({"location": location} if location else {})}
        for _, (status, location) in sorted(result.locations.items())
    ]
    bundle = validated(
        {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "timestamp": timezone.now().isoformat(),
            "entry": entries,
        }
    )
    return 200, bundle, sorted(location for _, location in result.locations.values() if location)


@login_not_required
@csrf_exempt
def metadata(request):
    if request.method != "GET":
        return _respond(405, outcome([("not-supported", "GET the CapabilityStatement.", "")]))
    return _respond(200, capability_statement())


def capability_statement() -> dict:
    types = []
    for resource_type, parameters in resources.SEARCH_PARAMETERS.items():
        types.append(
            {
                "type": resource_type,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [
                    {"name": name, "type": kind if kind != "string" else "string"}
                    for name, kind in {**parameters, "_count": "number"}.items()
                ],
            }
        )
    return validated(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-11-30",
            "kind": "instance",
            "software": {"name": "CRS Monitor"},
            "implementation": {
                "description": "CRS Monitor FHIR API: CAR-T episodes, vital signs, labs,"
                " drugs and CRS/ICANS grades. Served as FHIR R4B (4.3.0), R4's technical"
                " correction, identical to R4 for these resources.",
            },
            "fhirVersion": c.FHIR_VERSION,
            "format": ["application/fhir+json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": "Searches are strict: an unknown parameter is a 400."
                    " Pages: _count (at most 200) and the next link. POST a transaction"
                    " Bundle to the base to import vitals, labs and drugs (all or nothing,"
                    " idempotent by identifier).",
                    "security": {
                        "description": "Bearer token per client, created by an administrator;"
                        " each client sees only its wards."
                    },
                    "resource": types,
                    "interaction": [{"code": "transaction"}],
                }
            ],
        }
    )
