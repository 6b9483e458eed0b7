from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now.
    patients = apps.get_app_config("patients")
    patients.models_module = True
    create_permissions(patients, apps=apps, verbosity=0)
    patients.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    every_ward = Permission.objects.get(
        codename="view_all_wards", content_type__app_label="patients"
    )
    # Pharmacists check every patient's doses, whichever ward they are on.
    pharmacist, _ = Group.objects.get_or_create(name="pharmacist")
    pharmacist.permissions.add(every_ward)


class Migration(migrations.Migration):
    dependencies = [("patients", "0006_audit_trail_and_ward_staff")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
