from django.db import migrations

from questions.instructors import instructors_grant, instructors_revoke

# Frozen here: what this migration granted, whatever the bank's models become later.
BANK_MODELS = ["category", "question", "choice"]


def grant(apps, schema_editor):
    instructors_grant(apps, models=BANK_MODELS, using=schema_editor.connection.alias)


def revoke(apps, schema_editor):
    instructors_revoke(apps, models=BANK_MODELS, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0002_bank_invariants"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
