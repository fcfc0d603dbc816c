from django.db import migrations

from questions.instructors import instructors_grant, instructors_revoke

# Instructors read certificates and revoke them (a change, through the revoke form); nobody adds
# or deletes one by hand.
ACTIONS = ["view", "change"]


def grant(apps, schema_editor):
    instructors_grant(
        apps,
        models=["certificate"],
        app_label="certify",
        actions=ACTIONS,
        using=schema_editor.connection.alias,
    )


def revoke(apps, schema_editor):
    instructors_revoke(
        apps,
        models=["certificate"],
        app_label="certify",
        actions=ACTIONS,
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("certify", "0001_certificates"),
        ("questions", "0006_instructors_quizzes"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
