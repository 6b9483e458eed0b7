"""Each episode keeps the protocol it started under (clinical-rules section 4, r2).

Existing episodes take their ward's current protocol, the one their limits
were computed under until now; their past audit rows say the same, so the
trail shows no change that never happened.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def episodes_take_their_wards_protocol(apps, schema_editor):
    Ward = apps.get_model("patients", "Ward")
    Episode = apps.get_model("patients", "Episode")
    EpisodeEvent = apps.get_model("patients", "EpisodeEvent")
    Episode.objects.update(
        protocol=Subquery(
            Ward.objects.filter(patients__episodes=OuterRef("pk")).values("protocol")[:1]
        )
    )
    EpisodeEvent.objects.update(
        protocol=Subquery(Episode.objects.filter(pk=OuterRef("pgh_obj_id")).values("protocol")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0007_pharmacists_see_every_ward'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='episode',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='episode',
            name='update_update',
        ),
        migrations.AddField(
            model_name='episode',
            name='protocol',
            field=models.CharField(choices=[('A', 'Protocol A (seed 000: tocilizumab up to 3 in 24 h, 4 per episode)'), ('B', 'Protocol B (seed 001: tocilizumab at most 2 per episode)')], default='A', editable=False, max_length=8),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='episodeevent',
            name='protocol',
            field=models.CharField(choices=[('A', 'Protocol A (seed 000: tocilizumab up to 3 in 24 h, 4 per episode)'), ('B', 'Protocol B (seed 001: tocilizumab at most 2 per episode)')], default='A', editable=False, max_length=8),
            preserve_default=False,
        ),
        migrations.RunPython(episodes_take_their_wards_protocol, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='medicationadministration',
            name='drug',
            field=models.CharField(choices=[('tocilizumab', 'Tocilizumab'), ('dexamethasone', 'Dexamethasone'), ('methylprednisolone', 'Methylprednisolone'), ('hydrocortisone', 'Hydrocortisone'), ('acetaminophen', 'Acetaminophen (paracetamol)'), ('ibuprofen', 'Ibuprofen'), ('anakinra', 'Anakinra'), ('siltuximab', 'Siltuximab'), ('clazakizumab', 'Clazakizumab'), ('ruxolitinib', 'Ruxolitinib'), ('cyclophosphamide', 'Cyclophosphamide'), ('ivig', 'Immunoglobulin (IVIG)'), ('anti_thymocyte_globulin', 'Anti-thymocyte globulin'), ('levetiracetam', 'Levetiracetam'), ('sargramostim', 'Sargramostim (GM-CSF)'), ('filgrastim', 'Filgrastim (G-CSF)'), ('cefepime', 'Cefepime'), ('piperacillin_tazobactam', 'Piperacillin-tazobactam'), ('meropenem', 'Meropenem'), ('ceftazidime', 'Ceftazidime'), ('ceftriaxone', 'Ceftriaxone'), ('vancomycin', 'Vancomycin'), ('other_antibacterial', 'Other antibacterial'), ('other', 'Other')], max_length=32),
        ),
        migrations.AlterField(
            model_name='medicationadministrationevent',
            name='drug',
            field=models.CharField(choices=[('tocilizumab', 'Tocilizumab'), ('dexamethasone', 'Dexamethasone'), ('methylprednisolone', 'Methylprednisolone'), ('hydrocortisone', 'Hydrocortisone'), ('acetaminophen', 'Acetaminophen (paracetamol)'), ('ibuprofen', 'Ibuprofen'), ('anakinra', 'Anakinra'), ('siltuximab', 'Siltuximab'), ('clazakizumab', 'Clazakizumab'), ('ruxolitinib', 'Ruxolitinib'), ('cyclophosphamide', 'Cyclophosphamide'), ('ivig', 'Immunoglobulin (IVIG)'), ('anti_thymocyte_globulin', 'Anti-thymocyte globulin'), ('levetiracetam', 'Levetiracetam'), ('sargramostim', 'Sargramostim (GM-CSF)'), ('filgrastim', 'Filgrastim (G-CSF)'), ('cefepime', 'Cefepime'), ('piperacillin_tazobactam', 'Piperacillin-tazobactam'), ('meropenem', 'Meropenem'), ('ceftazidime', 'Ceftazidime'), ('ceftriaxone', 'Ceftriaxone'), ('vancomycin', 'Vancomycin'), ('other_antibacterial', 'Other antibacterial'), ('other', 'Other')], max_length=32),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='episode',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "patients_episodeevent" ("admitted_at", "chart_changed_at", "discharged_at", "graded_through", "id", "infusion_at", "patient_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "product", "protocol") VALUES (NEW."admitted_at", NEW."chart_changed_at", NEW."discharged_at", NEW."graded_through", NEW."id", NEW."infusion_at", NEW."patient_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."product", NEW."protocol"); RETURN NULL;', hash='9332039044b9dba9a5a788a458ad4bb3bb069075', operation='INSERT', pgid='pgtrigger_insert_insert_4e146', table='patients_episode', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='episode',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "patients_episodeevent" ("admitted_at", "chart_changed_at", "discharged_at", "graded_through", "id", "infusion_at", "patient_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "product", "protocol") VALUES (NEW."admitted_at", NEW."chart_changed_at", NEW."discharged_at", NEW."graded_through", NEW."id", NEW."infusion_at", NEW."patient_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."product", NEW."protocol"); RETURN NULL;', hash='3eb1ce702596b61a8a1bbd8887388e252da5e4a0', operation='UPDATE', pgid='pgtrigger_update_update_86f64', table='patients_episode', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='episode',
            constraint=models.CheckConstraint(condition=models.Q(('protocol', ''), _negated=True), name='episode_has_a_protocol'),
        ),
    ]
