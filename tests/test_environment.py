import pytest
from django.core.exceptions import ImproperlyConfigured

from crsmonitor.environment import require_production_environment


def test_production_refuses_to_start_without_its_settings(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setenv("SECRET_KEY", "s" * 50)
    monkeypatch.setenv("DATABASE_URL", "postgres://db/crsmonitor")
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        require_production_environment()
    monkeypatch.setenv("ALLOWED_HOSTS", "crs.example.org")
    require_production_environment()


def test_development_needs_none_of_them(settings, monkeypatch):
    settings.DEBUG = True
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    require_production_environment()
