"""Email through the task queue: a page only queues the message; the worker delivers it whole
(recipients, headers, the HTML part, attachments) with the delivery backend."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django_tasks_db.models import DBTaskResult

from certify.tasks import send_email

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _queued_email(settings) -> None:
    settings.EMAIL_BACKEND = "certify.mail.QueuedEmailBackend"
    settings.CERTIFY_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def message() -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject="Confirm your email",
        body="Follow the link.",
        from_email="certify <noreply@certify.invalid>",
        to=["ada@example.com"],
        cc=["cc@example.com"],
        reply_to=["help@example.com"],
        headers={"X-Certify": "1"},
    )
    email.attach_alternative("<p>Follow the <a href='#'>link</a>.</p>", "text/html")
    email.attach("note.txt", "plain words", "text/plain")
    email.attach("badge.png", b"\x89PNG\r\n", "image/png")
    return email


def test_a_message_is_delivered_whole_by_the_task() -> None:
    assert message().send() == 1

    [sent] = mail.outbox
    assert (sent.subject, sent.body, sent.from_email) == (
        "Confirm your email",
        "Follow the link.",
        "certify <noreply@certify.invalid>",
    )
    assert (sent.to, sent.cc, sent.reply_to) == (
        ["ada@example.com"],
        ["cc@example.com"],
        ["help@example.com"],
    )
    assert sent.extra_headers == {"X-Certify": "1"}
    assert isinstance(sent, EmailMultiAlternatives)
    assert sent.alternatives[0][1] == "text/html"
    assert [(name, content) for name, content, _ in sent.attachments] == [
        ("note.txt", "plain words"),  # text attachments come back as text
        ("badge.png", b"\x89PNG\r\n"),
    ]


@pytest.mark.usefixtures("database_queue")
def test_the_page_only_queues_it_and_the_worker_sends_it() -> None:
    message().send()

    assert mail.outbox == []
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "certify.tasks.send_email"

    assert send_email.call(**queued.args_kwargs["kwargs"]) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
