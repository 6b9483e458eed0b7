from django.urls import path

from . import views

urlpatterns = [
    path("alerts/", views.inbox, name="inbox"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("wards/<int:ward_id>/rota/", views.ward_rota, name="ward_rota"),
    path("rota/<int:shift_id>/remove/", views.rota_shift_remove, name="rota_shift_remove"),
    path("notifications/noise/", views.notification_noise, name="notification_noise"),
]
