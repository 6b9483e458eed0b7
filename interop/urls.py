from django.urls import include, path, re_path

from . import registry_views
from .fhir import views as fhir

urlpatterns = [
    # Bedside monitors (HL7 v2): pending device vitals and the messages kept.
    path("", include("interop.devices_urls")),
    path("registry/", registry_views.registry_export, name="registry_export"),
    path(
        "registry/episodes/<int:episode_id>/fhir/",
        registry_views.registry_episode_fhir,
        name="registry_episode_fhir",
    ),
    path("fhir/metadata", fhir.metadata, name="fhir_metadata"),
    re_path(r"^fhir/?$", fhir.transaction, name="fhir_transaction"),
    path("fhir/<str:resource_type>", fhir.search, name="fhir_search"),
    path("fhir/<str:resource_type>/<str:resource_id>", fhir.read, name="fhir_read"),
]
