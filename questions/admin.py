"""The instructors' admin for the question bank: categories, questions with their choices,
a learner's-eye preview, status actions, and bank files in and out."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypedDict

from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from questions import item_analysis
from questions.bankfile import BankError, BankInvalid
from questions.forms import (
    BankImportForm,
    ChoiceForm,
    ChoiceInlineFormSet,
    QuestionAdminForm,
    TimeAccommodationForm,
)
from questions.interchange import INTERCHANGES, Interchange, interchange_named
from questions.models import (
    AdaptiveOutcome,
    Answer,
    Attempt,
    BankParameters,
    BankRevision,
    Category,
    Choice,
    ItemCalibration,
    ItemWithdrawal,
    KeyCheck,
    Question,
    QuestionQuerySet,
    Quiz,
    TimeAccommodation,
)
from questions.services.accommodations import accommodation_delete, accommodation_save
from questions.services.bank import (
    bank_export,
    questions_activate,
    questions_pool_move,
    questions_retire,
)
from questions.services.forms import CellStatus, blueprint_status
from questions.services.interchange import bank_interchange_export
from questions.services.revisions import (
    RevisionClosed,
    RevisionDiff,
    RevisionFile,
    bank_revision_discard,
    bank_revision_publish,
    bank_revision_stage,
)

if TYPE_CHECKING:
    from typing import TypeAlias

    from django_stubs_ext import WithAnnotations

    class AnswerStats(TypedDict):
        """What QuestionQuerySet.with_answer_stats annotates."""

        times_answered: int
        times_correct: int

    QuestionWithStats: TypeAlias = WithAnnotations[Question, AnswerStats]

P = ParamSpec("P")

# What importing a bank file may do: create and change categories, questions and choices.
IMPORT_PERMISSIONS = [
    f"questions.{action}_{model}"
    for model in ("category", "question", "choice")
    for action in ("add", "change")
] + ["questions.delete_choice", "questions.add_bankrevision", "questions.change_bankrevision"]


def _questions(count: int) -> str:
    return f"{count} question{pluralize(count)}"


AdminView = Callable[Concatenate["QuestionAdmin", HttpRequest, P], HttpResponse]


def _view_permission_required(view: AdminView[P]) -> AdminView[P]:
    """The question admin's view (or change) permission, checked before the page is built."""

    @wraps(view)
    def checked(
        model_admin: QuestionAdmin, request: HttpRequest, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponse:
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        return view(model_admin, request, *args, **kwargs)

    return checked


def _download(data: str | bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Exports hold the keys: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def _yaml_download(text: str, filename: str) -> HttpResponse:
    return _download(text, filename, "application/yaml; charset=utf-8")


def _interchange_download(fmt: Interchange, questions: QuerySet[Question] | None) -> HttpResponse:
    exported = bank_interchange_export(fmt=fmt, questions=questions)
    return _download(exported.data, exported.filename, exported.media_type)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "order", "lesson_slug", "question_count"]
    ordering = ["order"]
    search_fields = ["name", "description"]
    readonly_fields = ["slug"]

    # The five categories are fixed and come with the bank file; their names may be edited.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Category | None = None) -> bool:
        return False

    @admin.display(description="slug", ordering="slug")
    def key(self, category: Category) -> str:
        return category.slug

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, category: Category) -> int:
        return category.question_count  # type: ignore[attr-defined]


class FamilyListFilter(admin.AllValuesFieldListFilter):
    """The family filter, its empty value named (an empty link has no accessible name)."""

    def choices(self, changelist: Any) -> Any:
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice = {**choice, "display": "None (hand-written)"}
            yield choice


