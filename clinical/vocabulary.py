"""The chart's controlled vocabulary: one code per concept, with the words a
nurse reads. Pure Python (no Django) so that the grading rules and the
`manage.py grade` command share exactly the codes the chart stores.

Codes follow spec/grade-command.md; they are stable, never renamed.
"""

from clinical.labs import CATALOGUE

# Oxygen delivery, in order of the support it gives (ASTCT 2019 hypoxia column).
OXYGEN_DEVICES = (
    ("room_air", "Room air"),
    ("blow_by", "Blow-by"),
    ("nasal_cannula", "Nasal cannula"),
    ("high_flow_nasal_cannula", "High-flow nasal cannula"),
    ("simple_face_mask", "Simple face mask"),
    ("venturi_mask", "Venturi mask"),
    ("non_rebreather_mask", "Non-rebreather mask"),
    ("cpap", "CPAP"),
    ("bipap", "BiPAP"),
    ("mechanical_ventilation", "Intubated / mechanical ventilation"),
)

VASOPRESSORS = (
    ("norepinephrine", "Norepinephrine"),
    ("epinephrine", "Epinephrine"),
    ("phenylephrine", "Phenylephrine"),
    ("dopamine", "Dopamine"),
    ("vasopressin", "Vasopressin"),
    ("angiotensin_ii", "Angiotensin II"),
)

NEURO_TOOLS = (
    ("ICE", "ICE score (10 points)"),
    ("CAPD", "CAPD (Cornell Assessment of Pediatric Delirium, 0-32)"),
)

CONSCIOUSNESS = (
    ("alert", "Alert"),
    ("awakens_spontaneously", "Awakens spontaneously"),
    ("awakens_to_voice", "Awakens to voice"),
    ("awakens_to_touch", "Awakens only to touch"),
    ("unarousable", "Unarousable / needs vigorous stimuli"),
)

SEIZURE = (
    ("none", "None"),
    (
        "rapidly_resolving",
        "Seizure that resolved rapidly (or non-convulsive, resolved with treatment)",
    ),
    ("prolonged_or_repetitive", "Prolonged (> 5 min) or repetitive seizures"),
)

CEREBRAL_EDEMA = (
    ("none", "None"),
    ("focal", "Focal / local oedema on imaging"),
    ("diffuse", "Diffuse oedema, posturing, CN VI palsy, papilloedema or Cushing's triad"),
)

# ICANS domains a finding can belong to; a nurse may attribute a domain's
# finding to another cause (ASTCT 2019: such findings do not count).
NEURO_DOMAINS = (
    ("score", "ICE/CAPD score"),
    ("consciousness", "Level of consciousness"),
    ("seizure", "Seizure"),
    ("motor", "Motor weakness"),
    ("edema", "Cerebral oedema"),
)

# Why an assessment was given in a modified way, so a low score is read in context.
NEURO_MODIFICATIONS = (
    ("language", "Language (interpreter or translated items)"),
    ("disability", "Disability (e.g. cannot write or see)"),
    ("other", "Other"),
)

# The ten ICE items (ASTCT 2019, Lee et al. table 5): code, words, points.
ICE_ITEMS = (
    ("orient_year", "Oriented to year", 1),
    ("orient_month", "Oriented to month", 1),
    ("orient_city", "Oriented to city", 1),
    ("orient_hospital", "Oriented to hospital", 1),
    ("name_object_1", "Names first object", 1),
    ("name_object_2", "Names second object", 1),
    ("name_object_3", "Names third object", 1),
    ("follows_commands", "Follows simple commands", 1),
    ("writes_sentence", "Writes a standard sentence", 1),
    ("counts_back", "Counts back from 100 by ten", 1),
)

# CAPD, Cornell Assessment of Pediatric Delirium (Traube et al., Crit Care Med
# 2014;42:656-663): eight observations, each answered by how often it is seen.
# Items 1-4 describe awareness, so "never" scores 4 and "always" 0 (reversed);
# items 5-8 describe delirium, so "never" scores 0 and "always" 4.
CAPD_FREQUENCIES = (
    (0, "Never"),
    (1, "Rarely"),
    (2, "Sometimes"),
    (3, "Often"),
    (4, "Always"),
)

CAPD_ITEMS = (
    # code, question, reversed
    ("capd_eye_contact", "Does the child make eye contact with the caregiver?", True),
    ("capd_purposeful", "Are the child's actions purposeful?", True),
    ("capd_aware", "Is the child aware of their surroundings?", True),
    ("capd_communicates", "Does the child communicate needs and wants?", True),
    ("capd_restless", "Is the child restless?", False),
    ("capd_inconsolable", "Is the child inconsolable?", False),
    ("capd_underactive", "Is the child underactive (very little movement while awake)?", False),
    ("capd_slow_response", "Does the child take a long time to respond to interactions?", False),
)


def capd_points(code: str, frequency: int) -> int:
    """Points of one CAPD answer, reversing the four awareness items."""
    reversed_item = next(rev for item, _, rev in CAPD_ITEMS if item == code)
    return 4 - frequency if reversed_item else frequency


