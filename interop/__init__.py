"""The hospital's languages: FHIR R4, HL7 v2 from bedside monitors, the registry export."""
