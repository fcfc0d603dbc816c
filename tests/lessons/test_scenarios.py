"""Scenarios: the virtual clock, the scripted models, programs run exactly as shown, variants."""

from __future__ import annotations

import asyncio
import time

import pytest
from agents import Agent, RunConfig, Runner
from openai.types.responses import ResponseFunctionCallArgumentsDeltaEvent, ResponseTextDeltaEvent

from lessons.offline import Pacing
from lessons.scenarios import Scenario, Shape, Theme, split_preset
from lessons.scenarios.clock import run_on_virtual_clock
from lessons.scenarios.code import agent, narrate, role
from lessons.scenarios.models import ScriptedModel, scripted_chat_model
from lessons.scenarios.program import ModelKind, Program, program_outcome
from lessons.scenarios.registry import SCENARIOS, variant_for
from lessons.scenarios.script import Call, Script, ScriptError, Turn

RUN_CONFIG = RunConfig(tracing_disabled=True)


# --- the virtual clock --------------------------------------------------------------------------


def test_virtual_time_orders_timers_as_real_time_would_and_takes_none() -> None:
    order: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        order.append((name, asyncio.get_running_loop().time()))

    async def main() -> None:
        await asyncio.gather(sleeper("slow", 30), sleeper("fast", 0.5), sleeper("middle", 2))

    started = time.monotonic()
    run_on_virtual_clock(main)
    assert order == [("fast", 0.5), ("middle", 2.0), ("slow", 30.0)]
    assert time.monotonic() - started < 5


def test_a_timeout_lands_at_its_virtual_moment() -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(asyncio.sleep(10), 1.5)
        except TimeoutError:
            return loop.time()
        return -1.0

    assert run_on_virtual_clock(main) == pytest.approx(1.5)


def test_work_in_a_thread_is_waited_for_before_the_clock_moves() -> None:
    async def main() -> list[str]:
        seen: list[str] = []

        def slow_sync() -> None:
            time.sleep(0.2)  # real time, in a thread
            seen.append("thread")

        async def timer() -> None:
            await asyncio.sleep(0.01)
            seen.append("timer")

        await asyncio.gather(asyncio.to_thread(slow_sync), timer())
        return seen

    # The thread started first and takes no virtual time: it finishes before the timer fires.
    assert run_on_virtual_clock(main) == ["thread", "timer"]


# --- the scripted models ------------------------------------------------------------------------

SCRIPT = Script(
    (
        role("Triage", Turn(text="Passing you on.", handoff="Billing")),
        role(
            "Billing",
            Turn(text="Checking.", calls=(Call("refund", {"order": "A-1"}),)),
            Turn(text="Refunded."),
        ),
    )
)
PROGRAM = """
@function_tool
async def refund(order: str) -> str:
    return "done"

billing = Agent(name="Billing", instructions="You are Billing.", tools=[refund], model=model)
triage = Agent(name="Triage", instructions="You are Triage.", handoffs=[billing], model=model)
result = Runner.run_streamed(triage, "Refund order A-1")
async for event in result.stream_events():
    if event.type == "agent_updated_stream_event":
        print("agent:", event.new_agent.name)
    elif event.type == "run_item_stream_event":
        print(event.name)
print(result.final_output)
"""
EXPECTED = (
    "agent: Triage",
    "message_output_created",
    "handoff_requested",
    "handoff_occured",
    "agent: Billing",
    "message_output_created",
    "tool_called",
    "tool_output",
    "message_output_created",
    "Refunded.",
)


@pytest.mark.parametrize("model", ["offline", "chat-completions"])
def test_both_models_follow_the_script_through_handoffs_and_tools(model: ModelKind) -> None:
    outcome = program_outcome(Program(code=PROGRAM, script=SCRIPT, premise="", model=model))
    assert outcome.raised == ""
    assert outcome.printed == EXPECTED
    assert outcome.events[0] == "agent_updated_stream_event:Triage"


def test_an_agent_the_script_does_not_know_is_refused() -> None:
    model = ScriptedModel(SCRIPT)
    with pytest.raises(ScriptError, match="No agent of the script"):
        model.turn("You are Nobody.", "hi", [])


def test_a_fresh_question_starts_the_script_again() -> None:
    """A fallback's Runner.run asks again from the start: the script starts again too."""
    script = Script((role("A", Turn(calls=(Call("t", {}),)), Turn(text="Done.")),))
    model = ScriptedModel(script)
    first, _ = model.turn("You are A.", "hi", [])
    assert [call.name for call in first.calls] == ["t"]
    answered = [{"type": "function_call", "call_id": first.calls[0].call_id, "name": "t"}]
    second, _ = model.turn("You are A.", answered, [])  # type: ignore[arg-type]
    assert second.text == "Done."
    assert not second.calls
    again, _ = model.turn("You are A.", "hi", [])
    assert again.calls == first.calls


