from django import forms
from django.utils import timezone

from clinical.vocabulary import ROUTES

from .models import PromptResponse
from .rules import PROTOCOLS

# The drugs a protocol doses (clinical-rules section 4); the rest are charted at the bedside.
PROTOCOL_DRUGS = [
    ("tocilizumab", "Tocilizumab"),
    ("dexamethasone", "Dexamethasone"),
    ("methylprednisolone", "Methylprednisolone"),
    ("hydrocortisone", "Hydrocortisone"),
]


class DoseForm(forms.Form):
    drug = forms.ChoiceField(choices=PROTOCOL_DRUGS)
    dose_mg = forms.DecimalField(
        label="Dose (mg)",
        min_value=0.01,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    route = forms.ChoiceField(choices=ROUTES, initial="iv")
    observed_at = forms.DateTimeField(
        label="Given at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    override_reason = forms.CharField(
        label="Override reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only to give a dose a limit blocks; physicians and pharmacists only.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["observed_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class PromptResponseForm(forms.ModelForm):
    class Meta:
        model = PromptResponse
        fields = ["response", "reason"]
        widgets = {"response": forms.RadioSelect, "reason": forms.TextInput}


class StockForm(forms.Form):
    doses_on_site = forms.IntegerField(
        label="Tocilizumab doses on site for this patient",
        min_value=0,
        max_value=20,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ProtocolForm(forms.Form):
    protocol = forms.ChoiceField(
        choices=[(code, p.name) for code, p in sorted(PROTOCOLS.items())],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(required=False, widget=forms.TextInput)
