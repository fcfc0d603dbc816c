"""The Instructors group: staff who manage the question bank (and, later, quizzes) in the admin.

Migrations create the group and grant it permissions, so every database has it without a manual
step. `instructors_grant` takes the app registry a migration is given, so a later migration can
extend the group to new models (e.g. quizzes) the same way:

    migrations.RunPython(
        lambda apps, schema_editor: instructors_grant(apps, models=["quiz"]),
        lambda apps, schema_editor: instructors_revoke(apps, models=["quiz"]),
    )
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

INSTRUCTORS = "Instructors"
ACTIONS = ("add", "change", "delete", "view")


def _codenames(models: Iterable[str], actions: Iterable[str]) -> list[str]:
    return [f"{action}_{model}" for model in models for action in actions]


def instructors_grant(
    apps: Apps,
    *,
    models: Iterable[str],
    app_label: str = "questions",
    actions: Iterable[str] = ACTIONS,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Give the Instructors group (created if need be) `actions` on `models` of `app_label`."""
    models, actions = list(models), list(actions)
    # Permissions normally appear only after the whole migrate run (post_migrate); a migration
    # that grants them creates them itself. The installed app config only passes the "has
    # models" check: the models and permissions come from `apps`, the migration's state.
    create_permissions(global_apps.get_app_config(app_label), verbosity=0, using=using, apps=apps)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    codenames = _codenames(models, actions)
    permissions = list(
        permission_model.objects.using(using).filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    )
    missing = set(codenames) - {permission.codename for permission in permissions}
    if missing:
        raise LookupError(f"No such permissions in {app_label}: {', '.join(sorted(missing))}")
    group, _created = group_model.objects.using(using).get_or_create(name=INSTRUCTORS)
    group.permissions.add(*permissions)


def instructors_revoke(
    apps: Apps,
    *,
    models: Iterable[str],
    app_label: str = "questions",
    actions: Iterable[str] = ACTIONS,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Undo instructors_grant; the group goes once it has no permission left."""
    group = apps.get_model("auth", "Group").objects.using(using).filter(name=INSTRUCTORS).first()
    if group is None:
        return
    group.permissions.remove(
        *group.permissions.filter(
            content_type__app_label=app_label, codename__in=_codenames(models, actions)
        )
    )
    if not group.permissions.exists():
        group.delete()