# Drugs the chart records, lower-case generic names (spec/grade-command.md).
DRUGS = (
    ("tocilizumab", "Tocilizumab"),
    ("dexamethasone", "Dexamethasone"),
    ("methylprednisolone", "Methylprednisolone"),
    ("hydrocortisone", "Hydrocortisone"),
    ("acetaminophen", "Acetaminophen (paracetamol)"),
    ("ibuprofen", "Ibuprofen"),
    ("anakinra", "Anakinra"),
    ("siltuximab", "Siltuximab"),
    ("clazakizumab", "Clazakizumab"),
    ("ruxolitinib", "Ruxolitinib"),
    ("cyclophosphamide", "Cyclophosphamide"),
    ("ivig", "Immunoglobulin (IVIG)"),
    ("anti_thymocyte_globulin", "Anti-thymocyte globulin"),
    ("levetiracetam", "Levetiracetam"),
    ("sargramostim", "Sargramostim (GM-CSF)"),
    ("filgrastim", "Filgrastim (G-CSF)"),
    # Empiric antibacterials of neutropenic fever pathways (clinical-rules.md section 9).
    ("cefepime", "Cefepime"),
    ("piperacillin_tazobactam", "Piperacillin-tazobactam"),
    ("meropenem", "Meropenem"),
    ("ceftazidime", "Ceftazidime"),
    ("ceftriaxone", "Ceftriaxone"),
    ("vancomycin", "Vancomycin"),
    ("other_antibacterial", "Other antibacterial"),
    ("other", "Other"),
)

# Drug classes (spec/grade-command.md, revision r2).
DRUG_CLASSES = (
    ("antibacterial", "Antibacterial"),
    ("antifungal", "Antifungal"),
    ("antiviral", "Antiviral"),
    ("steroid", "Corticosteroid"),
    ("antipyretic", "Antipyretic"),
    ("anti_cytokine", "Anti-cytokine"),
    ("growth_factor", "Growth factor"),
)

# The class each known drug has built in; a drug not listed has no class
# unless the chart or the case gives one.
DRUG_CLASS = {
    "tocilizumab": "anti_cytokine",
    "siltuximab": "anti_cytokine",
    "anakinra": "anti_cytokine",
    "clazakizumab": "anti_cytokine",
    "dexamethasone": "steroid",
    "methylprednisolone": "steroid",
    "hydrocortisone": "steroid",
    "acetaminophen": "antipyretic",
    "ibuprofen": "antipyretic",
    "sargramostim": "growth_factor",  # GM-CSF
    "filgrastim": "growth_factor",  # G-CSF, not GM-CSF
    "cefepime": "antibacterial",
    "piperacillin_tazobactam": "antibacterial",
    "meropenem": "antibacterial",
    "ceftazidime": "antibacterial",
    "ceftriaxone": "antibacterial",
    "vancomycin": "antibacterial",
    "other_antibacterial": "antibacterial",
}

# Other names of a known drug: the same drug for every counter and limit
# (clinical-rules.md section 5 r2: no tocilizumab escapes the counters).
DRUG_ALIASES = {
    "paracetamol": "acetaminophen",
    "actemra": "tocilizumab",
    "roactemra": "tocilizumab",
    "tyenne": "tocilizumab",
    "tofidence": "tocilizumab",
    "avtozma": "tocilizumab",
    # The biosimilars' US nonproprietary names (generic plus a suffix).
    "tocilizumab_aazg": "tocilizumab",  # Tyenne
    "tocilizumab_bavi": "tocilizumab",  # Tofidence
    "tocilizumab_anoh": "tocilizumab",  # Avtozma
}


def canonical_drug(name: str) -> str:
    """The generic code of a drug name: 'Actemra ' and 'paracetamol' become
    'tocilizumab' and 'acetaminophen'; an unknown name is returned lower-cased."""
    key = "_".join(name.strip().lower().replace("-", " ").split())
    return DRUG_ALIASES.get(key, key)


def drug_class(drug: str, given: str | None = None) -> str | None:
    """A charted class wins; otherwise the class built into a known drug."""
    return given or DRUG_CLASS.get(canonical_drug(drug))


# Entries of DRUGS that are a bucket, not a drug: naming one is no reason to refuse.
NOT_A_DRUG = frozenset({"other", "other_antibacterial"})


def known_drug_named(text: str) -> str | None:
    """The code of a listed drug that a free-text name contains ("Actemra",
    "tocilizumab-aazg 400 mg", "Piperacillin tazobactam"), or None.

    Clinical-rules.md section 5 r2: a known drug charted as "other" would
    escape its counters and limits, so the form sends the nurse to the list.
    """
    words = [w for w in "".join(c if c.isalpha() else " " for c in text.lower()).split() if w]
    listed = codes(DRUGS) - NOT_A_DRUG
    candidates = ["_".join(words[i : i + 2]) for i in range(len(words) - 1)] + words
    for candidate in candidates:
        drug = DRUG_ALIASES.get(candidate, candidate)
        if drug in listed:
            return drug
    return None


def drug_words(code: str) -> str:
    """The name a nurse reads for a drug code ("Tocilizumab")."""
    return dict(DRUGS).get(code, code.replace("_", " ").capitalize())


# Work-up events charted at the bedside (clinical-rules.md section 9).
EVENT_KINDS = (
    ("blood_culture", "Blood culture"),
    ("urine_culture", "Urine culture"),
    ("chest_xray", "Chest X-ray"),
    ("cmv_ebv_pcr", "CMV/EBV PCR"),
    ("echocardiogram", "Echocardiogram"),
    ("brain_imaging", "Brain MRI or CT"),
    ("eeg", "EEG"),
    ("lumbar_puncture", "Lumbar puncture"),
    ("neurology_consult", "Neurology consult"),
    ("icu_transfer", "ICU transfer"),
)

ROUTES = (
    ("iv", "IV"),
    ("oral", "Oral"),
    ("sc", "Subcutaneous"),
    ("im", "Intramuscular"),
)

# Lab catalogue: code, name, canonical unit (UCUM), LOINC, adult upper
# reference limit; the whole catalogue, with SI units, is clinical.labs.
LABS = tuple((lab.code, lab.name, lab.unit, lab.loinc, lab.reference_high) for lab in CATALOGUE)


def codes(vocabulary):
    """The codes of a vocabulary, for membership checks."""
    return frozenset(entry[0] for entry in vocabulary)
