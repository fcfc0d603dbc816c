from django.db import migrations

from questions.instructors import instructors_grant, instructors_revoke

# Instructors grant learners extra time on timed quizzes.
MODELS = ["timeaccommodation"]


def grant(apps, schema_editor):
    instructors_grant(apps, models=MODELS, using=schema_editor.connection.alias)


def revoke(apps, schema_editor):
    instructors_revoke(apps, models=MODELS, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0013_time_accommodations"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
