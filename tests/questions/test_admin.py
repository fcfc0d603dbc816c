from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from questions import rules
from questions.forms import QuestionAdminForm
from questions.models import Category, Choice, Question
from questions.services.bank import bank_load
from tests.factories import CategoryFactory, QuestionFactory, StaffFactory
from tests.questions import bank_data

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/questions/question/"


def change_url(question: Question) -> str:
    return f"{CHANGELIST}{question.pk}/change/"


def form_data(question: Question, **changes: Any) -> dict[str, Any]:
    """The change form as the admin renders it for `question`, with `changes` applied."""
    editable = [name for name in QuestionAdminForm.Meta.fields if name not in {"id", "category"}]
    data: dict[str, Any] = {name: getattr(question, name) for name in editable}
    data["category"] = question.category_id
    choices = list(question.choices.all())
    data.update(
        {
            "choices-TOTAL_FORMS": len(choices),
            "choices-INITIAL_FORMS": len(choices),
            "choices-MIN_NUM_FORMS": 0,
            "choices-MAX_NUM_FORMS": 1000,
        }
    )
    for n, choice in enumerate(choices):
        data.update(
            {
                f"choices-{n}-id": choice.pk,
                f"choices-{n}-question": question.pk,
                f"choices-{n}-text": choice.text,
                f"choices-{n}-rationale": choice.rationale,
            }
        )
        if choice.is_correct:
            data[f"choices-{n}-is_correct"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def add_choice_forms(data: dict[str, Any], *choices: tuple[str, bool]) -> None:
    start = int(data["choices-TOTAL_FORMS"])
    for n, (text, correct) in enumerate(choices, start=start):
        data[f"choices-{n}-text"] = text
        data[f"choices-{n}-rationale"] = f"Why {text}."
        if correct:
            data[f"choices-{n}-is_correct"] = "on"
    data["choices-TOTAL_FORMS"] = start + len(choices)


def rows() -> list[tuple[Any, ...]]:
    return [*Question.objects.order_by("id").values_list(), *Choice.objects.values_list()]


# --- who reaches the admin ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        CHANGELIST,
        f"{CHANGELIST}import/",
        f"{CHANGELIST}export/",
        f"{CHANGELIST}basics-10/preview/",
        "/admin/questions/category/",
    ],
)
def test_a_learner_never_reaches_the_admin(learner_client: Client, url: str) -> None:
    QuestionFactory.create(id="basics-10")
    response = learner_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "url", [CHANGELIST, f"{CHANGELIST}import/", f"{CHANGELIST}export/", f"{CHANGELIST}add/"]
)
def test_staff_outside_the_group_may_not_manage_the_bank(client: Client, url: str) -> None:
    client.force_login(StaffFactory.create())
    assert client.get(url).status_code == 403


def test_the_instructor_sees_the_bank_on_the_admin_index(instructor_client: Client) -> None:
    page = instructor_client.get("/admin/").content.decode()
    assert 'href="/admin/questions/question/"' in page
    assert 'href="/admin/questions/category/"' in page
    assert "/admin/auth/user/" not in page


# --- the question list --------------------------------------------------------------------------


def test_the_list_shows_the_columns(instructor_client: Client) -> None:
    question = QuestionFactory.create(
        id="basics-10", level="advanced", kind="multiple", style="code"
    )
    page = instructor_client.get(CHANGELIST).content.decode()
    for cell in (
        '<td class="field-category_slug">basics</td>',
        '<td class="field-level">Advanced</td>',
        '<td class="field-kind">Multiple choice</td>',
        '<td class="field-style">Code reading</td>',
        '<td class="field-status">Active</td>',
        f'<td class="field-sdk">{question.sdk_version}</td>',
    ):
        assert cell in page
    assert 'href="/admin/questions/question/basics-10/change/">basics-10</a>' in page
    assert 'href="/admin/questions/question/basics-10/preview/"' in page
    assert "Import bank file" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level__exact=advanced", {"raw-events-10"}),
        ("kind__exact=true_false", {"basics-11"}),
        ("status__exact=draft", {"basics-11"}),
        ("style__exact=judgement", {"raw-events-10"}),
        ("category__id__exact={raw_events}", {"raw-events-10"}),
        ("q=backpressure", {"basics-10"}),  # in the prompt
        ("q=circuit", {"raw-events-10"}),  # in the explanation
        ("q=basics-11", {"basics-11"}),  # the id
        ("q=fallbacks", {"basics-11"}),  # the topic
    ],
)
def test_filters_and_search(instructor_client: Client, query: str, expected: set[str]) -> None:
    QuestionFactory.create(id="basics-10", prompt="What is backpressure?")
    QuestionFactory.create(
        id="raw-events-10",
        category=CategoryFactory.create(slug="raw-events"),
        level="advanced",
        style="judgement",
        explanation="A circuit breaker opens.",
    )
    QuestionFactory.create(id="basics-11", kind="true_false", status="draft", topic="fallbacks")
    raw_events = Category.objects.get(slug="raw-events").pk

    response = instructor_client.get(f"{CHANGELIST}?{query.format(raw_events=raw_events)}")

    assert {q.id for q in response.context["cl"].result_list} == expected


