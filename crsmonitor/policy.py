"""Who may do what: the one table the services enforce, the views check,
the templates ask (the `may` filter) and the permission-matrix test is
built from. A new action is a new row here, never a new `has_role` call."""

from .roles import INTERFACE, NURSE, PHARMACIST, PHYSICIAN, has_role

POLICY: dict[str, tuple[str, ...]] = {
    # Observations, labs, drugs, weights, work-up and "entered in error".
    # The interface charts what an EHR sends through the FHIR import (issue 14).
    "chart": (NURSE, PHYSICIAN, INTERFACE),
    # A physician corrects another's chart entry; anyone else only their own.
    "correct_others_entries": (PHYSICIAN,),
    # Everyone on the ward gives drugs; the dose limits apply to all (section 5).
    # The interface records doses the EHR says were given (the FHIR import).
    "record_dose": (NURSE, PHYSICIAN, PHARMACIST, INTERFACE),
    # clinical-rules section 5: a dose block is overridden only by these, with a reason.
    "override_dose_block": (PHYSICIAN, PHARMACIST),
    "verify_dose": (PHARMACIST,),
    "review_blocked_dose": (PHARMACIST,),
    "record_stock": (PHARMACIST,),
    # The dose-check queue and a patient's audit history.
    "see_dose_checks": (PHYSICIAN, PHARMACIST),
    # clinical-rules section 8: the prompts are a physician's decisions.
    "answer_prompts": (PHYSICIAN,),
    # clinical-rules section 4 (r2): a physician changes a ward's or an episode's protocol.
    "change_protocol": (PHYSICIAN,),
    "change_news2_scale": (PHYSICIAN,),
    # The registry summary as CSV and FHIR (interop/registry*.py): a physician's
    # (or the admin's) task, for the patients of the wards they see.
    "export_registry": (PHYSICIAN,),
    # Everyone else sees only the wards they staff. Migration 0007 gives these
    # roles' groups the permission below; the admin may grant it to others.
    "see_all_wards": (PHARMACIST,),
    # HL7 messages from bedside monitors that reached no nurse (unknown
    # patient, unreadable): a physician or an administrator looks at them.
    "review_device_messages": (PHYSICIAN,),
    # Issue 13: the on-call rota is kept by physicians (or an administrator);
    # an alert is acknowledged by a physician; the noise of notifications is
    # the physicians' (and their unit lead's) to measure.
    "keep_rota": (PHYSICIAN,),
    "acknowledge_alert": (PHYSICIAN,),
    "see_notification_noise": (PHYSICIAN,),
}

# Actions an administrator may also hold without a clinical role.
ALSO_BY_PERMISSION = {
    "see_all_wards": "patients.view_all_wards",
    # Superusers hold every permission; the admin may grant it to interface staff.
    "review_device_messages": "interop.view_inboundmessage",
}
# A superuser has always charted, exports for the registry (the data
# manager's account) and keeps the rota; a clinical decision stays with the
# roles above.
ALSO_BY_SUPERUSER = frozenset({"chart", "export_registry", "keep_rota"})


def may(user, action: str) -> bool:
    roles = POLICY[action]  # KeyError: an action nobody wrote down is a bug.
    if not user.is_authenticated:
        return False
    if action in ALSO_BY_SUPERUSER and user.is_superuser:
        return True
    if action in ALSO_BY_PERMISSION and user.has_perm(ALSO_BY_PERMISSION[action]):
        return True
    return has_role(user, *roles)


def who_may(action: str) -> tuple[str, ...]:
    return POLICY[action]
