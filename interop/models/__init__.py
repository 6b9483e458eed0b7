"""What the hospital's systems sent us and may do here: bedside monitors'
messages and pending vitals (devices), FHIR clients and their logs (fhir)."""

from .devices import DeviceObservation, DeviceVitalsSet, InboundMessage
from .fhir import FhirAccess, FhirClient, FhirImport, new_token, token_digest

__all__ = [
    "DeviceObservation",
    "DeviceVitalsSet",
    "FhirAccess",
    "FhirClient",
    "FhirImport",
    "InboundMessage",
    "new_token",
    "token_digest",
]
