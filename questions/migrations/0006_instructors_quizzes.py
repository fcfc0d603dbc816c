from django.db import migrations

from questions.instructors import instructors_grant, instructors_revoke

# Instructors manage quizzes; attempts and answers are learners' records they may only read.
QUIZ_MODELS = ["quiz"]
RECORD_MODELS = ["attempt", "answer"]


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    instructors_grant(apps, models=QUIZ_MODELS, using=using)
    instructors_grant(apps, models=RECORD_MODELS, actions=["view"], using=using)


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    instructors_revoke(apps, models=QUIZ_MODELS, using=using)
    instructors_revoke(apps, models=RECORD_MODELS, actions=["view"], using=using)


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0005_quizzes"),
        ("questions", "0003_instructors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
