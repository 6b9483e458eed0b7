from django.urls import path

from . import dose_views, prompt_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("wards/<int:ward_id>/", views.ward_patients, name="ward_patients"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient_detail"),
    path("patients/<int:patient_id>/grade/", views.grade_panel, name="grade_panel"),
    path("patients/<int:patient_id>/dose/", dose_views.record_dose, name="record_dose"),
    path("patients/<int:patient_id>/toci-stock/", dose_views.record_stock, name="record_stock"),
    path("doses/<int:medication_id>/verify/", dose_views.verify_dose, name="verify_dose"),
    path("pharmacy/", dose_views.pharmacy_queue, name="pharmacy_queue"),
    path(
        "prompts/<int:prompt_id>/respond/", prompt_views.respond_to_prompt, name="respond_to_prompt"
    ),
    path("wards/<int:ward_id>/protocol/", prompt_views.ward_protocol, name="ward_protocol"),
]
