"""The clinical roles, as Django groups made by a data migration. What each
role may do is crsmonitor/policy.py's table."""

NURSE = "nurse"
PHYSICIAN = "physician"
PHARMACIST = "pharmacist"
# Not a person: the account an integration client (an EHR through the FHIR
# import, interop/fhir) charts as. It has no password and never signs in.
INTERFACE = "interface"


def has_role(user, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    # Cached on the user object: a page may ask several times.
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
    return bool(user._role_names.intersection(roles))
