"""Bedside entry forms (clinical-rules section 1: bad input).

Every form names the field in its message and says what is allowed, keeps
what was typed when it shows an error, and carries an idempotency key so a
form sent twice saves once. Ranges come from the model fields' validators
and from `ranges`; nothing here redefines them.
"""

import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from clinical import labs as lab_catalogue
from clinical import ranges, vocabulary

from . import services
from .models import (
    CAPD_FIELDS,
    ICE_FIELDS,
    Episode,
    LabTest,
    MedicationAdministration,
    NeuroAssessment,
    VitalsSet,
    WeightMeasurement,
    WorkupEvent,
)
from .selectors import Support
from .wording import clock_time

# Numeric fields are text inputs with a numeric keypad: a browser's number
# input silently empties what it cannot parse, and the nurse must see what
# she typed next to the message that says why it was refused.
WHOLE = {"inputmode": "numeric", "autocomplete": "off", "class": "num"}
DECIMAL = {"inputmode": "decimal", "autocomplete": "off", "class": "num"}

TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _time_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=TIME_FORMAT)


# The hidden key only goes wrong when the page is stale or was tampered with.
FORM_OUT_OF_DATE = "This form is out of date: tap Cancel and open it again."


def _key_field() -> forms.UUIDField:
    return forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": FORM_OUT_OF_DATE, "invalid": FORM_OUT_OF_DATE},
    )


def _name_the_field(field: forms.Field, label: str) -> None:
    """Django's stock messages ("Enter a whole number.") do not say which field."""
    if field.widget.is_hidden:
        return
    messages = {
        "required": f"{label} is required.",
        "invalid": f"{label} must be a number, e.g. 38.5.",
        "invalid_choice": f"{label}: choose one of the buttons.",
        "max_digits": f"{label} has too many digits.",
        "max_whole_digits": f"{label} has too many digits.",
        "max_decimal_places": f"{label} takes one decimal place at most, e.g. 38.5.",
        "max_length": f"{label} takes at most %(limit_value)d characters (it has %(show_value)d).",
    }
    if isinstance(field, forms.IntegerField):
        messages["invalid"] = f"{label} must be a whole number, e.g. 88."
    if isinstance(field, forms.DateTimeField):
        messages["invalid"] = f"{label} must be a date and time, e.g. 14:30 today."
    if isinstance(field, forms.DecimalField) and field.decimal_places == 2:
        messages["max_decimal_places"] = f"{label} takes two decimal places at most."
    field.error_messages.update(messages)


def _model_validators(field: forms.Field, model_field) -> forms.Field:
    """Validate with the model field's validators, whose messages name the field and its range.

    A form field's own bounds come from the column type and would only say
    "Ensure this value is greater than or equal to 0."
    """
    own = [v for v in field.validators if not isinstance(v, MinValueValidator | MaxValueValidator)]
    field.validators = own + [v for v in model_field.validators if v not in own]
    return field


class ErrorSummary:
    """What the summary at the top of a refused form lists."""

    def error_fields(self) -> list[forms.BoundField]:
        """Fields on show with an error; the summary links to each."""
        return [
            self[name] for name in self.errors if name in self.fields and not self[name].is_hidden
        ]

    def general_errors(self) -> list[str]:
        """Errors of the form as a whole, and of its hidden fields, said in words."""
        hidden = [
            message
            for name in self.errors
            if name in self.fields and self[name].is_hidden
            for message in self.errors[name]
        ]
        # An unconfirmed unusual value has its own box, not a line in the summary.
        return hidden + [
            message
            for error in self.non_field_errors().as_data()
            if error.code != "unconfirmed"
            for message in error.messages
        ]


class ChartForm(ErrorSummary, forms.ModelForm):
    """What every bedside form shares: the episode, clinical time and the key."""

    idempotency_key = _key_field()

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode
        self.instance.episode = episode
        model_fields = {f.name: f for f in self._meta.model._meta.get_fields()}
        for name, field in self.fields.items():
            if name in model_fields and hasattr(model_fields[name], "validators"):
                _model_validators(field, model_fields[name])
            _name_the_field(field, str(field.label))
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
            self.initial.setdefault("observed_at", _this_minute())

    def clean_observed_at(self) -> datetime:
        return _checked_observed_at(self.episode, self.cleaned_data["observed_at"])

    def chart_values(self) -> dict:
        """Keyword arguments for the chart service that saves this form."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}


def _this_minute() -> datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


def _checked_observed_at(episode: Episode, observed_at: datetime) -> datetime:
    """The service's time rule (not in the future, not before admission), as a field error."""
    try:
        services.validate_observed_at(episode, observed_at)
    except ValidationError as error:
        raise ValidationError(error.message_dict["observed_at"]) from None
    return observed_at


