import uuid

from django import forms
from django.utils import timezone

from clinical import ranges
from clinical.vocabulary import ROUTES, known_drug_named
from patients.forms import FORM_OUT_OF_DATE, DrugForm
from patients.models import Episode

from .dose_services import ALREADY_GIVEN
from .models import PROTOCOL_REASON_MAX, PromptResponse
from .rules import CONFIRMATION_CODES, PROTOCOLS

# The drugs a protocol doses (clinical-rules section 4); the rest are charted at the bedside.
PROTOCOL_DRUGS = [
    ("tocilizumab", "Tocilizumab"),
    ("dexamethasone", "Dexamethasone"),
    ("methylprednisolone", "Methylprednisolone"),
    ("hydrocortisone", "Hydrocortisone"),
]

CONFIRMATIONS = [
    ("child_steroid", "Steroid for a patient under 18"),
    ("steroid_below_grade_3", "Steroid below CRS grade 3"),
    ("gm_csf_contraindicated", "GM-CSF with CAR-T"),
    (ALREADY_GIVEN, "Already given: charted late"),
]
assert {code for code, _ in CONFIRMATIONS} == {*CONFIRMATION_CODES, ALREADY_GIVEN}


class DoseCheckFields(forms.Form):
    """The answers to the dose check, on every form that charts a drug: an
    override reason, the confirmations ticked and why."""

    override_reason = forms.CharField(
        label="Override reason",
        required=False,
        max_length=ranges.FREE_TEXT_MAX,
        error_messages={
            "max_length": f"Keep the override reason to {ranges.FREE_TEXT_MAX} characters."
        },
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only to chart a dose a limit blocks: physicians and pharmacists,"
        " or anyone charting a dose already given.",
    )
    confirmed = forms.MultipleChoiceField(
        label="Confirmed",
        required=False,
        choices=CONFIRMATIONS,
        widget=forms.CheckboxSelectMultiple,
    )
    confirm_reason = forms.CharField(
        label="Why it is given",
        required=False,
        max_length=ranges.FREE_TEXT_MAX,
        error_messages={
            "max_length": f"Keep why it is given to {ranges.FREE_TEXT_MAX} characters."
        },
        widget=forms.TextInput,
    )

    def check_answers(self) -> dict:
        """Keyword arguments for dose_services.dose_record."""
        return {
            "override_reason": self.cleaned_data["override_reason"],
            "confirmed": self.cleaned_data["confirmed"],
            "confirm_reason": self.cleaned_data["confirm_reason"],
        }


