"""Writes for integrations: Open Badges credentials (badges), LTI launches (launches) and grade
passback (grades). The names below are the ones settings hooks point at."""

from integrations.services.badges import (
    credential_facts,
    credential_issue,
    credential_issue_for_certificate,
    issuer_key_current,
    issuer_key_rotate,
)

__all__ = [
    "credential_facts",
    "credential_issue",
    "credential_issue_for_certificate",
    "issuer_key_current",
    "issuer_key_rotate",
]
