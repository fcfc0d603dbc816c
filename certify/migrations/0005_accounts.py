"""Accounts move to django-allauth: every existing user with an email keeps it as their primary
address (not yet verified: the certification exam asks them to verify it), and the lockout's
database cache table is made where that cache is the database (no REDIS_URL)."""

from django.core.management import call_command
from django.db import migrations


def addresses_from_users(apps, schema_editor):
    User = apps.get_model("auth", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    alias = schema_editor.connection.alias
    known = set(
        EmailAddress.objects.using(alias).filter(primary=True).values_list("user_id", flat=True)
    )
    EmailAddress.objects.using(alias).bulk_create(
        [
            EmailAddress(user_id=pk, email=email.lower(), primary=True, verified=False)
            for pk, email in User.objects.using(alias).exclude(email="").values_list("pk", "email")
            if pk not in known
        ],
        batch_size=1000,
    )


def lockout_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("certify", "0004_adaptive_certificates"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(addresses_from_users, migrations.RunPython.noop),
        migrations.RunPython(lockout_cache_table, migrations.RunPython.noop),
    ]