class ChoiceInline(admin.TabularInline):
    model = Choice
    form = ChoiceForm
    formset = ChoiceInlineFormSet
    template = "admin/questions/question/choice_tabular.html"
    fields = ["letter", "text", "is_correct", "rationale", "claim"]
    # A generated item's claims come from its family: the run checks them, nobody edits them.
    readonly_fields = ["letter", "claim"]
    ordering = ["order"]

    def get_extra(self, request: HttpRequest, obj: Question | None = None, **kwargs: Any) -> int:
        return 4 if obj is None else 1

    @admin.display(description="Letter")
    def letter(self, choice: Choice) -> str:
        return choice.label if choice.pk else "new"


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionAdminForm
    inlines = [ChoiceInline]
    list_display = [
        "id",
        "preview_link",
        "category_slug",
        "level",
        "kind",
        "style",
        "status",
        "pool",
        "pretest",
        "sdk",
        "times_answered",
        "percent_correct",
        "missing",
    ]
    list_filter = [
        "pool",
        "pretest",
        "category",
        "level",
        "kind",
        "status",
        "style",
        ("family", FamilyListFilter),
    ]
    list_select_related = ["category"]
    list_per_page = 100
    search_fields = ["id", "topic", "prompt", "explanation"]
    ordering = ["category__order", "id"]
    actions = [
        "activate",
        "retire",
        "to_exam_pool",
        "to_practice_pool",
        "export_selected",
        "export_selected_gift",
        "export_selected_moodle_xml",
        "export_selected_qti",
    ]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["id", "category", "level", "kind", "style", "status"]}),
        ("Pool", {"fields": ["pool", "pretest"]}),
        ("Content", {"fields": ["topic", "objective", "prompt", "explanation"]}),
        (
            "Evidence and demo",
            {
                "fields": [
                    "evidence_kind",
                    "evidence",
                    "demo_lesson",
                    "demo_preset",
                    "sdk_version",
                    "import_key",
                ]
            },
        ),
        (
            "Item parameters (adaptive engine)",
            {"classes": ["collapse"], "fields": ["discrimination", "difficulty", "guessing"]},
        ),
        ("Generated item", {"classes": ["collapse"], "fields": ["family", "variant"]}),
    ]

    class Media:
        css = {"all": ["questions/bank_admin.css"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Question | None = None) -> list[str]:
        # Changing a primary key in the admin would save a copy under the new id.
        # A generated item's family and variant come with it from generate_items.
        generated = ["family", "variant"]
        return ["id", "import_key", *generated] if obj is not None else ["import_key", *generated]

    def get_queryset(self, request: HttpRequest) -> QuestionQuerySet:
        queryset = super().get_queryset(request)
        assert isinstance(queryset, QuestionQuerySet)  # the default manager's, ordered
        return queryset.with_answer_stats()

    @admin.display(description="answered", ordering="times_answered")
    def times_answered(self, question: QuestionWithStats) -> int:
        return question.times_answered

    @admin.display(description="% correct")
    def percent_correct(self, question: QuestionWithStats) -> str:
        if not question.times_answered:
            return "-"
        return f"{100 * question.times_correct / question.times_answered:.0f}%"

    @admin.display(description="category", ordering="category__order")
    def category_slug(self, question: Question) -> str:
        return question.category_slug or "-"

    @admin.display(description="still needs")
    def missing(self, question: Question) -> str:
        """What an imported draft lacks before it can be activated."""
        return ", ".join(question.missing_fields()) or "-"

    @admin.display(description="SDK", ordering="sdk_version")
    def sdk(self, question: Question) -> str:
        return question.sdk_version

    @admin.display(description="Preview")
    def preview_link(self, question: Question) -> str:
        url = reverse("admin:questions_question_preview", args=[question.pk])
        return format_html('<a href="{}" aria-label="Preview {}">preview</a>', url, question.pk)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list[Any], change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        question: Question = form.instance
        if getattr(form, "parameters_defaulted", False):
            # Only now is the number of choices (and so the default guessing rate) known.
            question.apply_default_parameters(question.choices.count())
            question.save(update_fields=["discrimination", "difficulty", "guessing"])

    # --- actions ---------------------------------------------------------------------------

    @admin.action(description="Activate selected questions", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        result = questions_activate(questions=queryset)
        self.message_user(request, f"Activated {_questions(len(result.activated))}.")
        for question_id, problems in result.refused.items():
            self.message_user(
                request, f"Not activated, {question_id}: {' '.join(problems)}", messages.WARNING
            )

    @admin.action(description="Retire selected questions", permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        retired = questions_retire(questions=queryset)
        self.message_user(request, f"Retired {_questions(retired)}.")

    @admin.action(description="Move selected questions to the exam pool", permissions=["change"])
    def to_exam_pool(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        moved = questions_pool_move(questions=queryset, pool=Question.Pool.EXAM)
        self.message_user(
            request,
            f"Moved {_questions(moved)} to the exam pool. Practice no longer serves "
            f"{pluralize(moved, 'it,them')}; learners who practised {pluralize(moved, 'it,them')} "
            "before may remember the key.",
            messages.WARNING if moved else messages.INFO,
        )

    @admin.action(
        description="Move selected questions to the practice pool", permissions=["change"]
    )
    def to_practice_pool(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        moved = questions_pool_move(questions=queryset, pool=Question.Pool.PRACTICE)
        self.message_user(
            request,
            f"Moved {_questions(moved)} to the practice pool: drills, level quizzes and adaptive "
            "practice serve them with their keys from now on.",
        )

    @admin.action(description="Export selected questions (YAML)", permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Question]) -> HttpResponse:
        return _yaml_download(
            bank_export(questions=queryset), f"bank-{queryset.count()}-questions.yaml"
        )

    @admin.action(description="Export selected questions (GIFT)", permissions=["view"])
    def export_selected_gift(
        self, request: HttpRequest, queryset: QuerySet[Question]
    ) -> HttpResponse:
        return _interchange_download("gift", queryset)

    @admin.action(description="Export selected questions (Moodle XML)", permissions=["view"])
    def export_selected_moodle_xml(
        self, request: HttpRequest, queryset: QuerySet[Question]
    ) -> HttpResponse:
        return _interchange_download("moodle-xml", queryset)

    @admin.action(description="Export selected questions (QTI 1.2 package)", permissions=["view"])
    def export_selected_qti(
        self, request: HttpRequest, queryset: QuerySet[Question]
    ) -> HttpResponse:
        return _interchange_download("qti", queryset)

    # --- extra pages -----------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        # Before the defaults, whose "<path:object_id>/" would swallow "import/".
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="questions_question_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="questions_question_export",
            ),
            path(
                "analysis/",
                self.admin_site.admin_view(self.analysis_view),
                name="questions_question_analysis",
            ),
            path(
                "<path:object_id>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="questions_question_withdraw",
            ),
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="questions_question_preview",
            ),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, title: str, **context: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **context,
        }

    def analysis_view(self, request: HttpRequest) -> HttpResponse:
        """The item analysis (questions.item_analysis): view permission; exports too."""
        return item_analysis.report_view(self, request)

    def withdraw_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Retire a flagged item or send it back to pretest (POST; change permission)."""
        return item_analysis.withdraw_view(self, request, object_id)

    @_view_permission_required
    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        question = get_object_or_404(
            Question.objects.select_related("category").prefetch_related("choices"),
            pk=object_id,
        )
        context = self._page(
            request,
            f"Preview of {question.id}",
            question=question,
            original=question,
            has_change_permission=self.has_change_permission(request, question),
        )
        return TemplateResponse(request, "admin/questions/question/preview.html", context)

    @_view_permission_required
    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The whole bank, keys included: YAML by default, or ?format=json|gift|moodle-xml|qti."""
        fmt = request.GET.get("format", "yaml")
        if fmt == "json":
            return _download(bank_export(fmt="json"), "streaming.json", "application/json")
        if fmt in INTERCHANGES:
            return _interchange_download(interchange_named(fmt), None)
        return _yaml_download(bank_export(), "streaming.yaml")

    @method_decorator(permission_required(IMPORT_PERMISSIONS, raise_exception=True))
    def import_view(self, request: HttpRequest) -> HttpResponse:
        errors: list[BankError] = []
        posted = request.method == "POST"
        form = BankImportForm(request.POST, request.FILES) if posted else BankImportForm()
        if posted and form.is_valid():
            upload, fmt = form.cleaned_data["file"], form.cleaned_data["fmt"]
            files = [RevisionFile(upload.read(), upload.name, fmt)]
            try:
                revision = bank_revision_stage(files=files, user=request.user)
            except BankInvalid as invalid:
                errors = invalid.errors
            else:
                # Nothing is published yet: the revision's page shows the diff to publish.
                return HttpResponseRedirect(
                    reverse("admin:questions_bankrevision_change", args=[revision.pk])
                )
        context = self._page(
            request,
            "Import a bank file",
            form=form,
            bank_errors=errors,
            verbose_name_plural=capfirst(self.opts.verbose_name_plural),
        )
        return TemplateResponse(
            request,
            "admin/questions/question/import.html",
            context,
            status=400 if errors else 200,
        )


# ---------------------------------------------------------------------------------------------
# Quizzes and attempts. Instructors manage quizzes; attempts are records
# of what learners did, so they are read-only here: nothing in admin can change a result.
# ---------------------------------------------------------------------------------------------


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "mode",
        "scope_label",
        "time_limit",
        "feedback",
        "review",
        "thresholds",
        "is_published",
        "order",
    ]
    list_display_links = ["title"]
    list_editable = ["is_published", "order"]
    list_filter = ["mode", "scope", "feedback", "is_published"]
    list_select_related = ["category"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "mode", "is_published", "order"]}),
        ("Questions", {"fields": ["scope", "level", "category", "question_limit"]}),
        ("Timing and feedback", {"fields": ["time_limit", "feedback", "review"]}),
        ("Passing", {"fields": ["overall_threshold", "category_threshold"]}),
        (
            "Certification exam",
            {
                "fields": [
                    "blueprint",
                    "blueprint_status",
                    "retake_cooldown",
                    "pretest_per_form",
                    "adaptive",
                    "ready_probability",
                    "min_per_category",
                ]
            },
        ),
        ("Order", {"fields": ["shuffle_questions", "shuffle_choices"]}),
    ]
    readonly_fields = ["blueprint_status"]

    @admin.display(description="Blueprint against the exam pool")
    def blueprint_status(self, quiz: Quiz) -> str:
        """Per cell: what a form asks, what the exam pool holds, and the exposure that allows;
        the cells that fall short say by how much."""
        if not quiz.pk or not quiz.is_exam:
            return "A certification exam's forms follow its blueprint."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    cell.category,
                    cell.level,
                    cell.wanted,
                    cell.in_pool,
                    "-" if cell.allowed_exposure is None else f"{cell.allowed_exposure:.2f}",
                    _cell_verdict(cell),
                )
                for cell in blueprint_status(quiz)
            ),
        )
        return format_html(
            "<table><thead><tr><th>Category</th><th>Level</th><th>Per form</th>"
            "<th>Exam items</th><th>Lowest exposure allowed</th><th>Status</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Questions", ordering="scope")
    def scope_label(self, quiz: Quiz) -> str:
        if quiz.scope == Quiz.Scope.LEVEL:
            return f"Level: {quiz.level}"
        if quiz.scope == Quiz.Scope.CATEGORY:
            return f"Category: {quiz.category}"
        return quiz.get_scope_display()

    @admin.display(description="Pass at")
    def thresholds(self, quiz: Quiz) -> str:
        return f"{quiz.overall_threshold}% / {quiz.category_threshold}% per category"


