"""Function tools the demo agents can call. Deterministic, so runs can be compared."""

from __future__ import annotations

from agents import FunctionTool, function_tool

DOCS: dict[str, str] = {
    "stream": "Runner.run_streamed() returns a RunResultStreaming; iterate stream_events().",
    "event": "Three event types: raw_response_event, run_item_stream_event, "
    "agent_updated_stream_event.",
    "token": "Text tokens arrive as ResponseTextDeltaEvent in raw_response_event.data.delta.",
    "tool": "Tool calls appear as tool_called and tool_output run item events.",
    "handoff": "A handoff emits handoff_requested, handoff_occured and agent_updated_stream_event.",
    "cancel": "result.cancel() stops a streamed run; leaving the loop alone does not.",
}


@function_tool
def lookup_docs(topic: str) -> str:
    """Look up what the Agents SDK documentation says about a topic.

    Args:
        topic: A few words naming the topic.
    """
    lowered = topic.lower()
    for keyword, text in DOCS.items():
        if keyword in lowered:
            return text
    return DOCS["stream"]


@function_tool
def count_words(text: str) -> int:
    """Count the words of a text.

    Args:
        text: The text to count.
    """
    return len(text.split())


@function_tool
def look_up_invoice(invoice_id: str) -> str:
    """Find an invoice by its id and say what was charged.

    Args:
        invoice_id: The invoice's id, such as INV-1042.
    """
    return f"{invoice_id}: Pro plan, 12.00 EUR, charged twice on 3 March; one charge is refundable"


TOOLS: dict[str, FunctionTool] = {
    "lookup_docs": lookup_docs,
    "count_words": count_words,
}
