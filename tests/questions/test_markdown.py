from __future__ import annotations

from django.template import Context, Template

from questions.markdown import render_inline_markdown, render_markdown


def test_html_in_content_is_shown_as_text() -> None:
    html = render_markdown('Is <script>alert("x")</script> run?')
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_script_links_are_not_links() -> None:
    html = render_markdown("[click](javascript:alert(1)) and [docs](https://example.com)")
    assert "<a " in html
    assert 'href="javascript' not in html
    assert 'href="https://example.com"' in html


def test_code_blocks_are_highlighted() -> None:
    html = render_markdown("```python\nasync for event in result.stream_events():\n    pass\n```")
    assert 'class="highlight"' in html
    assert '<span class="k">async</span>' in html


def test_code_in_a_block_is_escaped() -> None:
    html = render_markdown("```\nprint('<b>')\n```")
    assert "<b>" not in html
    assert "&lt;b&gt;" in html


def test_inline_markdown_has_no_paragraph() -> None:
    assert str(render_inline_markdown("`final_output`")) == "<code>final_output</code>"


def test_template_filters() -> None:
    template = Template("{% load markdown %}{{ text|markdown }}|{{ text|markdown_inline }}")
    out = template.render(Context({"text": "**bold** <i>"}))
    assert out == "<p><strong>bold</strong> &lt;i&gt;</p>\n|<strong>bold</strong> &lt;i&gt;"


def test_a_code_block_is_one_pre_element() -> None:
    html = render_markdown("```python\nprint(1)\n```")
    assert html.count("<pre") == 1
    assert html.startswith('<pre class="highlight" tabindex="0"><code>')
