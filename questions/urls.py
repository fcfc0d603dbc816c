from django.urls import path

from questions import views

app_name = "questions"

urlpatterns = [
    path("", views.quiz_list, name="quiz_list"),
    path("<slug:slug>/start/", views.quiz_start, name="quiz_start"),
    path("attempts/<int:pk>/", views.attempt_resume, name="attempt_resume"),
    path(
        "attempts/<int:pk>/questions/<int:position>/",
        views.attempt_question,
        name="attempt_question",
    ),
    path("attempts/<int:pk>/summary/", views.attempt_summary, name="attempt_summary"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:pk>/results/", views.attempt_results, name="attempt_results"),
    path("attempts/<int:pk>/retake/", views.attempt_retake, name="attempt_retake"),
]
