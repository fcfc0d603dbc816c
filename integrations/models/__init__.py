from integrations.models.badges import BadgeCredential, IssuerKey
from integrations.models.lti import GradeLink, GradePassback, LinkTarget, PlatformFrame

__all__ = [
    "BadgeCredential",
    "GradeLink",
    "GradePassback",
    "IssuerKey",
    "LinkTarget",
    "PlatformFrame",
]
