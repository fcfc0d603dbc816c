"""Email through the task queue: the web request only queues the message; the task worker sends
it with the delivery backend (CERTIFY_EMAIL_DELIVERY_BACKEND: the console by default, SMTP in
production). A slow or unreachable mail server then never holds a page, and django-allauth's
messages (verification, password reset) go the same way with no change to allauth."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from pydantic import BaseModel


class Attachment(BaseModel):
    filename: str | None
    content_base64: str
    mimetype: str | None


class QueuedMessage(BaseModel):
    """An email as it travels through the queue (JSON): everything EmailMessage sends."""

    subject: str
    body: str
    from_email: str
    to: list[str]
    cc: list[str] = []
    bcc: list[str] = []
    reply_to: list[str] = []
    headers: dict[str, str] = {}
    alternatives: list[tuple[str, str]] = []
    attachments: list[Attachment] = []

    @classmethod
    def of(cls, message: EmailMessage) -> QueuedMessage:
        return cls(
            subject=str(message.subject),
            body=str(message.body),
            from_email=str(message.from_email),
            to=list(message.to),
            cc=list(message.cc),
            bcc=list(message.bcc),
            reply_to=list(message.reply_to),
            headers={str(k): str(v) for k, v in message.extra_headers.items()},
            alternatives=[
                (str(content), str(mimetype))
                for content, mimetype in getattr(message, "alternatives", [])
            ],
            attachments=[_attachment(item) for item in message.attachments],
        )

    def message(self) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.body,
            from_email=self.from_email,
            to=self.to,
            cc=self.cc,
            bcc=self.bcc,
            reply_to=self.reply_to,
            headers=self.headers,
        )
        for content, mimetype in self.alternatives:
            message.attach_alternative(content, mimetype)
        for item in self.attachments:
            message.attach(item.filename, base64.b64decode(item.content_base64), item.mimetype)
        return message


def _attachment(item: Any) -> Attachment:
    if isinstance(item, MIMEBase):
        payload = item.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        return Attachment(
            filename=item.get_filename(),
            content_base64=base64.b64encode(content).decode(),
            mimetype=item.get_content_type(),
        )
    filename, content, mimetype = item
    raw = content.encode() if isinstance(content, str) else bytes(content)
    return Attachment(
        filename=filename, content_base64=base64.b64encode(raw).decode(), mimetype=mimetype
    )


class QueuedEmailBackend(BaseEmailBackend):
    """EMAIL_BACKEND: queue each message as a `send_email` task."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from certify.tasks import send_email

        for message in email_messages:
            send_email.enqueue(message=QueuedMessage.of(message).model_dump(mode="json"))
        return len(email_messages)


def email_deliver(*, message: dict[str, Any]) -> int:
    """Send a queued message with the delivery backend; how many were sent (0 or 1)."""
    connection = get_connection(settings.CERTIFY_EMAIL_DELIVERY_BACKEND)
    return connection.send_messages([QueuedMessage.model_validate(message).message()]) or 0
