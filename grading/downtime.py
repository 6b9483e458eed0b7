"""What the downtime sheets print beyond the board's cards: the next steps for
a patient, safe for a child, and which patients the ward printout shows in full.

The next steps read the same rules as the patient page and the prompts: the
tocilizumab dose from the label by weight, the steroid doses through
`steroid_recommendations` and `icans_steroids`, which give every patient under
18 the pharmacy message instead of an adult dose. A protocol's own action
texts carry adult doses and the adult "8 mg/kg", so an action naming one of
these drugs is never printed as written; the computed lines take its place.
"""

import re
from dataclasses import dataclass

from . import rules
from .board import Card
from .rules.protocols import TOCILIZUMAB_LABEL
from .rules.steroids import ADULT_FROM_YEARS, CORTICOSTEROIDS
from .rules.tocilizumab import LABEL_MAX_DOSE_MG, TOCILIZUMAB, min_interval
from .rules.wording import number

DOSED_BY_RULE = (TOCILIZUMAB, *sorted(CORTICOSTEROIDS))
# Any dose left in a protocol's free text: "10 mg", "8 mg/kg", "1000 mg/day".
A_DOSE = re.compile(r"\d\s*mg\b", re.IGNORECASE)

# The ward printout shows in full every patient at this acuity or above, and
# every patient with an open critical prompt; the rest get a line block.
FULL_SHEET_FROM_ACUITY = 2


@dataclass(frozen=True)
class Step:
    text: str
    source: str
    condition: str = ""  # a check in the rules ("refractory_hypotension"); "" always


def next_steps(card: Card) -> list[Step]:
    """The protocol's next steps at the patient's current CRS grade, with the
    doses worked out for this patient."""
    grade = card.crs
    if not grade:
        return []
    snapshot = card.snapshot
    protocol = rules.PROTOCOLS[snapshot.protocol]
    child = snapshot.age_years < ADULT_FROM_YEARS
    steps = []
    tocilizumab = _tocilizumab_step(card, protocol, grade)
    if tocilizumab:
        steps.append(tocilizumab)
    for steroid in rules.steroid_recommendations(snapshot, grade):
        # The pharmacy message alone does not say which drug it stands for.
        text = steroid.text
        if steroid.drug not in text.lower():
            text = f"{steroid.drug.capitalize()}: {text}"
        steps.append(Step(text, steroid.source, steroid.condition or ""))
    for action in protocol.actions.get(grade, ()):
        if _names_a_dosed_drug(action.text):
            continue
        text = action.text
        if child and A_DOSE.search(text):
            # A dose for another drug in the protocol text is an adult dose too.
            text = rules.NO_PAEDIATRIC_DOSE
        steps.append(Step(text, action.source))
    return _once(steps)


def icans_steps(card: Card) -> list[Step]:
    """The ICANS floor at the patient's current ICANS grade (every protocol),
    its steroid worked out for the patient or withheld under 18."""
    grade = card.icans
    if not grade:
        return []
    steps = [Step(action.text, action.source) for action in rules.icans_actions(grade)]
    for steroid in rules.icans_steroids(card.snapshot, grade):
        steps.append(Step(steroid.text, steroid.source))
    return _once(steps)


def _once(steps: list[Step]) -> list[Step]:
    # Two adult doses of one drug are one pharmacy message for a child.
    return list({step.text: step for step in steps}.values())


def _names_a_dosed_drug(text: str) -> bool:
    lowered = text.lower()
    return any(drug in lowered for drug in DOSED_BY_RULE)


def _tocilizumab_step(card: Card, protocol: rules.Protocol, grade: int) -> Step | None:
    if grade >= 2:
        lead, source = protocol.tocilizumab_repeat.text, protocol.tocilizumab_repeat.source
    elif protocol.tocilizumab_consider is not None:
        lead, source = protocol.tocilizumab_consider.text, protocol.tocilizumab_consider.source
    else:
        return None
    status = card.doses.tocilizumab
    interval = number(min_interval(protocol).total_seconds() / 3600)
    if status.dose_mg is None:
        dose = (
            f"Tocilizumab: no weight in the last {number(card.ward.weight_valid_days)} days,"
            " weigh the patient before dosing"
        )
    else:
        dose = (
            f"Tocilizumab {status.dose_mg} mg IV ({status.mg_per_kg} mg/kg for"
            f" {number(card.doses.weight_kg)} kg; at most {LABEL_MAX_DOSE_MG} mg,"
            f" {interval} h apart)"
        )
    if status.may_give_now:
        when = "allowed now"
    elif status.next_allowed_at is not None:
        when = f"next allowed {card.next_tocilizumab_when}"
    else:
        when = "not allowed now: " + "; ".join(words for _, words in card.doses.blocks)
    return Step(f"{dose}, {when}. Protocol: {lead}", f"{source}; {TOCILIZUMAB_LABEL}")


def severity(card: Card) -> tuple:
    """How sick a patient is now, for choosing and ordering the full sheets:
    the acuity (never below either grade; section 9), then open critical
    prompts, then the worse grade, then open high prompts. The one place to
    change what "sickest" means."""
    crs, icans = card.crs or 0, card.icans or 0
    critical = sum(1 for prompt in card.open_prompts if prompt.severity == "critical")
    high = sum(1 for prompt in card.open_prompts if prompt.severity == "high")
    return (card.acuity or 0, critical, max(crs, icans), high)


def needs_full_sheet(card: Card) -> bool:
    acuity, critical, *_ = severity(card)
    return acuity >= FULL_SHEET_FROM_ACUITY or critical > 0


def sickest_first(cards: list[Card]) -> list[Card]:
    """The patients the ward printout shows in full, sickest first."""
    full = [card for card in cards if needs_full_sheet(card)]
    return sorted(full, key=severity, reverse=True)


@dataclass(frozen=True)
class Sheet:
    """One patient's full downtime sheet."""

    card: Card
    steps: list[Step]  # CRS, under the protocol
    icans_steps: list[Step]  # ICANS, under the floor every protocol shares


def sheets(cards: list[Card]) -> list[Sheet]:
    return [Sheet(card, next_steps(card), icans_steps(card)) for card in cards]
