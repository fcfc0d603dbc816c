from django.urls import path

from lessons import views

app_name = "lessons"

urlpatterns = [
    path("", views.lesson_list, name="index"),
    path("runs/", views.run_list, name="runs"),
    path("<slug:slug>/", views.lesson_detail, name="detail"),
    path("<slug:slug>/runs/<uuid:run_id>/stream/", views.run_stream, name="stream"),
]
