"""The Instructors group: created by the migrations, extended and shrunk by the same helpers."""

from __future__ import annotations

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from questions.instructors import INSTRUCTORS, instructors_grant, instructors_revoke

pytestmark = pytest.mark.django_db

BANK_PERMISSIONS = sorted(
    f"{action}_{model}"
    for model in ("category", "question", "choice")
    for action in ("add", "change", "delete", "view")
)


def test_the_migrations_create_the_instructors_group() -> None:
    group = Group.objects.get(name=INSTRUCTORS)
    quizzes = [f"{action}_quiz" for action in ("add", "change", "delete", "view")]
    records = ["view_answer", "view_attempt"]
    engine_records = ["view_adaptiveoutcome", "view_bankparameters", "view_itemcalibration"]
    withdrawals = ["view_itemwithdrawal"]  # the item analysis's log
    certificates = ["change_certificate", "view_certificate"]  # certify's migration: revoking
    revisions = ["add_bankrevision", "change_bankrevision", "view_bankrevision"]
    revision_files = ["add_bankrevisionfile", "view_bankrevisionfile"]
    accommodations = [
        f"{action}_timeaccommodation" for action in ("add", "change", "delete", "view")
    ]
    assert sorted(group.permissions.values_list("codename", flat=True)) == sorted(
        BANK_PERMISSIONS
        + quizzes
        + records
        + engine_records
        + withdrawals
        + certificates
        + revisions
        + revision_files
        + accommodations
    )


def test_the_grant_creates_missing_permissions_from_a_migration_state() -> None:
    """As on a fresh database, where permissions only appear after the whole migrate run."""
    Permission.objects.filter(content_type__app_label="questions").delete()
    Group.objects.filter(name=INSTRUCTORS).delete()
    state = MigrationLoader(connection).project_state(("questions", "0003_instructors_group"))

    instructors_grant(state.apps, models=["category", "question", "choice"])

    group = Group.objects.get(name=INSTRUCTORS)
    assert sorted(group.permissions.values_list("codename", flat=True)) == BANK_PERMISSIONS


def test_the_grant_extends_and_the_revoke_undoes() -> None:
    instructors_revoke(global_apps, models=["choice"], actions=["delete"])
    assert "delete_choice" not in Group.objects.get(name=INSTRUCTORS).permissions.values_list(
        "codename", flat=True
    )
    instructors_grant(global_apps, models=["choice"], actions=["delete"])
    assert Group.objects.get(name=INSTRUCTORS).permissions.count() == 33
    with pytest.raises(LookupError, match="no_such_model"):
        instructors_grant(global_apps, models=["no_such_model"])
    instructors_revoke(
        global_apps, models=["category", "question", "choice", "quiz", "timeaccommodation"]
    )
    instructors_revoke(global_apps, models=["attempt", "answer"], actions=["view"])
    instructors_revoke(
        global_apps,
        models=["adaptiveoutcome", "bankparameters", "itemcalibration", "itemwithdrawal"],
        actions=["view"],
    )
    instructors_revoke(
        global_apps, models=["certificate"], app_label="certify", actions=["view", "change"]
    )
    instructors_revoke(global_apps, models=["bankrevision"], actions=["add", "change", "view"])
    instructors_revoke(global_apps, models=["bankrevisionfile"], actions=["add", "view"])
    assert not Group.objects.filter(name=INSTRUCTORS).exists()
