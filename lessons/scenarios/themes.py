"""The words scenarios are written in: each theme names the same parts differently.

A theme changes nothing that happens (the same calls, in the same order, with the same lines
printed, word for word apart from names): it gives two programs of one shape different faces.
"""

from __future__ import annotations

from lessons.scenarios import Theme

# Every theme gives: an assistant and three specialists (agent names), three tools with their
# parameter and argument, what each returns, a request, a preamble and two replies.
THEMES: tuple[Theme, ...] = (
    Theme(
        "travel",
        {
            "assistant": "Concierge",
            "triage": "Front desk",
            "first": "Bookings",
            "second": "Weather desk",
            "third": "Transport",
            "tool1": "get_weather",
            "tool2": "get_time",
            "tool3": "get_rates",
            "param": "city",
            "value": "Lisbon",
            "out1": "Sunny",
            "out2": "14:00",
            "out3": "1.08",
            "ask": "Weather, time and rates in Lisbon?",
            "preamble": "Let me check.",
            "reply": "Sunny, 14:00.",
            "reply2": "Booked for you.",
            "secret": "my passport number",
        },
    ),
    Theme(
        "shop",
        {
            "assistant": "Assistant",
            "triage": "Triage",
            "first": "Orders",
            "second": "Returns",
            "third": "Payments",
            "tool1": "find_order",
            "tool2": "track_parcel",
            "tool3": "check_stock",
            "param": "order_id",
            "value": "A-17",
            "out1": "Found",
            "out2": "In transit",
            "out3": "3 left",
            "ask": "Where is order A-17?",
            "preamble": "One moment.",
            "reply": "It is in transit.",
            "reply2": "Return opened.",
            "secret": "my card number",
        },
    ),
    Theme(
        "docs",
        {
            "assistant": "Helper",
            "triage": "Router",
            "first": "Writer",
            "second": "Reviewer",
            "third": "Translator",
            "tool1": "search_docs",
            "tool2": "fetch_page",
            "tool3": "count_words",
            "param": "topic",
            "value": "streaming",
            "out1": "3 pages",
            "out2": "Page 1",
            "out3": "250",
            "ask": "Summarise the streaming docs.",
            "preamble": "Searching first.",
            "reply": "Streaming sends tokens early.",
            "reply2": "Reviewed.",
            "secret": "our API key",
        },
    ),
    Theme(
        "ops",
        {
            "assistant": "Operator",
            "triage": "Dispatcher",
            "first": "Oncall",
            "second": "Database",
            "third": "Network",
            "tool1": "check_status",
            "tool2": "read_logs",
            "tool3": "restart",
            "param": "service",
            "value": "api",
            "out1": "Degraded",
            "out2": "Timeouts",
            "out3": "Restarted",
            "ask": "Why is the api slow?",
            "preamble": "Looking.",
            "reply": "The api is degraded.",
            "reply2": "Escalated.",
            "secret": "the root password",
        },
    ),
)
