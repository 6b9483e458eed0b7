from django.urls import include, path

urlpatterns = [
    # Bedside monitors (HL7 v2): pending device vitals and the messages kept.
    path("", include("interop.devices_urls")),
]
