"""The certificate as a PDF (reportlab): the same facts as the verification page, and its URL.

One landscape A4 page. The built-in Helvetica covers Western European names; a name it cannot
encode is set in DejaVu Sans when the system has it (most Linux machines do).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from questions.scoring import Score

if TYPE_CHECKING:
    from certify.models import CategoryEstimateRow, CategoryScore

INK = HexColor("#1b1f24")
MUTED = HexColor("#4d5560")
ACCENT = HexColor("#1d4ed8")
REVOKED_RED = Color(0.7, 0.14, 0.09, alpha=0.22)
UNICODE_FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
)


@dataclass(frozen=True)
class CertificateFacts:
    code: str
    holder_name: str
    issued_at: datetime
    overall: Score
    categories: Sequence[CategoryScore]
    overall_threshold: int
    category_threshold: int
    sdk_version: str
    verify_url: str
    revoked_at: datetime | None = None
    # An adaptive exam: its per-category estimates (instead of raw scores) and P(ready).
    estimates: Sequence[CategoryEstimateRow] = ()
    p_ready: float | None = None

    @property
    def adaptive(self) -> bool:
        return self.p_ready is not None


def _percent(score: Score) -> str:
    value = score.percent
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"


def _name_font(name: str) -> str:
    try:
        name.encode("cp1252")
    except UnicodeEncodeError:
        for path in UNICODE_FONT_FILES:
            if path.exists():
                if "DejaVuSans-Bold" not in pdfmetrics.getRegisteredFontNames():
                    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(path)))
                return "DejaVuSans-Bold"
    return "Helvetica-Bold"


def _date(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def _fixed_form_lines(pdf: Canvas, facts: CertificateFacts, centre: float, height: float) -> None:
    pdf.drawCentredString(
        centre,
        height - 250,
        f"passed the fixed-form certification exam on {_date(facts.issued_at)} with "
        f"{_percent(facts.overall)} overall ({facts.overall.correct} of {facts.overall.total}),",
    )
    pdf.drawCentredString(
        centre,
        height - 266,
        f"meeting the bar of {facts.overall_threshold}% overall and "
        f"{facts.category_threshold}% in every category:",
    )
    y = height - 298
    for line in facts.categories:
        score = line.score
        pdf.setFont("Helvetica", 12)
        pdf.drawRightString(centre + 110, y, line.name)
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(centre + 124, y, f"{_percent(score)}  ({score.correct}/{score.total})")
        y -= 18


def _adaptive_lines(pdf: Canvas, facts: CertificateFacts, centre: float, height: float) -> None:
    pdf.drawCentredString(
        centre,
        height - 250,
        f"passed the adaptive certification exam on {_date(facts.issued_at)} "
        f"({facts.overall.total} questions chosen one at a time), ready with a probability of "
        f"{facts.p_ready:.2f}",
    )
    pdf.drawCentredString(
        centre,
        height - 266,
        f"for the bar of {facts.overall_threshold}% overall and {facts.category_threshold}% in "
        "every category. Estimated scores on the exam pool (80% intervals):",
    )
    y = height - 298
    for row in facts.estimates:
        pdf.setFont("Helvetica", 12)
        pdf.drawRightString(centre + 110, y, row.name)
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(centre + 124, y, f"{row.expected}%  ({row.low}-{row.high}%)")
        y -= 18


def certificate_pdf(facts: CertificateFacts, *, compress: bool = True) -> bytes:
    """The certificate page as PDF bytes."""
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = Canvas(buffer, pagesize=(width, height), pageCompression=int(compress))
    pdf.setTitle(f"Certificate {facts.code}")
    pdf.setAuthor("certify")
    pdf.setSubject(f"Certificate of readiness for {facts.holder_name}")
    centre = width / 2

    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(3)
    pdf.rect(28, 28, width - 56, height - 56)
    pdf.setLineWidth(0.8)
    pdf.rect(36, 36, width - 72, height - 72)

    pdf.setFillColor(ACCENT)
    pdf.setFont("Helvetica-Bold", 12)
    pdf.drawCentredString(centre, height - 80, "CERTIFY")
    pdf.setFillColor(INK)
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawCentredString(centre, height - 122, "Certificate of readiness")
    pdf.setFont("Helvetica", 15)
    pdf.drawCentredString(centre, height - 148, "Streaming with the OpenAI Agents SDK")

    pdf.setFillColor(MUTED)
    pdf.setFont("Helvetica", 12)
    pdf.drawCentredString(centre, height - 186, "This certifies that")
    pdf.setFillColor(INK)
    pdf.setFont(_name_font(facts.holder_name), 28)
    pdf.drawCentredString(centre, height - 222, facts.holder_name)
    pdf.setFont("Helvetica", 12)
    if facts.adaptive:
        _adaptive_lines(pdf, facts, centre, height)
    else:
        _fixed_form_lines(pdf, facts, centre, height)

    pdf.setFillColor(MUTED)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(56, 96, f"Question bank checked against openai-agents {facts.sdk_version}")
    pdf.drawString(56, 80, f"Certificate code: {facts.code}")
    pdf.drawString(56, 64, f"Verify at: {facts.verify_url}")
    pdf.linkURL(facts.verify_url, (56, 60, 56 + 460, 74), relative=0)
    pdf.drawRightString(width - 56, 64, f"Issued {_date(facts.issued_at)}")

    if facts.revoked_at is not None:
        pdf.saveState()
        pdf.setFillColor(REVOKED_RED)
        pdf.setFont("Helvetica-Bold", 110)
        pdf.translate(centre, height / 2)
        pdf.rotate(20)
        pdf.drawCentredString(0, -30, "REVOKED")
        pdf.restoreState()
        pdf.setFillColor(HexColor("#b42318"))
        pdf.setFont("Helvetica-Bold", 13)
        pdf.drawCentredString(
            centre, 120, f"This certificate was revoked on {_date(facts.revoked_at)}."
        )

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