def test_the_list_costs_the_same_queries_for_3_or_30_questions(
    instructor_client: Client, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        QuestionFactory.create()
    instructor_client.get(CHANGELIST)  # warm the session and content-type caches
    # session, user, its second factor, its permissions and its groups', two counts, the page,
    # the category and family filters
    with django_assert_num_queries(10):
        assert instructor_client.get(CHANGELIST).status_code == 200
    for slug in ("raw-events", "production"):
        for _ in range(13):
            QuestionFactory.create(category=CategoryFactory.create(slug=slug))
    with django_assert_num_queries(10):
        response = instructor_client.get(CHANGELIST)
    assert response.context["cl"].result_count == 29


# --- editing ------------------------------------------------------------------------------------


def test_an_invalid_choice_set_is_shown_on_the_page_and_nothing_is_saved(
    instructor_client: Client,
) -> None:
    question = QuestionFactory.create(id="basics-10", kind="single")
    before = rows()
    data = form_data(question, prompt="A change that must not be saved.")
    data["choices-1-is_correct"] = "on"

    response = instructor_client.post(change_url(question), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the error below." in page
    assert "A single-choice question has exactly one correct choice (2 given)." in page
    assert rows() == before


@pytest.mark.parametrize(
    ("kind", "correct", "message"),
    [
        ("multiple", [True, True, True, True], "at least one correct and one wrong"),
        ("true_false", [True, False, False, False], "exactly two choices"),
    ],
)
def test_the_rules_follow_the_submitted_kind(
    instructor_client: Client, kind: str, correct: list[bool], message: str
) -> None:
    question = QuestionFactory.create(id="basics-10", kind="single")
    before = rows()
    data = form_data(question, kind=kind)
    for n, flag in enumerate(correct):
        data.pop(f"choices-{n}-is_correct", None)
        if flag:
            data[f"choices-{n}-is_correct"] = "on"

    response = instructor_client.post(change_url(question), data)

    assert message in response.content.decode()
    assert rows() == before


def test_deleting_choices_below_two_is_refused(instructor_client: Client) -> None:
    question = QuestionFactory.create(id="basics-10", kind="true_false")
    data = form_data(question)
    data["choices-1-DELETE"] = "on"

    response = instructor_client.post(change_url(question), data)

    assert "A question needs at least two choices." in response.content.decode()
    assert question.choices.count() == 2


def test_a_valid_edit_saves_and_keeps_choice_order_contiguous(instructor_client: Client) -> None:
    question = QuestionFactory.create(id="basics-10", kind="single")
    data = form_data(question, prompt="Which call\r\nstreams?")
    data["choices-1-DELETE"] = "on"
    add_choice_forms(data, ("`Runner.stream()`", False))

    response = instructor_client.post(change_url(question), data)

    assert response.status_code == 302, response.context["errors"]
    question.refresh_from_db()
    assert question.prompt == "Which call\nstreams?"
    assert list(question.choices.values_list("order", "text")) == [
        (0, "Option A"),
        (1, "Option C"),
        (2, "Option D"),
        (3, "`Runner.stream()`"),
    ]


def test_adding_a_question_with_default_parameters(instructor_client: Client) -> None:
    category = CategoryFactory.create(slug="basics")
    data = {
        "id": "basics-20",
        "category": category.pk,
        "level": "advanced",
        "kind": "single",
        "style": "code",
        "status": "draft",
        "pool": "exam",
        "pretest": "on",
        "topic": "final_output",
        "objective": "run-streamed-api",
        "prompt": "What is `result.final_output` here?",
        "explanation": "The last agent's output.",
        "evidence_kind": "test",
        "evidence": "tests/questions/test_evidence.py::test_basics_20",
        "demo_lesson": "basic-streaming",
        "demo_preset": "event-sequence",
        "sdk_version": "0.24.0",
        "choices-TOTAL_FORMS": 0,
        "choices-INITIAL_FORMS": 0,
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    add_choice_forms(data, ("A", True), ("B", False), ("C", False), ("D", False), ("E", False))

    response = instructor_client.post(f"{CHANGELIST}add/", data)

    assert response.status_code == 302, response.context["errors"]
    question = Question.objects.get(id="basics-20")
    assert (question.pool, question.pretest) == ("exam", True)
    expected = rules.default_item_parameters("advanced", "single", 5)
    assert (question.discrimination, question.difficulty, question.guessing) == (
        expected.discrimination,
        expected.difficulty,
        expected.guessing,
    )
    assert list(question.choices.values_list("order", "is_correct")) == [
        (0, True),
        (1, False),
        (2, False),
        (3, False),
        (4, False),
    ]


def test_the_id_of_a_saved_question_cannot_be_changed(instructor_client: Client) -> None:
    question = QuestionFactory.create(id="basics-10")
    response = instructor_client.post(change_url(question), form_data(question, id="basics-99"))
    assert response.status_code == 302
    assert list(Question.objects.values_list("id", flat=True)) == ["basics-10"]


# --- preview ------------------------------------------------------------------------------------


def test_the_preview_renders_the_question_as_a_learner_sees_it(instructor_client: Client) -> None:
    question = QuestionFactory.create(
        id="basics-10",
        kind="multiple",
        prompt="Which **events** arrive?\n\n```python\nasync for e in r.stream_events():\n"
        "    pass\n```\n",
        explanation="Because `stream_events()` yields them.",
        demo_lesson="basic-streaming",
        demo_preset="event-sequence",
    )

    response = instructor_client.get(f"{CHANGELIST}{question.pk}/preview/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Which <strong>events</strong> arrive?" in page
    assert '<span class="k">async</span>' in page  # highlighted code
    assert page.count('type="checkbox"') == 8  # the question, then the key
    assert "Choose every right answer" in page
    assert 'href="/lessons/basic-streaming/?preset=event-sequence"' in page
    assert "See it live" in page
    assert "Right:</strong> Right: it does." in page
    assert "Because <code>stream_events()</code> yields them." in page


def test_the_preview_shows_html_in_content_as_text(instructor_client: Client) -> None:
    question = QuestionFactory.create(id="basics-10", prompt='Is <script>alert("x")</script> run?')
    Choice.objects.filter(question=question, order=0).update(text="<img src=x onerror=alert(1)>")

    page = instructor_client.get(f"{CHANGELIST}{question.pk}/preview/").content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_preview_of_a_missing_question_is_404(instructor_client: Client) -> None:
    assert instructor_client.get(f"{CHANGELIST}basics-99/preview/").status_code == 404


# --- actions ------------------------------------------------------------------------------------


def act(client: Client, action: str, *ids: str) -> Any:
    return client.post(CHANGELIST, {"action": action, "_selected_action": ids}, follow=True)


def test_activate_makes_questions_active_and_refuses_broken_ones(
    instructor_client: Client,
) -> None:
    QuestionFactory.create(id="basics-10", status="draft")
    QuestionFactory.create(id="basics-11", status="draft")
    # Broken outside the admin's checks (e.g. by a script): it must not reach learners.
    broken = QuestionFactory.create(id="basics-12", status="draft")
    broken.choices.update(is_correct=True)
    before = Question.objects.get(id="basics-10").updated_at

    page = act(instructor_client, "activate", "basics-10", "basics-11", "basics-12")

    content = page.content.decode()
    assert "Activated 2 questions." in content
    assert "Not activated, basics-12: A single-choice question has exactly one correct" in content
    statuses = dict(Question.objects.values_list("id", "status"))
    assert statuses == {"basics-10": "active", "basics-11": "active", "basics-12": "draft"}
    assert Question.objects.get(id="basics-10").updated_at > before


def test_retire_retires(instructor_client: Client) -> None:
    QuestionFactory.create(id="basics-10", status="active")
    QuestionFactory.create(id="basics-11", status="active")

    page = act(instructor_client, "retire", "basics-10")

    assert "Retired 1 question." in page.content.decode()
    assert dict(Question.objects.values_list("id", "status")) == {
        "basics-10": "retired",
        "basics-11": "active",
    }


def test_instructors_move_questions_between_the_pools(instructor_client: Client) -> None:
    QuestionFactory(id="basics-10", pool="practice")
    QuestionFactory(id="basics-11", pool="exam")

    page = act(instructor_client, "to_exam_pool", "basics-10", "basics-11")
    assert "Moved 1 question to the exam pool" in page.content.decode()
    assert "may remember the key" in page.content.decode()
    assert set(Question.objects.values_list("pool", flat=True)) == {"exam"}

    page = act(instructor_client, "to_practice_pool", "basics-11")
    assert "Moved 1 question to the practice pool" in page.content.decode()
    assert dict(Question.objects.values_list("id", "pool")) == {
        "basics-10": "exam",
        "basics-11": "practice",
    }


def test_the_question_list_filters_by_pool_and_pretest(instructor_client: Client) -> None:
    QuestionFactory(id="basics-10", pool="practice")
    QuestionFactory(id="basics-11", pool="exam", pretest=True)

    page = instructor_client.get(f"{CHANGELIST}?pool__exact=exam&pretest__exact=1")

    rows = page.context["cl"].result_list
    assert [row.id for row in rows] == ["basics-11"]


def test_export_selected_downloads_a_loadable_yaml_file(instructor_client: Client) -> None:
    bank_load(text=bank_data.dump(bank_data.bank()))

    response = act(instructor_client, "export_selected", "raw-events-01", "basics-01")

    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="bank-2-questions.yaml"'
    exported = yaml.safe_load(response.content)
    assert [q["id"] for q in exported["questions"]] == ["basics-01", "raw-events-01"]
    assert len(exported["categories"]) == 5
    result = bank_load(text=response.content)
    assert result.questions.unchanged == ("basics-01", "raw-events-01")


def test_export_downloads_the_whole_bank(instructor_client: Client) -> None:
    bank_load(text=bank_data.dump(bank_data.bank()))
    response = instructor_client.get(f"{CHANGELIST}export/")
    assert response["Content-Disposition"] == 'attachment; filename="streaming.yaml"'
    assert len(yaml.safe_load(response.content)["questions"]) == 5


# --- import -------------------------------------------------------------------------------------


def upload(client: Client, text: str | bytes, name: str = "streaming.yaml") -> Any:
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        f"{CHANGELIST}import/", {"file": SimpleUploadedFile(name, content)}, follow=True
    )


def test_the_import_page(instructor_client: Client) -> None:
    page = instructor_client.get(f"{CHANGELIST}import/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_file">Bank file:</label>' in page


def test_import_with_errors_shows_them_all_and_changes_nothing(instructor_client: Client) -> None:
    bank_load(text=bank_data.dump(bank_data.bank()))
    before = rows()
    data = bank_data.bank()
    data["questions"][0]["prompt"] = "A change that must not be saved."
    data["questions"][1]["choices"][2]["correct"] = True
    data["questions"][2]["objective"] = "nope"

    response = upload(instructor_client, bank_data.dump(data))

    assert response.status_code == 400
    page = response.content.decode()
    assert "The file was not imported: nothing changed." in page
    assert "Fix 2 errors" in page
    assert (
        "raw-events-01 choices: A multiple-choice question needs at least one correct and one "
        "wrong choice." in page
    )
    assert "run-items-01 objective: Unknown objective &#x27;nope&#x27;" in page
    assert rows() == before


def test_import_of_a_file_that_is_not_yaml(instructor_client: Client) -> None:
    response = upload(instructor_client, "questions: [\n", name="broken.yaml")
    assert response.status_code == 400
    assert "broken.yaml line 2, column 1: Not valid YAML" in response.content.decode()
    response = upload(instructor_client, b"\x89PNG\r\n\x1a\n\x00", name="image.yaml")
    assert "image.yaml: Not UTF-8 text" in response.content.decode()
    response = upload(instructor_client, b"\x89PNG\r\n\x1a\n\x00", name="image.png")
    assert "does not say its format" in response.content.decode()
    assert Question.objects.count() == 0


def test_import_without_a_file(instructor_client: Client) -> None:
    response = instructor_client.post(f"{CHANGELIST}import/", {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_import_stages_a_revision_whose_diff_is_published(instructor_client: Client) -> None:
    response = upload(instructor_client, bank_data.dump(bank_data.bank()))

    ((preview_url, _),) = response.redirect_chain
    assert preview_url.startswith("/admin/questions/bankrevision/")
    page = response.content.decode()
    assert "5 added, 0 changed, 0 retired, 0 unchanged" in page
    assert Question.objects.count() == 0  # staged: nothing published yet

    published = instructor_client.post(preview_url.replace("/change/", "/publish/"), follow=True)

    assert published.redirect_chain == [(CHANGELIST, 302)]
    page = published.content.decode()
    assert "5 added, 0 changed, 0 retired, 0 unchanged." in page
    assert "In streaming.yaml: Questions: 5 created, 0 updated, 0 unchanged." in page
    assert Question.objects.count() == 5
    again = instructor_client.post(preview_url.replace("/change/", "/publish/"), follow=True)
    assert "This revision was already published." in again.content.decode()


def test_import_needs_the_right_to_change_the_bank(client: Client) -> None:
    viewer = StaffFactory.create()
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_question"))
    client.force_login(viewer)
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(f"{CHANGELIST}import/").status_code == 403
    assert "Import bank file" not in client.get(CHANGELIST).content.decode()


# --- categories ---------------------------------------------------------------------------------


def test_the_category_list_counts_questions(instructor_client: Client) -> None:
    QuestionFactory.create(id="basics-10")
    QuestionFactory.create(id="basics-11")
    CategoryFactory.create(slug="production")
    response = instructor_client.get("/admin/questions/category/")
    counts = {c.slug: c.question_count for c in response.context["cl"].result_list}
    assert counts == {"basics": 2, "production": 0}


def test_the_five_categories_can_be_renamed_but_not_added_or_deleted(
    instructor_client: Client,
) -> None:
    category = CategoryFactory.create(slug="basics")
    assert instructor_client.get("/admin/questions/category/add/").status_code == 403
    delete = f"/admin/questions/category/{category.pk}/delete/"
    assert instructor_client.get(delete).status_code == 403
    response = instructor_client.post(
        f"/admin/questions/category/{category.pk}/change/",
        {
            "name": "Streaming basics",
            "order": 1,
            "description": "New words.",
            "lesson_slug": "basic-streaming",
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.slug, category.name) == ("basics", "Streaming basics")


def test_the_list_shows_how_often_each_question_was_answered_and_how_well(
    instructor_client: Client,
) -> None:
    from questions.services import answer_submit, attempt_start, attempt_submit
    from tests.factories import QuizFactory, UserFactory

    question = QuestionFactory.create()
    QuestionFactory.create()  # never answered
    quiz = QuizFactory.create(scope="all", shuffle_choices=False)
    for chosen_order in (0, 0, 1):  # the first choice is the key: two right, one wrong
        learner = UserFactory.create()
        attempt, _ = attempt_start(user=learner, quiz=quiz)
        choice = question.choices.get(order=chosen_order)
        answer_submit(
            user=learner, attempt_id=attempt.pk, question_id=question.pk, choice_ids=[choice.pk]
        )
        attempt_submit(user=learner, attempt_id=attempt.pk)
    open_learner = UserFactory.create()  # an open attempt's answer does not count yet
    attempt, _ = attempt_start(user=open_learner, quiz=quiz)
    answer_submit(
        user=open_learner,
        attempt_id=attempt.pk,
        question_id=question.pk,
        choice_ids=[question.choices.get(order=0).pk],
    )

    html = instructor_client.get(CHANGELIST).content.decode()
    rows = {row.split('"')[0]: row for row in html.split('<tr class="')[1:]}
    answered_row = next(row for row in rows.values() if f">{question.pk}<" in row)
    assert '<td class="field-times_answered">3</td>' in answered_row
    assert '<td class="field-percent_correct">67%</td>' in answered_row
    assert '<td class="field-percent_correct">-</td>' in html