async def test_the_chat_completions_model_streams_its_chunks_through_the_sdk_converter() -> None:
    """Text and tool-call arguments arrive as the SDK's own Responses events, at the pace set."""
    script = Script(
        (
            role(
                "Writer",
                Turn(text="Hello there.", calls=(Call("save", {"text": "hi"}),)),
                Turn(text="Saved."),
            ),
        )
    )
    model = scripted_chat_model(script)

    async def save(text: str) -> str:
        return "ok"

    from agents import function_tool

    writer = Agent(
        name="Writer", instructions="You are Writer.", tools=[function_tool(save)], model=model
    )
    result = Runner.run_streamed(writer, "Write", run_config=RUN_CONFIG)
    text, arguments = "", ""
    async for event in result.stream_events():
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            text += event.data.delta
        elif event.type == "raw_response_event" and isinstance(
            event.data, ResponseFunctionCallArgumentsDeltaEvent
        ):
            arguments += event.data.delta
    assert text == "Hello there.Saved."
    assert arguments == '{"text": "hi"}'
    assert result.final_output == "Saved."


def test_a_stream_cut_by_the_script_fails_after_that_many_tokens_on_both_models() -> None:
    code = """
agent = Agent(name="A", instructions="You are A.", model=model)
result = Runner.run_streamed(agent, "hi")
text = ""
async for event in result.stream_events():
    if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
        text += event.data.delta
        print(repr(text))
"""
    script = Script((role("A", Turn(text="one two three four", stream_fails_after=2)),))
    offline = program_outcome(Program(code=code, script=script, premise=""))
    chat = program_outcome(Program(code=code, script=script, premise="", model="chat-completions"))
    assert offline.printed == chat.printed == ("'one'", "'one two'")
    assert offline.raised_type == "ModelBehaviorError"  # the SDK on a response.failed event
    assert chat.raised_type == "APIConnectionError"  # the client on a dropped connection


# --- programs -----------------------------------------------------------------------------------


def test_a_program_prints_what_it_prints_and_reports_what_it_raises() -> None:
    code = """
print("a", 1, sep="-")
print("b", end="")
print("c")
result = await Runner.run_streamed(Agent(name="A", instructions="You are A.", model=model), "hi")
"""
    script = Script((role("A", Turn(text="Hi.")),))
    outcome = program_outcome(Program(code=code, script=script, premise=""))
    assert outcome.printed == ("a-1", "bc")
    assert outcome.raised_type == "TypeError"
    assert "can't be used in 'await' expression" in outcome.raised
    assert outcome.summary() == f"printed: a-1 | bc\nraised: {outcome.raised}"


def test_a_timed_program_is_deterministic_in_virtual_time() -> None:
    code = """
agent = Agent(name="A", instructions="You are A.", model=model)
result = Runner.run_streamed(agent, "hi")
events = result.stream_events()
try:
    while True:
        event = await asyncio.wait_for(anext(events), 0.25)
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            print(event.data.delta.strip())
except TimeoutError:
    print("timeout")
finally:
    result.cancel()
"""
    script = Script((role("A", Turn(text="one two three four five")),))
    # First token after 0.2 s, then one every 0.1 s... then a pause the model never makes:
    program = Program(code=code, script=script, premise="", pacing=Pacing(0.2, 0.1))
    outcomes = {program_outcome(program) for _ in range(3)}
    assert len(outcomes) == 1
    slow = Program(code=code, script=script, premise="", pacing=Pacing(0.3, 0.1))
    assert program_outcome(slow).printed == ("timeout",)  # no first token within 0.25 s


def test_a_program_that_never_ends_is_cut_at_the_virtual_limit() -> None:
    code = "while True:\n    await asyncio.sleep(60)"
    script = Script((role("A", Turn(text="Hi.")),))
    outcome = program_outcome(Program(code=code, script=script, premise=""))
    assert outcome.raised_type == "TimeoutError"


# --- scenarios and their variants ---------------------------------------------------------------


def _toy_build(shape: Shape, theme: Theme) -> Program:
    script = Script((role(theme["name"], Turn(text=shape["text"])),))
    code = agent("agent", theme["name"]) + "\nprint('ok')"
    return Program(code=code, script=script, premise=narrate(script))


def test_a_variant_is_a_preset_name_of_its_scenario() -> None:
    toy = Scenario(
        slug="toy",
        lesson="basic-streaming",
        title="Toy",
        summary="A toy.",
        shapes=(Shape("hello", {"text": "Hello."}),),
        themes=(Theme("t1", {"name": "A"}),),
        build=_toy_build,
    )
    variant = next(toy.variants())
    assert variant.preset == "toy__hello__t1"
    assert variant.shape_name == "toy__hello"
    assert split_preset(variant.preset) == ("toy", "hello", "t1")
    assert split_preset("side-by-side") is None
    assert variant.program().premise == "`model` is an offline model, scripted: it says “Hello.”"
    with pytest.raises(ValueError, match="share a key"):
        Scenario("toy", "basic-streaming", "T", "S", toy.shapes * 2, toy.themes, _toy_build)


def test_every_scenario_variant_resolves_from_its_preset_name_within_its_lesson() -> None:
    for scenario in SCENARIOS.values():
        for variant in scenario.variants():
            assert len(variant.preset) <= 64
            assert variant_for(scenario.lesson, variant.preset) == variant
            assert variant_for("no-such-lesson", variant.preset) is None
    assert variant_for("run-item-events", "item-names__nope__travel") is None


def test_every_scenario_program_compiles_and_states_its_premise() -> None:
    for scenario in SCENARIOS.values():
        for variant in scenario.variants():
            program = variant.program()
            compile(f"async def f():\n{_indent(program.code)}", variant.preset, "exec")
            assert program.premise.startswith("`model` is")


def _indent(code: str) -> str:
    return "".join(f"    {line}\n" for line in code.splitlines())
