"""FHIR R4 read API and transaction import (issue 14), served as R4B.

R4B (4.3.0) is R4's technical correction: Patient, Encounter, Observation,
MedicationAdministration, Bundle, OperationOutcome and CapabilityStatement
are the same for what this API uses. Every resource is built as R4B and
checked with fhir.resources' R4B models before it leaves.
"""
