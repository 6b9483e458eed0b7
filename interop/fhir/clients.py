"""Creating and revoking FHIR clients (the admin uses these; so do tests)."""

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from crsmonitor.roles import INTERFACE
from interop.models import FhirClient, new_token, token_digest


@transaction.atomic
def client_create(*, name: str, wards, can_write: bool = False, by=None) -> tuple[FhirClient, str]:
    """A client and its token. The token is returned once and never stored."""
    client = FhirClient(name=name, can_write=can_write)
    token = client_prepare(client, by=by)
    client.save()
    client.wards.set(wards)
    return client, token


def client_prepare(client: FhirClient, *, by=None) -> str:
    """Give a new (unsaved) client its token digest and interface account; return the token."""
    token = new_token()
    account = User.objects.create_user(
        _username(client.name), first_name=client.name[:150], last_name="(FHIR interface)"
    )
    account.set_unusable_password()
    account.save(update_fields=["password"])
    account.groups.add(Group.objects.get_or_create(name=INTERFACE)[0])
    client.token_digest = token_digest(token)
    client.token_hint = token[:12]
    client.account = account
    client.created_by = by
    return token


def _username(name: str) -> str:
    base = f"fhir-{slugify(name)[:100] or 'client'}"
    username, number = base, 1
    while User.objects.filter(username=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


def client_revoke(client: FhirClient, *, by=None) -> FhirClient:
    """From now on its token is refused (401); the client and its log stay."""
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.revoked_by = by
        client.save(update_fields=["revoked_at", "revoked_by"])
    return client