def _cell_verdict(cell: CellStatus) -> str:
    if cell.short:
        return f"short by {cell.short}: every form borrows them from the category's other levels"
    if cell.exposure_short:
        return (
            f"short by {cell.exposure_short} within the exposure target of "
            f"{cell.exposure_target:.2f}: forms borrow them from the category's other levels "
            "where those have room, else ask them here above the target (add items, or "
            "variants of other families)"
        )
    return "ok"


class ReadOnlyAdminMixin:
    """Viewable by staff with the view permission; never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Answer
    fields = (
        "position",
        "question",
        "category_slug",
        "scored",
        "chosen",
        "correct",
        "flagged",
        "answered_at",
    )
    readonly_fields = fields
    ordering = ["position"]
    extra = 0
    show_change_link = False


class AdaptiveOutcomeInline(ReadOnlyAdminMixin, admin.StackedInline):
    """Adaptive practice: the engine's decision and estimates when the attempt finished."""

    model = AdaptiveOutcome
    fields = (
        "verdict",
        "reason",
        "p_ready",
        "answered",
        "expected_overall",
        "overall_low",
        "overall_high",
        "categories",
        "parameters_version",
    )
    readonly_fields = fields
    extra = 0


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "user",
        "quiz",
        "status",
        "started_at",
        "submitted_at",
        "score_label",
        "passed",
    ]
    list_filter = ["status", "passed", "quiz"]
    list_select_related = ["user", "quiz"]
    search_fields = ["user__username", "user__email", "quiz__title"]
    date_hierarchy = "started_at"
    readonly_fields = (
        "user",
        "quiz",
        "status",
        "started_at",
        "deadline",
        "submitted_at",
        "seed",
        "retake_of",
        "question_ids",
        "correct_count",
        "question_count",
        "score",
        "category_scores",
        "passed",
        "form",
    )
    fields = readonly_fields
    inlines = [AdaptiveOutcomeInline, AnswerInline]

    @admin.display(description="Score", ordering="score")
    def score_label(self, attempt: Attempt) -> str:
        if attempt.score is None:
            return "-"
        return f"{attempt.score}% ({attempt.correct_count}/{attempt.question_count})"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attempt]:
        return super().get_queryset(request).select_related("user", "quiz")


class ItemCalibrationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ItemCalibration
    fields = (
        "question",
        "answers",
        "refitted",
        "discrimination_before",
        "discrimination_after",
        "difficulty_before",
        "difficulty_after",
        "guessing_before",
        "guessing_after",
    )
    readonly_fields = fields
    extra = 0


@admin.register(BankParameters)
class BankParametersAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Versions of the item parameters, written by `manage.py calibrate_items` only."""

    list_display = ["__str__", "created_at", "refitted", "answers", "attempts", "min_answers"]
    readonly_fields = ("version", "created_at", "min_answers", "attempts", "answers", "refitted")
    fields = readonly_fields
    inlines = [ItemCalibrationInline]


@admin.register(KeyCheck)
class KeyCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What verify_items found: per item and SDK version, whether the key still holds."""

    list_display = ["question", "sdk_version", "holds", "keyed", "derived", "checked_at"]
    list_filter = ["holds", "sdk_version"]
    search_fields = ["question__id", "question__family", "outcome"]
    ordering = ["-holds", "question"]
    fields = ["question", "sdk_version", "holds", "keyed", "derived", "outcome", "checked_at"]


@admin.register(ItemWithdrawal)
class ItemWithdrawalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The log of items retired or sent back to pretest from the item analysis."""

    list_display = ["question", "action", "by_name", "attempts_answered", "created_at"]
    list_filter = ["action"]
    search_fields = ["question__id", "reason", "by_name"]
    fields = ["question", "action", "reason", "flags", "by_name", "attempts_answered", "created_at"]


# ---------------------------------------------------------------------------------------------
# Bank revisions: an import staged from the import page, previewed here, then published.
# ---------------------------------------------------------------------------------------------


@admin.register(BankRevision)
class BankRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "summary", "created_by", "created_at", "published_at"]
    list_filter = ["status"]
    list_select_related = ["created_by"]

    @admin.display(description="diff")
    def summary(self, revision: BankRevision) -> str:
        return RevisionDiff.from_data(revision.diff).summary()

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="questions_bankrevision_publish",
            ),
            path(
                "<int:pk>/discard/",
                self.admin_site.admin_view(self.discard_view),
                name="questions_bankrevision_discard",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The revision's diff, with Publish and Discard while it is staged."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        revision = get_object_or_404(BankRevision.objects.prefetch_related("files"), pk=object_id)
        return self._preview(request, revision)

    def _preview(
        self, request: HttpRequest, revision: BankRevision, errors: list[BankError] | None = None
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{revision}",
            "revision": revision,
            "diff": RevisionDiff.from_data(revision.diff),
            "can_publish": revision.is_staged and request.user.has_perms(IMPORT_PERMISSIONS),
            "bank_errors": errors or [],
        }
        status = 400 if errors else 200
        template = "admin/questions/bankrevision/preview.html"
        return TemplateResponse(request, template, context, status=status)

    @method_decorator(require_POST)
    @method_decorator(permission_required(IMPORT_PERMISSIONS, raise_exception=True))
    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        revision = get_object_or_404(BankRevision, pk=pk)
        try:
            revision = bank_revision_publish(revision=revision)
        except BankInvalid as invalid:
            return self._preview(request, revision, invalid.errors)
        except RevisionClosed as closed:
            self.message_user(request, str(closed), messages.WARNING)
            return HttpResponseRedirect(
                reverse("admin:questions_bankrevision_change", args=[revision.pk])
            )
        diff = RevisionDiff.from_data(revision.diff)
        self.message_user(request, f"Published {revision}: {diff.summary()}.", messages.SUCCESS)
        for line in revision.report:
            self.message_user(request, line, messages.INFO)
        return HttpResponseRedirect(reverse("admin:questions_question_changelist"))

    @method_decorator(require_POST)
    @method_decorator(permission_required(IMPORT_PERMISSIONS, raise_exception=True))
    def discard_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        revision = get_object_or_404(BankRevision, pk=pk)
        try:
            bank_revision_discard(revision=revision)
        except RevisionClosed as closed:
            self.message_user(request, str(closed), messages.WARNING)
        else:
            self.message_user(request, f"Discarded {revision}: nothing was changed.")
        return HttpResponseRedirect(reverse("admin:questions_bankrevision_changelist"))


@admin.register(TimeAccommodation)
class TimeAccommodationAdmin(admin.ModelAdmin):
    """Extra time on timed quizzes; saving or deleting one moves the learner's open deadlines
    (services.accommodation_save / accommodation_delete)."""

    form = TimeAccommodationForm
    list_display = ["user", "scope_label", "describe", "granted_by", "updated_at"]
    list_filter = ["quiz"]
    list_select_related = ["user", "quiz", "granted_by"]
    search_fields = ["user__username", "user__email", "quiz__title", "note"]
    fields = ["learner", "quiz", "multiplier", "extra_minutes", "note"]

    @admin.display(description="Quiz", ordering="quiz__title")
    def scope_label(self, accommodation: TimeAccommodation) -> str:
        return str(accommodation.quiz) if accommodation.quiz_id else "Every timed quiz"

    @admin.display(description="Extra time")
    def describe(self, accommodation: TimeAccommodation) -> str:
        return accommodation.describe()

    def save_model(
        self, request: HttpRequest, obj: TimeAccommodation, form: ModelForm, change: bool
    ) -> None:
        user = request.user if request.user.is_authenticated else None
        moved = accommodation_save(accommodation=obj, granted_by=user)
        if moved:
            self.message_user(
                request,
                f"The deadline of {moved} open attempt{pluralize(moved)} moved to match.",
                messages.INFO,
            )

    def delete_model(self, request: HttpRequest, obj: TimeAccommodation) -> None:
        accommodation_delete(accommodation=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TimeAccommodation]) -> None:
        for accommodation in queryset:
            accommodation_delete(accommodation=accommodation)