# --- Vitals -------------------------------------------------------------------

TEMPERATURE_UNITS = (("C", "°C"), ("F", "°F"))
TENTH = Decimal("0.1")


def to_celsius(value: Decimal, unit: str) -> Decimal:
    if unit == "F":
        value = Decimal(str(ranges.fahrenheit_to_celsius(float(value))))
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _temperature_allowed() -> str:
    low, high = ranges.TEMPERATURE_C.low, ranges.TEMPERATURE_C.high
    low_f, high_f = ranges.celsius_to_fahrenheit(low), ranges.celsius_to_fahrenheit(high)
    return f"Temperature must be between {low:g} and {high:g} °C ({low_f:g}-{high_f:g} °F)."


class VitalsForm(ChartForm):
    temperature = forms.DecimalField(
        label="Temperature",
        required=False,
        max_digits=4,
        decimal_places=1,
        widget=forms.TextInput(attrs=DECIMAL),
    )
    temperature_unit = forms.ChoiceField(
        label="Unit", choices=TEMPERATURE_UNITS, initial="C", widget=forms.RadioSelect
    )
    # The support in force carries over unless the nurse says otherwise:
    # "" keeps it as charted (this set does not record it), "same" confirms
    # it, a device changes it. Stopping is a choice, never an untouched field.
    oxygen_device = forms.ChoiceField(label="Oxygen", required=False, widget=forms.RadioSelect)
    vasopressor_action = forms.ChoiceField(
        label="Vasopressors", required=False, widget=forms.RadioSelect
    )
    vasopressors = forms.MultipleChoiceField(
        label="Vasopressors running",
        required=False,
        choices=vocabulary.VASOPRESSORS,
        widget=forms.CheckboxSelectMultiple,
    )
    # Carries the unusual values the nurse confirmed; a changed value asks again.
    confirm_unusual = forms.CharField(required=False)

    MEASUREMENTS = (
        "temperature",
        "heart_rate",
        "systolic",
        "diastolic",
        "mean_arterial",
        "respiratory_rate",
        "spo2",
    )

    class Meta:
        model = VitalsSet
        fields = [
            "observed_at",
            "heart_rate",
            "systolic",
            "diastolic",
            "mean_arterial",
            "respiratory_rate",
            "spo2",
            "oxygen_device",
            "oxygen_flow_l_min",
        ]
        labels = {
            "observed_at": "Observed at",
            "heart_rate": "Heart rate",
            "systolic": "Systolic BP",
            "diastolic": "Diastolic BP",
            "mean_arterial": "MAP, if measured",
            "respiratory_rate": "Respiratory rate",
            "spo2": "SpO2",
            "oxygen_device": "Oxygen",
            "oxygen_flow_l_min": "Oxygen flow",
        }
        widgets = {
            "observed_at": _time_widget(),
            "heart_rate": forms.TextInput(attrs=WHOLE),
            "systolic": forms.TextInput(attrs=WHOLE),
            "diastolic": forms.TextInput(attrs=WHOLE),
            "mean_arterial": forms.TextInput(attrs=WHOLE),
            "respiratory_rate": forms.TextInput(attrs=WHOLE),
            "spo2": forms.TextInput(attrs=WHOLE),
            "oxygen_flow_l_min": forms.TextInput(attrs=DECIMAL),
        }

    def __init__(self, *args, support: Support | None = None, unit: str = "C", **kwargs):
        super().__init__(*args, **kwargs)
        self.unusual: list[str] = []
        self.support = support or Support(None, None)
        self.fields["temperature_unit"].initial = unit
        self.fields["oxygen_device"].choices = self._oxygen_choices()
        self.fields["vasopressor_action"].choices = self._vasopressor_choices()
        for name in ("oxygen_device", "vasopressor_action"):
            _name_the_field(self.fields[name], str(self.fields[name].label))
        if not self.is_bound:
            self.initial["oxygen_device"] = ""
            self.initial["vasopressor_action"] = ""

    def _oxygen_choices(self) -> list[tuple[str, str]]:
        carried = self.support.oxygen_set
        if carried is None:
            return [("", "Not recorded"), *vocabulary.OXYGEN_DEVICES]
        return [
            ("", f"No change: {self.support.oxygen_words} as charted {self.carried_at(carried)}"),
            ("same", f"Still on {self.support.oxygen_words}: checked now"),
            *vocabulary.OXYGEN_DEVICES,
        ]

    def _vasopressor_choices(self) -> list[tuple[str, str]]:
        carried = self.support.pressor_set
        if carried is None:
            return [("", "Not recorded"), ("none", "None running"), ("change", "Running: tick")]
        when = self.carried_at(carried)
        if not self.support.vasopressors:
            return [
                ("", f"No change: none running as charted {when}"),
                ("none", "None running: checked now"),
                ("change", "Started: tick which"),
            ]
        return [
            ("", f"No change: as charted {when}"),
            ("running", "Still running: checked now"),
            ("change", "Changed: tick what runs now"),
            ("none", "Stopped: none running now"),
        ]

    @staticmethod
    def carried_at(row: VitalsSet) -> str:
        return clock_time(row.observed_at)

    @property
    def pressor_question(self) -> str:
        """What the nurse is asked: "Norepinephrine, charted 21:52: still running?" """
        carried = self.support.pressor_set
        if carried is None or not self.support.vasopressors:
            return ""
        when = self.carried_at(carried)
        return f"{self.support.vasopressor_words}, charted {when}: still running?"

    @property
    def oxygen_question(self) -> str:
        carried = self.support.oxygen_set
        if carried is None:
            return ""
        return f"{self.support.oxygen_words}, charted {self.carried_at(carried)}: still the same?"

    def _clean_oxygen(self, cleaned: dict) -> None:
        choice = cleaned.get("oxygen_device") or ""
        flow = cleaned.get("oxygen_flow_l_min")
        if choice == "same":
            cleaned["oxygen_device"] = self.support.oxygen_device
            if flow is None:
                cleaned["oxygen_flow_l_min"] = self.support.oxygen_flow
        elif choice == "":
            cleaned["oxygen_device"] = ""
            if flow is not None:
                self.add_error(
                    "oxygen_flow_l_min",
                    "Choose the oxygen device for this flow (or “Still on …”).",
                )

    def _clean_vasopressors(self, cleaned: dict) -> None:
        action = cleaned.get("vasopressor_action") or ""
        ticked = cleaned.get("vasopressors") or []
        if ticked and action in ("", "running"):
            # Ticking a vasopressor is itself an answer: this is what runs now.
            action = "change"
        if action == "none" and ticked:
            self.add_error(
                "vasopressors",
                "Vasopressors: you chose none running but ticked some: untick them, or"
                " choose “Changed”.",
            )
        elif action == "change" and not ticked:
            self.add_error(
                "vasopressors",
                "Vasopressors: tick what runs now, or choose “Stopped” if none runs.",
            )
        elif action == "running" and not self.support.vasopressors:
            self.add_error("vasopressor_action", "Vasopressors: none was running to continue.")
        cleaned["vasopressor_action"] = action
        cleaned["running"] = {
            "": None,
            "running": self.support.vasopressors,
            "change": ticked,
            "none": [],
        }.get(action)

    def clean(self) -> dict:
        cleaned = super().clean()
        self._clean_oxygen(cleaned)
        self._clean_vasopressors(cleaned)
        temperature = cleaned.get("temperature")
        cleaned["temperature_c"] = None
        if temperature is not None:
            celsius = to_celsius(temperature, cleaned.get("temperature_unit", "C"))
            try:
                VitalsSet._meta.get_field("temperature_c").run_validators(celsius)
            except ValidationError:
                self.add_error("temperature", _temperature_allowed())
            else:
                cleaned["temperature_c"] = celsius
        if not self.errors and all(cleaned.get(name) is None for name in self.MEASUREMENTS):
            raise ValidationError("Enter at least one measurement.", code="empty")
        self.unusual = unusual_vitals(cleaned)
        if self.unusual and cleaned.get("confirm_unusual") != self.unusual_fingerprint:
            raise ValidationError(
                "Some values are possible but unusual: check them, then confirm.",
                code="unconfirmed",
            )
        return cleaned

    @property
    def unusual_fingerprint(self) -> str:
        return "; ".join(self.unusual)

    @property
    def needs_confirmation(self) -> bool:
        return any(e.code == "unconfirmed" for e in self.non_field_errors().as_data())

    def chart_values(self) -> dict:
        values = super().chart_values()
        values["temperature_c"] = self.cleaned_data["temperature_c"]
        values["vasopressors"] = self.cleaned_data["running"]  # None = not recorded
        return values


