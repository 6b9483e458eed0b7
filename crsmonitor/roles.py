"""The clinical roles, as Django groups made by a data migration."""

NURSE = "nurse"
PHYSICIAN = "physician"
PHARMACIST = "pharmacist"

# clinical-rules section 5: a dose block is overridden only by these, with a reason.
MAY_OVERRIDE_DOSE_BLOCKS = (PHYSICIAN, PHARMACIST)
# clinical-rules section 4 (r2): a physician changes a ward's or an episode's protocol.
MAY_CHANGE_PROTOCOL = (PHYSICIAN,)
MAY_CHANGE_NEWS2_SCALE = (PHYSICIAN,)


def has_role(user, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    # Cached on the user object: a page may ask several times.
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
    return bool(user._role_names.intersection(roles))
