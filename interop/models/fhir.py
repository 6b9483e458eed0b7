"""What the hospital's systems may do here, and what they did.

FHIR clients (an EHR, a data warehouse) authenticate with a bearer token an
administrator creates; only its SHA-256 is stored, so the database never
holds a usable token. Every FHIR request, answered or refused, is written to
an append-only access log (DELETE and TRUNCATE refused by PostgreSQL,
interop migration 0002), and every resource an EHR imported is remembered by
its identifier, so a transaction sent twice charts nothing twice.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from patients.models import Ward

TOKEN_PREFIX = "crsfhir_"


def token_digest(token: str) -> str:
    # The token is 256 random bits: a plain SHA-256 cannot be reversed or
    # guessed, and lets the token be looked up by its digest in one query.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class FhirClient(models.Model):
    """A system allowed to read (and, with the write scope, import) over FHIR."""

    name = models.CharField(max_length=100, unique=True, help_text="e.g. “Epic EHR”, “Warehouse”.")
    wards = models.ManyToManyField(
        Ward, related_name="+", help_text="It sees and writes only these wards' patients."
    )
    can_write = models.BooleanField(
        "may import",
        default=False,
        help_text="Write scope: may POST transaction Bundles of vitals, labs and drugs.",
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    # The token's first characters, so an administrator can tell tokens apart.
    token_hint = models.CharField(max_length=16, editable=False)
    # The account imported chart rows are recorded by (the interface role;
    # no password, never signs in).
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="fhir_client",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "FHIR client"

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class FhirAccess(models.Model):
    """One FHIR request: who, what, the answer. Added, never changed or deleted."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Empty when no valid token came with the request (a 401).
    client = models.ForeignKey(
        FhirClient, on_delete=models.PROTECT, null=True, blank=True, related_name="accesses"
    )
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=2000)
    status = models.PositiveSmallIntegerField()
    # References of the resources read or written ("Observation/lab-12").
    resources = models.JSONField(default=list, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "FHIR access"
        verbose_name_plural = "FHIR accesses"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status}"


class FhirImport(models.Model):
    """A resource an EHR sent, by its identifier, and the chart row it became.

    Several Observations taken at one time become one vitals set, so the
    identifier lives here, one row per resource; the chart row keeps the
    identifier of the resource that created it (source "EHR")."""

    identifier = models.CharField(max_length=600, unique=True)
    resource_type = models.CharField(max_length=32)
    # The chart row, as an assessment names its inputs: "vitalsset:17".
    row = models.CharField(max_length=64)
    client = models.ForeignKey(FhirClient, on_delete=models.PROTECT, related_name="imports")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = "FHIR import"
        constraints = [models.CheckConstraint(condition=~Q(identifier=""), name="import_named")]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.identifier} -> {self.row}"
