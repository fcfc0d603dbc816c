from django import template
from django.utils.safestring import SafeString

from questions.markdown import render_inline_markdown, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """`{{ question.prompt|markdown }}`: block Markdown, HTML in the source shown as text."""
    return render_markdown(text)


@register.filter(name="markdown_inline")
def markdown_inline_filter(text: str) -> SafeString:
    """`{{ choice.text|markdown_inline }}`: inline Markdown (code spans, emphasis)."""
    return render_inline_markdown(text)
