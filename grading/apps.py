from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "grading"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects to the chart's signal)