class DoseForm(DoseCheckFields):
    drug = forms.ChoiceField(
        choices=PROTOCOL_DRUGS, widget=forms.Select(attrs={"data-dose-drug": ""})
    )
    dose_mg = forms.DecimalField(
        label="Dose (mg)",
        min_value=0.01,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "data-dose": ""}),
    )
    route = forms.ChoiceField(choices=ROUTES, initial="iv")
    observed_at = forms.DateTimeField(
        label="Given at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # The drug whose computed dose filled the dose box; cleared when the drug changes.
    computed_for = forms.CharField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": FORM_OUT_OF_DATE, "invalid": FORM_OUT_OF_DATE},
    )

    field_order = ["drug", "dose_mg", "route", "observed_at"]

    def __init__(self, *args, computed: dict[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.computed = computed or {}
        self.fields["observed_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def clean(self) -> dict:
        cleaned = super().clean()
        drug, dose = cleaned.get("drug"), cleaned.get("dose_mg")
        prefilled_for = cleaned.get("computed_for")
        # Clinical-rules section 11: a computed dose belongs to its drug only.
        # The page's script clears the dose when the drug changes; this holds
        # without the script too.
        if drug and dose is not None and prefilled_for and prefilled_for != drug:
            if dose == self.computed.get(prefilled_for):
                self.add_error(
                    "dose_mg",
                    f"{dose:g} mg is the dose computed for {prefilled_for}, not {drug}:"
                    f" enter the {drug} dose.",
                )
                # Asked once: the next send is checked as typed.
                self.data = self.data.copy()
                self.data["computed_for"] = ""
        return cleaned


class CheckedDrugForm(DrugForm, DoseCheckFields):
    """The bedside "drug given" form, answered through the same dose check."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["drug"].widget.attrs["data-dose-drug"] = ""
        self.fields["dose_mg"].widget.attrs["data-dose"] = ""

    def clean_drug_other(self) -> str:
        named = self.cleaned_data.get("drug_other", "")
        if self.data.get("drug") == "other" and known_drug_named(named) == "tocilizumab":
            # Not on this form's list: its dose is checked on its own page.
            raise forms.ValidationError(
                f"“{named.strip()}” is tocilizumab: choose Tocilizumab from the list"
                " on the tocilizumab dose page."
            )
        return named


class PromptResponseForm(forms.ModelForm):
    class Meta:
        model = PromptResponse
        fields = ["response", "reason"]
        widgets = {"response": forms.RadioSelect, "reason": forms.TextInput}
        error_messages = {
            "response": {
                "required": "Choose an answer.",
                "invalid_choice": "Choose one of the answers.",
            },
            "reason": {"max_length": f"Keep the reason to {ranges.FREE_TEXT_MAX} characters."},
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        # The same rule as the not_indicated_says_why constraint, said on the field.
        if cleaned.get("response") == "not_indicated" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why it is not indicated.")
        return cleaned


class StockForm(forms.Form):
    doses_on_site = forms.IntegerField(
        label="Tocilizumab doses on site for this patient",
        min_value=0,
        max_value=20,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _protocol_choice(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[(code, p.name) for code, p in sorted(PROTOCOLS.items())],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a protocol."},
    )


def _protocol_reason() -> forms.CharField:
    return forms.CharField(
        label="Reason",
        max_length=PROTOCOL_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": PROTOCOL_REASON_MAX}),
        error_messages={
            "required": "Say why the protocol changes: it is kept in the audit trail.",
            "max_length": f"Keep the reason to {PROTOCOL_REASON_MAX} characters.",
        },
    )


class ProtocolForm(forms.Form):
    """The ward's protocol for new episodes (clinical-rules section 4, r2)."""

    protocol = _protocol_choice("New episodes on this ward start under")
    reason = _protocol_reason()
    confirm = forms.BooleanField(
        label="I confirm: new episodes start under this protocol; "
        "patients already on the ward keep theirs until it is applied to them.",
        error_messages={"required": "Tick to confirm the change."},
    )


class ApplyProtocolForm(forms.Form):
    """The ward's protocol applied to the active episodes listed, once confirmed."""

    # The protocol the physician saw named: if the ward changed again since, nothing moves.
    protocol = forms.ChoiceField(
        choices=[(code, code) for code in sorted(PROTOCOLS)], widget=forms.HiddenInput
    )
    episodes = forms.ModelMultipleChoiceField(
        label="Patients",
        queryset=Episode.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Tick at least one patient.",
            "invalid_choice": "The list changed since it was shown (a patient left the ward "
            "or was moved already): check it and confirm again.",
        },
    )
    reason = _protocol_reason()
    confirm = forms.BooleanField(
        label="I confirm: the ticked patients' tocilizumab limits, steroid doses and prompts "
        "follow the ward's protocol from now on, counting every dose already given.",
        error_messages={"required": "Tick to confirm the change."},
    )

    def __init__(self, *args, episodes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["episodes"].queryset = episodes
        self.fields["episodes"].label_from_instance = lambda e: (
            f"{e.patient.display_name} · MRN {e.patient.mrn} · bed {e.patient.bed or '–'}"
            f" · now protocol {e.protocol}"
            f" · {e.tocilizumab_given} tocilizumab dose{'' if e.tocilizumab_given == 1 else 's'}"
            " given"
        )


class EpisodeProtocolForm(forms.Form):
    """One patient's protocol, by a physician (clinical-rules section 4, r2)."""

    protocol = _protocol_choice("This episode follows")
    reason = _protocol_reason()


class News2ScaleForm(forms.Form):
    """A patient's NEWS2 SpO2 scale, by a physician (clinical-rules section 9)."""

    scale = forms.TypedChoiceField(
        label="NEWS2 SpO2 scale",
        choices=Episode.NEWS2_SCALES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose SpO2 scale 1 or 2."},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=PROTOCOL_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": PROTOCOL_REASON_MAX}),
        error_messages={
            "required": "Say why the scale changes: it is kept in the audit trail.",
            "max_length": f"Keep the reason to {PROTOCOL_REASON_MAX} characters.",
        },
    )