def unusual_vitals(values: dict) -> list[str]:
    """clinical-rules section 1: inside the range but unusual, saved only once confirmed."""
    found = []
    celsius = values.get("temperature_c")
    if celsius is not None and celsius > ranges.UNUSUAL_TEMPERATURE_ABOVE_C:
        fahrenheit = ranges.celsius_to_fahrenheit(float(celsius))
        found.append(
            f"Temperature {celsius} °C ({fahrenheit:.1f} °F) is above "
            f"{ranges.UNUSUAL_TEMPERATURE_ABOVE_C:g} °C"
        )
    systolic = values.get("systolic")
    if systolic is not None and systolic < ranges.UNUSUAL_SYSTOLIC_BELOW:
        found.append(f"Systolic BP {systolic} mmHg is below {ranges.UNUSUAL_SYSTOLIC_BELOW}")
    spo2 = values.get("spo2")
    if spo2 is not None and spo2 < ranges.UNUSUAL_SPO2_BELOW:
        found.append(f"SpO2 {spo2} % is below {ranges.UNUSUAL_SPO2_BELOW} %")
    return found


# --- Neuro --------------------------------------------------------------------

ICE_ANSWERS = (("True", "Correct"), ("False", "Not correct"))


class NeuroForm(ChartForm):
    excluded_domains = forms.MultipleChoiceField(
        label="Attributable to another cause",
        required=False,
        choices=vocabulary.NEURO_DOMAINS,
        widget=forms.CheckboxSelectMultiple,
    )
    # A baseline is the assessment before the infusion that later ones are read against.
    baseline = forms.BooleanField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = NeuroAssessment
        fields = [
            "observed_at",
            *ICE_FIELDS,
            *CAPD_FIELDS,
            "unable_to_perform",
            "consciousness",
            "seizure",
            "motor_weakness",
            "cerebral_edema",
            "excluded_domains",
            "other_cause_note",
            "modified_for",
            "modified_note",
        ]
        labels = {
            "observed_at": "Assessed at",
            "unable_to_perform": "Cannot be assessed (e.g. unarousable)",
            "consciousness": "Level of consciousness",
            "motor_weakness": "Deep focal weakness (hemiparesis or paraparesis)",
            "cerebral_edema": "Cerebral oedema / raised ICP",
            "other_cause_note": "Attributed to",
            "modified_for": "Assessment modified for",
            "modified_note": "How it was modified",
        }
        widgets = {
            "observed_at": _time_widget(),
            "consciousness": forms.RadioSelect,
            "seizure": forms.RadioSelect,
            "cerebral_edema": forms.RadioSelect,
            "modified_for": forms.RadioSelect,
            "other_cause_note": forms.TextInput,
            "modified_note": forms.TextInput,
        }

    def __init__(self, *args, baseline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        patient = self.episode.patient
        self.instance.tool = (
            "CAPD"
            if patient.age_years(timezone.now()) < patient.ward.capd_below_age_years
            else "ICE"
        )
        self.items = ICE_FIELDS if self.instance.tool == "ICE" else CAPD_FIELDS
        unused = CAPD_FIELDS if self.instance.tool == "ICE" else ICE_FIELDS
        for name in unused:
            del self.fields[name]
        for name, words, _ in vocabulary.ICE_ITEMS:
            if name in self.fields:
                self.fields[name] = forms.NullBooleanField(
                    label=words, widget=forms.RadioSelect(choices=ICE_ANSWERS)
                )
        for name, question, _ in vocabulary.CAPD_ITEMS:
            if name in self.fields:
                self.fields[name] = forms.TypedChoiceField(
                    label=question,
                    choices=vocabulary.CAPD_FREQUENCIES,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    widget=forms.RadioSelect,
                )
        self.fields["modified_for"].choices = [
            ("", "Not modified"),
            *vocabulary.NEURO_MODIFICATIONS,
        ]
        for field in self.fields.values():
            _name_the_field(field, str(field.label))
        if not self.is_bound:
            self.initial["baseline"] = baseline
            if baseline and timezone.now() >= self.episode.infusion_at:
                # The baseline was taken earlier: make the nurse enter when.
                self.initial["observed_at"] = None

    @property
    def tool(self) -> str:
        return self.instance.tool

    @property
    def item_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.items]

    @property
    def reversed_items(self) -> set[str]:
        return {code for code, _, reversed_item in vocabulary.CAPD_ITEMS if reversed_item}

    @property
    def exclusion_boxes(self) -> dict:
        """The "attributable to another cause" box of each domain, to sit beside its finding."""
        return {box.data["value"]: box for box in self["excluded_domains"]}

    @property
    def is_baseline(self) -> bool:
        if self.is_bound:
            return self["baseline"].value() in (True, "True", "true", "on")
        return bool(self.initial.get("baseline"))

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("unable_to_perform"):
            for name in self.items:
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(
                        name, "Answer this item, or tick “Cannot be assessed” above the items."
                    )
        observed_at = cleaned.get("observed_at")
        if cleaned.get("baseline") and observed_at and observed_at >= self.episode.infusion_at:
            infused = timezone.localtime(self.episode.infusion_at)
            self.add_error(
                "observed_at",
                f"A baseline is taken before the infusion ({infused:%d %b %H:%M}): "
                "enter when it was done.",
            )
        return cleaned

    def chart_values(self) -> dict:
        values = super().chart_values()
        values["tool"] = self.tool
        if values["unable_to_perform"]:
            for name in self.items:
                values[name] = None
        return values


