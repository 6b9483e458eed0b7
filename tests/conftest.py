import os
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.utils import timezone

from crsmonitor.celery import app as celery_app
from patients.models import Episode, Patient, Ward


def pytest_collection_modifyitems(config, items):
    # CI must never quietly fall back to SQLite or skip the database tests.
    if os.environ.get("CI_REQUIRE_SERVICES") == "true":
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"CI requires PostgreSQL, settings use {engine}")


@pytest.fixture(autouse=True)
def fresh_chart_cache():
    """Each test starts with no chart kept from another test's episodes."""
    from grading.chart_cache import CHARTS

    CHARTS.clear()


@pytest.fixture(autouse=True, scope="session")
def plain_http():
    """The test client and live server speak plain HTTP; production settings
    redirect to HTTPS and mark cookies secure (checked by `check --deploy`)."""
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True, scope="session")
def static_files_from_the_source_folders():
    """Pages link the plain static names, served from the source folders, even
    in a checkout where collectstatic wrote a manifest of hashed names."""
    from django.conf import settings
    from django.test import override_settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        yield


@pytest.fixture(autouse=True, scope="session")
def regrade_in_process():
    """Regrades run in the test process unless a test starts a real worker."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Transactional tests empty the tables with TRUNCATE after each test, which
    the record tables refuse (grading migration 0013) unless the database says
    otherwise: the test database, and only it, does."""
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {name} SET crsmonitor.allow_truncate = 'on'")
            # The setting applies to the connections opened from now on.
            connection.close()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what waits for the commit (the regrade) at the block's end,
    as a real commit would, inside the test's rolled-back transaction."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def _person(username: str, group: str | None, ward: Ward | None = None) -> User:
    user = User.objects.create_user(username, password="a-long-test-password")
    if group:
        # get_or_create: a transactional test flushes what the data migration made.
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    if ward:
        ward.staff.add(user)
    return user


@pytest.fixture
def ward(db):
    return Ward.objects.create(name="Test CAR-T ward", time_zone="Europe/London", protocol="A")


@pytest.fixture
def nurse(ward):
    return _person("nina.nurse", "nurse", ward)


@pytest.fixture
def physician(ward):
    return _person("paul.physician", "physician", ward)


@pytest.fixture
def pharmacist(db):
    """Assigned to no ward: pharmacists see every ward through their role."""
    return _person("farah.pharmacist", "pharmacist")


@pytest.fixture
def stranger(db):
    return _person("sam.stranger", None)


@pytest.fixture
def make_episode(ward):
    counter = iter(range(1, 10_000))

    def make(*, born=date(1970, 1, 1), infused_hours_ago=48, ward=ward, **patient_fields):
        n = next(counter)
        patient = Patient.objects.create(
            mrn=patient_fields.pop("mrn", f"T{n:05d}"),
            family_name=patient_fields.pop("family_name", f"Patient{n}"),
            given_name="Test",
            date_of_birth=born,
            sex="female",
            ward=ward,
            bed=str(n),
        )
        infusion = timezone.now() - timedelta(hours=infused_hours_ago)
        return Episode.objects.create(
            patient=patient,
            product="axi-cel",
            admitted_at=infusion - timedelta(days=1),
            infusion_at=infusion,
        )

    return make


@pytest.fixture
def episode(make_episode):
    return make_episode()
