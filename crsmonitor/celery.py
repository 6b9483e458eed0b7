import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crsmonitor.settings")

app = Celery("crsmonitor", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.celeryd_init.connect
@signals.beat_init.connect
def _require_production_environment(**kwargs) -> None:
    from .environment import require_production_environment

    require_production_environment()