# --- Labs ---------------------------------------------------------------------


class LabPanelForm(ErrorSummary, forms.Form):
    """One sample, several results: a value box per catalogue test, empty ones skipped.

    Values are typed in the ward's unit system (clinical-rules.md section 11),
    checked against the plausible range in that unit, and converted to the
    canonical unit the chart stores and the rules read.
    """

    observed_at = forms.DateTimeField(label="Sample taken at", widget=_time_widget())
    idempotency_key = _key_field()

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode
        self.unit_system = episode.patient.ward.lab_units
        order = {code: place for place, code in enumerate(lab_catalogue.BY_CODE)}
        self.tests = sorted(
            LabTest.objects.all(), key=lambda test: (order.get(test.code, len(order)), test.name)
        )
        for test in self.tests:
            self.fields[f"lab_{test.code}"] = forms.DecimalField(
                label=test.name, required=False, widget=forms.TextInput(attrs=DECIMAL)
            )
        for field in self.fields.values():
            _name_the_field(field, str(field.label))
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4()
            self.initial["observed_at"] = _this_minute()

    @property
    def unit_system_words(self) -> str:
        return lab_catalogue.SYSTEM_NAMES[self.unit_system]

    def clean_observed_at(self) -> datetime:
        return _checked_observed_at(self.episode, self.cleaned_data["observed_at"])

    def clean(self) -> dict:
        cleaned = super().clean()
        for test in self.tests:
            name = f"lab_{test.code}"
            value = cleaned.get(name)
            if value is None:
                continue
            problem = self._implausible(test, value)
            if problem:
                self.add_error(name, problem)
        if not self.errors and not self.results():
            raise ValidationError("Enter at least one result.", code="empty")
        return cleaned

    def _implausible(self, test: LabTest, value: Decimal) -> str | None:
        known = test.catalogue
        if known is not None:
            return lab_catalogue.plausibility_error(known, value, self.unit_system)
        if value < 0:
            return f"{test.name} cannot be negative."
        return None

    def results(self) -> dict[LabTest, float]:
        """Each typed result in its test's canonical unit."""
        results = {}
        for test in self.tests:
            value = self.cleaned_data.get(f"lab_{test.code}")
            if value is None:
                continue
            known = test.catalogue
            results[test] = (
                lab_catalogue.to_canonical(known, value, known.unit_in(self.unit_system))
                if known is not None
                else float(value)
            )
        return results

    def lab_fields(self) -> list[tuple[forms.BoundField, str]]:
        """(field, the unit it is typed in) for each test."""
        return [
            (self[f"lab_{test.code}"], test.unit_words(self.unit_system) or "ratio")
            for test in self.tests
        ]


