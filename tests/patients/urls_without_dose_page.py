"""The project's URLs as they were before the tocilizumab dose page existed."""

from django.urls import URLResolver

from crsmonitor import urls as project

urlpatterns = []
for entry in project.urlpatterns:
    if isinstance(entry, URLResolver):
        entry = URLResolver(
            entry.pattern,
            [p for p in entry.url_patterns if getattr(p, "name", None) != "record_dose"],
        )
    urlpatterns.append(entry)
