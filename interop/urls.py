from django.urls import path, re_path

from .fhir import views as fhir

urlpatterns = [
    path("fhir/metadata", fhir.metadata, name="fhir_metadata"),
    re_path(r"^fhir/?$", fhir.transaction, name="fhir_transaction"),
    path("fhir/<str:resource_type>", fhir.search, name="fhir_search"),
    path("fhir/<str:resource_type>/<str:resource_id>", fhir.read, name="fhir_read"),
]
