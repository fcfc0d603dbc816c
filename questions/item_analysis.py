"""The item analysis's admin pages: the report (sortable, filterable, exportable) and the action
on a flagged item. `QuestionAdmin.get_urls` wires them in; they are admin views (staff only),
and each checks the model permission it needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from questions.analysis.browse import FLAG_CODES, Browse
from questions.analysis.charts import charts_for, score_histogram
from questions.analysis.export import items_csv, quizzes_csv
from questions.analysis.tables import ItemRow
from questions.forms import AnalysisWindowForm, WithdrawalForm
from questions.models import ItemWithdrawal, Question
from questions.services.analysis import Analysis, item_analysis, item_links, report_export_json
from questions.services.bank import WithdrawalRefused, question_withdraw

if TYPE_CHECKING:
    from questions.admin import QuestionAdmin

TEMPLATE = "admin/questions/question/analysis.html"
COLUMNS = (
    ("id", "Item"),
    ("category", "Category"),
    ("level", "Level"),
    ("calibration", "Parameters"),
    ("answers", "Answers"),
    ("facility", "Facility"),
    ("point_biserial", "Point-biserial"),
    ("upper_lower", "Upper-lower"),
    ("mean_seconds", "Mean time"),
    ("exposure", "Exposure"),
    ("flags", "Flags"),
)
EXPORTS = ("csv", "quizzes-csv", "json")
# Flagged items drawn in full (chart, reasons, action) below the table; filters reach the rest.
DETAILS = 30


def _download(data: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _export(analysis: Analysis, fmt: str) -> HttpResponse:
    if fmt == "json":
        return _download(report_export_json(analysis), "item-analysis.json", "application/json")
    if fmt == "quizzes-csv":
        return _download(
            quizzes_csv(analysis.report), "item-analysis-quizzes.csv", "text/csv; charset=utf-8"
        )
    return _download(items_csv(analysis.report), "item-analysis.csv", "text/csv; charset=utf-8")


def report_view(model_admin: QuestionAdmin, request: HttpRequest) -> HttpResponse:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    window = AnalysisWindowForm(request.GET)
    if not window.is_valid():
        context = model_admin._page(request, "Item analysis", window=window, invalid=True)
        return TemplateResponse(request, TEMPLATE, context, status=400)
    analysis = item_analysis(quiz=window.cleaned_data["quiz"], since=window.cleaned_data["since"])
    fmt = request.GET.get("export", "")
    if fmt in EXPORTS:
        return _export(analysis, fmt)
    browse = Browse.from_query(request.GET)
    context = model_admin._page(
        request,
        "Item analysis",
        window=window,
        **_report_context(request, analysis, browse),
        can_withdraw=model_admin.has_change_permission(request),
    )
    return TemplateResponse(request, TEMPLATE, context)


def _window_query(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET[name] for name in ("quiz", "since") if request.GET.get(name)}


def _details(rows: list[ItemRow], selected: str) -> list[ItemRow]:
    """The chosen item first, then the flagged ones in the table's order, a page's worth."""
    chosen = [row for row in rows if row.id == selected]
    flagged = [row for row in rows if row.flags and row.id != selected]
    return chosen + flagged[:DETAILS]


def _report_context(request: HttpRequest, analysis: Analysis, browse: Browse) -> dict[str, Any]:
    report = analysis.report
    rows = browse.apply(report.items)
    window = _window_query(request)
    detailed = _details(rows, request.GET.get("item", ""))
    flagged = sum(1 for row in rows if row.flags)
    charts = charts_for(detailed)
    return {
        "report": report,
        "rows": rows,
        "flagged_shown": flagged,
        "details_capped": flagged > DETAILS,
        "browse": browse,
        "headers": _headers(browse, window),
        "detailed": [
            (row, charts[row.id], item_links(row.id), " ".join(sorted({f.code for f in row.flags})))
            for row in detailed
        ],
        "quizzes": [(quiz, score_histogram(quiz)) for quiz in report.quizzes],
        "flag_codes": FLAG_CODES,
        "categories": sorted({row.category for row in report.items}),
        "exports": {
            fmt.replace("-", "_"): "?" + urlencode({**window, "export": fmt}) for fmt in EXPORTS
        },
        "window_query": urlencode(window),
        "withdraw_form": WithdrawalForm(),
        "withdrawals": ItemWithdrawal.objects.select_related("question")[:10],
    }


def _headers(browse: Browse, window: dict[str, str]) -> list[dict[str, Any]]:
    headers = []
    for key, label in COLUMNS:
        active = browse.sort == key
        descending = not browse.descending if active else key not in ("id", "category", "level")
        query = {**window, **browse.query(sort=key, dir="desc" if descending else "asc")}
        headers.append(
            {
                "label": label,
                "url": "?" + urlencode(query),
                "active": active,
                "sort": ("descending" if browse.descending else "ascending") if active else "none",
            }
        )
    return headers


def withdraw_view(model_admin: QuestionAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    question = get_object_or_404(Question, pk=object_id)
    if not model_admin.has_change_permission(request, question):
        raise PermissionDenied
    form = WithdrawalForm(request.POST)
    back = reverse("admin:questions_question_analysis") + "?" + urlencode({"item": question.id})
    if not form.is_valid():
        errors = "; ".join(str(e) for field in form.errors.values() for e in field)
        messages.error(request, f"{question.id} was not changed: {errors}")
        return HttpResponseRedirect(back)
    try:
        withdrawal = question_withdraw(
            question=question,
            action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"],
            user=request.user,  # type: ignore[arg-type]
            flags=form.cleaned_data["flags"],
        )
    except WithdrawalRefused as refused:
        messages.error(request, str(refused))
        return HttpResponseRedirect(back)
    messages.success(request, _done(withdrawal))
    return HttpResponseRedirect(back)


def _done(withdrawal: ItemWithdrawal) -> str:
    n = withdrawal.attempts_answered
    what = (
        "retired: no exam form asks it any more"
        if withdrawal.action == ItemWithdrawal.Action.RETIRE
        else "sent back to pretest: exam forms ask it unscored until it is calibrated again"
    )
    return (
        f"{withdrawal.question_id} {what}. {n} attempt{'s' if n != 1 else ''} had answered it; "
        "their results stay as they were given."
    )
