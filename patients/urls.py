from django.urls import path

from . import views

urlpatterns = [
    path("patients/<int:patient_id>/bedside/", views.bedside, name="bedside"),
    path("patients/<int:patient_id>/bedside/vitals/", views.vitals_entry, name="vitals_entry"),
    path("patients/<int:patient_id>/bedside/neuro/", views.neuro_entry, name="neuro_entry"),
    path("patients/<int:patient_id>/bedside/labs/", views.lab_entry, name="lab_entry"),
    path("patients/<int:patient_id>/bedside/weight/", views.weight_entry, name="weight_entry"),
    path("patients/<int:patient_id>/bedside/workup/", views.workup_entry, name="workup_entry"),
    path(
        "patients/<int:patient_id>/bedside/<str:kind>/<int:entry_id>/entered-in-error/",
        views.entered_in_error,
        name="entered_in_error",
    ),
]
