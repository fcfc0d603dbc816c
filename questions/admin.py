from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from questions.models import Answer, Attempt, Quiz

# ---------------------------------------------------------------------------------------------
# Quizzes and attempts (the quizzes branch). Instructors manage quizzes; attempts are records
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
        ("Order", {"fields": ["shuffle_questions", "shuffle_choices"]}),
    ]

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
    fields = [
        "position",
        "question",
        "category_slug",
        "chosen",
        "correct",
        "flagged",
        "answered_at",
    ]
    readonly_fields = fields
    ordering = ["position"]
    extra = 0
    show_change_link = False


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
    readonly_fields = [
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
    ]
    fields = readonly_fields
    inlines = [AnswerInline]

    @admin.display(description="Score", ordering="score")
    def score_label(self, attempt: Attempt) -> str:
        if attempt.score is None:
            return "-"
        return f"{attempt.score}% ({attempt.correct_count}/{attempt.question_count})"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attempt]:
        return super().get_queryset(request).select_related("user", "quiz")
