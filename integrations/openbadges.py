"""Open Badges 3.0 documents as plain dicts: the issuer profile, the achievement, a learner's
OpenBadgeCredential (W3C Verifiable Credentials Data Model 2.0) and the revocation status list.

Pure: plain data in (absolute URLs and a certificate's facts), plain dicts out. The credential
carries the exam's result per category as `result`s against the achievement's
`resultDescription`s, and the score report as `evidence`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
ACHIEVEMENT_NAME = "certify: Streaming with the OpenAI Agents SDK"
ISSUER_NAME = "certify"

Document = dict[str, Any]


@dataclass(frozen=True)
class IssuerLinks:
    """The stable public addresses everything else points at."""

    site: str
    issuer: str
    achievement: str
    image: str
    status_list: str


@dataclass(frozen=True)
class CategoryResult:
    slug: str
    name: str
    correct: int
    total: int
    percent: float


@dataclass(frozen=True)
class CredentialFacts:
    """What one certificate says, as issued."""

    credential_id: str
    verify_url: str
    subject_id: str
    holder_name: str
    issued_at: datetime
    correct: int
    total: int
    percent: float
    categories: Sequence[CategoryResult]
    overall_threshold: int
    category_threshold: int
    sdk_version: str
    status_index: int


def timestamp(moment: datetime) -> str:
    """A DateTimeZ to the second, in UTC ("2025-05-01T12:00:00Z")."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def issuer_profile(links: IssuerLinks) -> Document:
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": links.issuer,
        "type": ["Profile"],
        "name": ISSUER_NAME,
        "url": links.site,
        "description": (
            "certify teaches streaming with the OpenAI Agents SDK and certifies learners who "
            "pass its certification exam."
        ),
    }


def _issuer_ref(links: IssuerLinks) -> Document:
    return {"id": links.issuer, "type": ["Profile"], "name": ISSUER_NAME, "url": links.site}


def _result_description(links: IssuerLinks, key: str, name: str, required: int) -> Document:
    return {
        "id": f"{links.achievement}#{key}",
        "type": ["ResultDescription"],
        "name": name,
        "resultType": "Percent",
        "requiredValue": str(required),
        "valueMin": "0",
        "valueMax": "100",
    }


def achievement(
    links: IssuerLinks,
    *,
    overall_threshold: int,
    category_threshold: int,
    categories: Sequence[tuple[str, str]],
) -> Document:
    """The achievement; `categories` is (slug, name) in course order."""
    descriptions = [_result_description(links, "overall", "Overall score", overall_threshold)]
    descriptions += [
        _result_description(links, f"category-{slug}", name, category_threshold)
        for slug, name in categories
    ]
    return {
        "id": links.achievement,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": ACHIEVEMENT_NAME,
        "description": (
            "Certified ready to build with streaming in the OpenAI Agents SDK: raw response "
            "events, run item and agent events, streaming with tools and handoffs, and "
            "production patterns."
        ),
        "criteria": {
            "id": links.site,
            "narrative": (
                f"Pass certify's timed certification exam with at least {overall_threshold}% "
                f"overall and at least {category_threshold}% in every category. Every question "
                "is checked against the installed openai-agents SDK."
            ),
        },
        "image": {"id": links.image, "type": "Image", "caption": ACHIEVEMENT_NAME},
        "creator": _issuer_ref(links),
        "resultDescription": descriptions,
        "tag": ["OpenAI Agents SDK", "streaming", "Python"],
    }


def _results(links: IssuerLinks, facts: CredentialFacts) -> list[Document]:
    rows = [("overall", facts.percent)] + [
        (f"category-{row.slug}", row.percent) for row in facts.categories
    ]
    return [
        {
            "type": ["Result"],
            "resultDescription": f"{links.achievement}#{key}",
            "value": f"{percent:g}",
        }
        for key, percent in rows
    ]


def _narrative(facts: CredentialFacts) -> str:
    lines = [
        f"Certification exam passed with {facts.percent:g}% overall "
        f"({facts.correct} of {facts.total} questions); the bar was {facts.overall_threshold}% "
        f"overall and {facts.category_threshold}% in every category.",
        "",
    ]
    lines += [
        f"- {row.name}: {row.percent:g}% ({row.correct} of {row.total})" for row in facts.categories
    ]
    lines += ["", f"Questions checked against openai-agents {facts.sdk_version}."]
    return "\n".join(lines)


def credential(links: IssuerLinks, facts: CredentialFacts) -> Document:
    issued = timestamp(facts.issued_at)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": facts.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": ACHIEVEMENT_NAME,
        "description": f"{facts.holder_name} is certified: {ACHIEVEMENT_NAME}.",
        "issuer": _issuer_ref(links),
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": {
            "id": facts.subject_id,
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": facts.holder_name,
                }
            ],
            "achievement": achievement(
                links,
                overall_threshold=facts.overall_threshold,
                category_threshold=facts.category_threshold,
                categories=[(row.slug, row.name) for row in facts.categories],
            ),
            "result": _results(links, facts),
        },
        "evidence": [
            {
                "id": facts.verify_url,
                "type": ["Evidence"],
                "name": "Certification exam score report",
                "genre": "Assessment",
                "narrative": _narrative(facts),
            }
        ],
        "credentialStatus": {
            "id": f"{links.status_list}#{facts.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(facts.status_index),
            "statusListCredential": links.status_list,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def jwt_claims(document: Mapping[str, Any]) -> Document:
    """The JWT payload of the VC-JWT proof: the credential plus iss, jti, sub and nbf."""
    claims = dict(document)
    issuer = document["issuer"]
    claims["iss"] = issuer["id"] if isinstance(issuer, Mapping) else issuer
    claims["jti"] = document["id"]
    subject = document.get("credentialSubject", {})
    if "id" in subject:
        claims["sub"] = subject["id"]
    claims["nbf"] = int(datetime.fromisoformat(document["validFrom"]).timestamp())
    return claims


def status_list_credential(links: IssuerLinks, *, encoded: str, valid_from: datetime) -> Document:
    return {
        "@context": [VC_CONTEXT],
        "id": links.status_list,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": links.issuer,
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": f"{links.status_list}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
