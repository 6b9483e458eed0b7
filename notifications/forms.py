from django import forms
from django.contrib.auth import get_user_model

from crsmonitor.roles import PHYSICIAN

from .models import LEVEL_CHOICES

TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _time() -> forms.DateTimeField:
    return forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=TIME_FORMAT),
        input_formats=[TIME_FORMAT, "%Y-%m-%d %H:%M"],
    )


class ShiftForm(forms.Form):
    """A shift on the ward's rota, in the ward's local time (the view activates it)."""

    level = forms.ChoiceField(choices=LEVEL_CHOICES)
    person = forms.ModelChoiceField(queryset=get_user_model().objects.none())
    starts_at = _time()
    ends_at = _time()

    def __init__(self, *args, ward, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            get_user_model()
            .objects.filter(wards=ward, groups__name=PHYSICIAN, is_active=True)
            .distinct()
            .order_by("last_name", "username")
        )
        self.fields["person"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["starts_at"].label = "Starts"
        self.fields["ends_at"].label = "Ends"

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The shift must end after it starts.")
        return data


class PeriodForm(forms.Form):
    since = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="From")
    until = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="To (inclusive)")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The period must end on or after its first day.")
        if since and until and (until - since).days > 366:
            self.add_error("until", "Choose a period of at most a year.")
        return data
