from django.db import migrations

ROLES = ("nurse", "physician", "pharmacist")


def create_roles_and_catalogue(apps, schema_editor):
    from clinical.vocabulary import LABS

    Group = apps.get_model("auth", "Group")
    LabTest = apps.get_model("patients", "LabTest")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    for code, name, unit, loinc, upper_limit in LABS:
        LabTest.objects.update_or_create(
            code=code, defaults={"name": name, "unit": unit, "loinc": loinc, "upper_limit": upper_limit}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("patients", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles_and_catalogue, migrations.RunPython.noop)]
