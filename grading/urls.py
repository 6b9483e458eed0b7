from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("wards/<int:ward_id>/", views.ward_patients, name="ward_patients"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient_detail"),
]
