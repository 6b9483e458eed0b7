"""The sign-in form: any username typed gets the ordinary answer."""

from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    def clean(self):
        # No account has a longer name, and django-axes would fail to record
        # the attempt (its column is shorter than what a browser can send),
        # so answer as for any wrong username without asking the backends.
        username = self.cleaned_data.get("username")
        if username is not None and len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return super().clean()