# --- Drugs and weight ---------------------------------------------------------

# Tocilizumab is dosed against weight and protocol limits on its own page;
# this quick form must never bypass those checks.
QUICK_DRUGS = [(code, words) for code, words in vocabulary.DRUGS if code != "tocilizumab"]


class DrugForm(ChartForm):
    drug = forms.ChoiceField(label="Drug", choices=QUICK_DRUGS, widget=forms.RadioSelect)

    class Meta:
        model = MedicationAdministration
        fields = ["observed_at", "drug", "drug_other", "dose_mg", "route"]
        labels = {
            "observed_at": "Given at",
            "drug_other": "Name of the other drug",
            "dose_mg": "Dose (mg)",
            "route": "Route",
        }
        widgets = {
            "observed_at": _time_widget(),
            "dose_mg": forms.TextInput(attrs=DECIMAL),
            "route": forms.RadioSelect,
        }


class WeightForm(ChartForm):
    class Meta:
        model = WeightMeasurement
        fields = ["observed_at", "weight_kg"]
        labels = {"observed_at": "Weighed at", "weight_kg": "Weight (kg)"}
        widgets = {"observed_at": _time_widget(), "weight_kg": forms.TextInput(attrs=DECIMAL)}


class WorkupForm(ChartForm):
    """A work-up event in two taps: open the panel, tap what was done. The
    time (now, editable) and a note are optional extras on the same panel."""

    event = forms.ChoiceField(label="What was done", choices=vocabulary.EVENT_KINDS)

    class Meta:
        model = WorkupEvent
        fields = ["observed_at", "event", "note"]
        labels = {"observed_at": "Done at", "note": "Note (optional)"}
        widgets = {"observed_at": _time_widget(), "note": forms.TextInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The buttons carry the kind; its own messages say to tap one.
        self.fields["event"].error_messages.update(
            required="What was done: tap one of the buttons.",
            invalid_choice="What was done: tap one of the buttons.",
        )
        self.fields["note"].error_messages["max_length"] = (
            "Note (optional) takes at most 500 characters."
        )

    def kind_buttons(self) -> list[tuple[str, str, bool]]:
        """(code, words, tapped) for each kind: the one tapped shows when the
        form comes back with an error, so nothing tapped is lost."""
        tapped = self["event"].value() if self.is_bound else None
        return [(code, words, code == tapped) for code, words in vocabulary.EVENT_KINDS]


ENTERED_IN_ERROR_REASONS = (
    ("Wrong patient", "Wrong patient"),
    ("Wrong value typed", "Wrong value typed"),
    ("Wrong time", "Wrong time"),
    ("Duplicate entry", "Duplicate entry"),
    ("Other", "Other"),
)


class EnteredInErrorForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is this entry wrong?",
        choices=ENTERED_IN_ERROR_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why this entry is wrong."},
    )
    detail = forms.CharField(
        label="Details",
        required=False,
        max_length=ranges.FREE_TEXT_MAX,
        error_messages={"max_length": f"Keep the details to {ranges.FREE_TEXT_MAX} characters."},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("reason") == "Other" and not cleaned.get("detail", "").strip():
            self.add_error("detail", "Say why this entry is wrong.")
        elif "reason" in cleaned and "detail" in cleaned:
            # The reason chosen goes in front of the details, within the same bound.
            room = ranges.FREE_TEXT_MAX - (len(self.full_reason) - len(cleaned["detail"].strip()))
            if len(self.full_reason) > ranges.FREE_TEXT_MAX:
                self.add_error("detail", f"Keep the details to {room} characters.")
        return cleaned

    @property
    def full_reason(self) -> str:
        detail = self.cleaned_data.get("detail", "").strip()
        reason = self.cleaned_data["reason"]
        if reason == "Other":
            return detail
        return f"{reason}: {detail}" if detail else reason


def add_service_errors(form, error: ValidationError) -> None:
    """A service's refusal (a race, a rule the form cannot see) shown on the form,
    by field where the form has that field, so the message still names it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
