from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from .sign_in import SignInForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Browsers ask for /favicon.ico whatever the page's <link rel=icon> says.
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
    ),
    path("admin/", admin.site.urls),
    path("", include("grading.urls")),
    path("", include("patients.urls")),
    path("", include("notifications.urls")),
    path("", include("interop.urls")),
]

handler400 = "crsmonitor.errors.bad_request"
handler500 = "crsmonitor.errors.server_error"
