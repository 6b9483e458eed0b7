"""The nurse's reason for not charting a monitor's values."""

from django import forms

from clinical import ranges

DISCARD_REASONS = (
    ("Artefact: patient moving or probe off", "Artefact: patient moving or probe off"),
    ("Monitor on another patient", "Monitor on another patient"),
    ("Already charted by hand", "Already charted by hand"),
    ("Superseded by later values", "Superseded by later values"),
    ("Other", "Other"),
)


class DiscardForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are these values not charted?",
        choices=DISCARD_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why these values are not charted."},
    )
    detail = forms.CharField(
        label="Details",
        required=False,
        max_length=ranges.FREE_TEXT_MAX - 60,
        error_messages={"max_length": "Keep the details to %(limit_value)d characters."},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("reason") == "Other" and not cleaned.get("detail", "").strip():
            self.add_error("detail", "Details: say why these values are not charted.")
        return cleaned

    @property
    def full_reason(self) -> str:
        reason = self.cleaned_data["reason"]
        detail = self.cleaned_data.get("detail", "").strip()
        if reason == "Other":
            return detail
        return f"{reason}: {detail}" if detail else reason
