from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def quiz_list(request: HttpRequest) -> HttpResponse:
    return render(request, "questions/quiz_list.html")
