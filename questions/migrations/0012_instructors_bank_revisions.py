from django.db import migrations

from questions.instructors import instructors_grant, instructors_revoke

# Instructors stage, preview and publish bank imports; the files stay as uploaded.
MODELS = ["bankrevision"]
FILES = ["bankrevisionfile"]


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    instructors_grant(apps, models=MODELS, actions=["add", "change", "view"], using=using)
    instructors_grant(apps, models=FILES, actions=["add", "view"], using=using)


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    instructors_revoke(apps, models=MODELS, actions=["add", "change", "view"], using=using)
    instructors_revoke(apps, models=FILES, actions=["add", "view"], using=using)


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0011_bank_revisions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
