from django.urls import path

from . import registry_views

urlpatterns = [
    path("registry/", registry_views.registry_export, name="registry_export"),
    path(
        "registry/episodes/<int:episode_id>/fhir/",
        registry_views.registry_episode_fhir,
        name="registry_episode_fhir",
    ),
]
