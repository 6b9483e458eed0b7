from django.urls import include, path

from . import registry_views

urlpatterns = [
    # Bedside monitors (HL7 v2): pending device vitals and the messages kept.
    path("", include("interop.devices_urls")),
    path("registry/", registry_views.registry_export, name="registry_export"),
    path(
        "registry/episodes/<int:episode_id>/fhir/",
        registry_views.registry_episode_fhir,
        name="registry_episode_fhir",
    ),
]
