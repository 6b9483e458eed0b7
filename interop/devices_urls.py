from django.urls import path

from . import devices_views as views

urlpatterns = [
    path("patients/<int:patient_id>/device-vitals/", views.device_vitals, name="device_vitals"),
    path(
        "patients/<int:patient_id>/device-vitals/<int:set_id>/confirm/",
        views.device_vitals_confirm,
        name="device_vitals_confirm",
    ),
    path(
        "patients/<int:patient_id>/device-vitals/<int:set_id>/discard/",
        views.device_vitals_discard,
        name="device_vitals_discard",
    ),
    path("device-messages/", views.device_messages, name="device_messages"),
]
