from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lessons.catalog import LESSONS


def lesson_list(request: HttpRequest) -> HttpResponse:
    return render(request, "lessons/lesson_list.html", {"lessons": LESSONS})
