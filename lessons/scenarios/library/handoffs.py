"""Scenarios of lesson 04, streaming with tools and handoffs: who runs, what the tools do."""

from __future__ import annotations

from collections.abc import Sequence

from lessons.offline import Pacing
from lessons.scenarios import Scenario, Shape, Theme
from lessons.scenarios.code import agent, narrate, q, role, tool
from lessons.scenarios.library.runs import (
    HANDOFFS,
    agent_names,
    run_code,
    run_script,
    run_shapes,
)
from lessons.scenarios.program import Program
from lessons.scenarios.script import Call, Script, Turn
from lessons.scenarios.themes import THEMES

LESSON = "streaming-with-handoffs"
NO_PACE = Pacing(0, 0)


def _program(shape: Shape, theme: Theme, loop: str) -> Program:
    script = run_script(shape, theme)
    return Program(
        code=run_code(shape, theme, loop),
        script=script,
        premise=narrate(script),
        input=theme["ask"],
        agents=agent_names(shape, theme),
    )


WHO_LOOP = """
async for event in result.stream_events():
    if event.type == "agent_updated_stream_event":
        print("agent:", event.new_agent.name)
    elif event.type == "run_item_stream_event" and event.name == "message_output_created":
        print("message by", event.item.agent.name)
print("last:", result.last_agent.name)
"""

HANDOFF_LOOP = """
async for event in result.stream_events():
    if event.type == "agent_updated_stream_event":
        print("agent:", event.new_agent.name)
    elif event.type == "run_item_stream_event":
        print(event.name)
"""


def who_speaks(shape: Shape, theme: Theme) -> Program:
    """Which agent runs, and which agent wrote each message."""
    return _program(shape, theme, WHO_LOOP)


def handoff_events(shape: Shape, theme: Theme) -> Program:
    """Agent updates and run items of a run with handoffs."""
    return _program(shape, theme, HANDOFF_LOOP)


# --- parallel tools and time ---------------------------------------------------------------------

TIMING_LOOP = """
loop = asyncio.get_running_loop()
start = loop.time()
result = Runner.run_streamed(agent, {ask})
async for event in result.stream_events():
    if event.type == "run_item_stream_event" and event.name == "tool_output":
        print(f"{{loop.time() - start:.1f}}", event.item.output)
print(f"{{loop.time() - start:.1f}}", "done")
"""


def _seconds(value: float) -> str:
    return f"{value:g}"


def tool_timing(shape: Shape, theme: Theme) -> Program:
    """Tools that take time: called in one response (they run together) or one by one."""
    durations: Sequence[float] = shape["durations"]
    names = [theme[f"tool{n + 1}"] for n in range(len(durations))]
    definitions = [
        tool(
            name,
            theme["param"],
            f"{name} done",
            body=(f"await asyncio.sleep({_seconds(seconds)})",),
        )
        for name, seconds in zip(names, durations, strict=True)
    ]
    calls = [Call(name, {theme["param"]: theme["value"]}) for name in names]
    if shape["together"]:
        turns = [Turn(calls=tuple(calls))]
    else:
        turns = [Turn(calls=(call,)) for call in calls]
    script = Script((role(theme["assistant"], *turns, Turn(text=theme["reply"])),))
    code = "\n\n".join(
        [
            *definitions,
            agent("agent", theme["assistant"], tools=names)
            + TIMING_LOOP.format(ask=q(theme["ask"])).rstrip(),
        ]
    )
    premise = narrate(script) + " It takes no time itself: only the tools do."
    return Program(
        code=code,
        script=script,
        premise=premise,
        pacing=NO_PACE,
        input=theme["ask"],
        agents=(theme["assistant"],),
    )


def _timing_shapes() -> tuple[Shape, ...]:
    sets = {
        "slow-fast": (2, 0.5),
        "fast-slow": (0.5, 2),
        "mid-slow-fast": (1, 2, 0.5),
        "fast-mid-slow": (0.5, 1, 2),
        "even": (1, 1),
    }
    return tuple(
        Shape(
            f"{key}-{'together' if together else 'apart'}", {"durations": d, "together": together}
        )
        for key, d in sets.items()
        for together in (True, False)
    )


WHO_SPEAKS = Scenario(
    slug="who-speaks",
    lesson=LESSON,
    title="Which agent is speaking",
    summary="A consumer prints every agent update and which agent wrote each message; then the "
    "run's last agent.",
    shapes=run_shapes(("0", "1"), ("none", "first"), HANDOFFS),
    themes=THEMES,
    build=who_speaks,
)

HANDOFF_EVENTS = Scenario(
    slug="handoff-events",
    lesson=LESSON,
    title="The events of a handoff",
    summary="A consumer prints agent updates and run item events: the handoff's own events, "
    "then the specialist's.",
    shapes=run_shapes(("0", "1", "2", "1+1"), ("none", "first"), HANDOFFS[1:]),
    themes=THEMES,
    build=handoff_events,
)

TOOL_TIMING = Scenario(
    slug="tool-timing",
    lesson=LESSON,
    title="Tools that take time",
    summary="Tools that sleep: called in one response they run together, and their outputs come "
    "when the slowest is done; called one per response they run one after another.",
    shapes=_timing_shapes(),
    themes=THEMES,
    build=tool_timing,
)

# --- a tool that fails --------------------------------------------------------------------------

ERROR_LOOP = """
try:
    async for event in result.stream_events():
        if event.type == "run_item_stream_event" and event.name == "tool_output":
            print("output:", event.item.output)
        elif event.type == "run_item_stream_event":
            print(event.name)
except Exception as error:
    print("raised", type(error).__name__)
print("final:", result.final_output)
"""

HANDLERS = {
    "default": "@function_tool",
    "none": "@function_tool(failure_error_function=None)",
    "custom": '@function_tool(failure_error_function=lambda ctx, error: f"failed: {error}")',
}


def tool_errors(shape: Shape, theme: Theme) -> Program:
    """A tool that raises: what the model, the stream and the result see."""
    failing, other = theme["tool1"], theme["tool2"]
    definitions = [
        tool(
            failing,
            theme["param"],
            "unreachable",
            decorator=HANDLERS[shape["handler"]],
            body=(f'raise ValueError("{theme["value"]} is unavailable")',),
        )
        .replace('    return "unreachable"\n', "")
        .removesuffix('\n    return "unreachable"')
    ]
    tools = [failing]
    calls = [Call(failing, {theme["param"]: theme["value"]})]
    if shape["with_other"]:
        definitions.append(tool(other, theme["param"], theme["out2"]))
        tools.append(other)
        calls.append(Call(other, {theme["param"]: theme["value"]}))
    turns = [
        Turn(
            text=f"Calling {' and '.join(tools)}." if shape["preamble"] else "", calls=tuple(calls)
        )
    ]
    script = Script((role(theme["assistant"], *turns, Turn(text=theme["reply"])),))
    code = "\n\n".join(
        [
            *definitions,
            agent("agent", theme["assistant"], tools=tools)
            + f"\nresult = Runner.run_streamed(agent, {q(theme['ask'])})\n"
            + ERROR_LOOP.strip(),
        ]
    )
    return Program(
        code=code,
        script=script,
        premise=narrate(script) + " (It answers the same whatever the tools return.)",
        input=theme["ask"],
        agents=(theme["assistant"],),
    )


ERROR_SHAPES = tuple(
    Shape(
        f"{handler}{'-other' if other else ''}{'-said' if said else ''}",
        {"handler": handler, "with_other": other, "preamble": said},
    )
    for handler in HANDLERS
    for other in (False, True)
    for said in (False, True)
)


# --- an agent as a tool, or a handoff ------------------------------------------------------------

AS_TOOL_LOOP = """
async for event in result.stream_events():
    if event.type == "agent_updated_stream_event":
        print("agent:", event.new_agent.name)
    elif event.type == "run_item_stream_event":
        print(event.name, "by", event.item.agent.name)
print("last:", result.last_agent.name)
print("final:", result.final_output)
"""


def as_tool(shape: Shape, theme: Theme) -> Program:
    """The same specialist reached by a handoff, or called as a tool with agent.as_tool()."""
    lead, expert = theme["triage"], theme["first"]
    tool_name = "ask_" + "_".join(expert.lower().split())
    expert_turns = []
    if shape["expert_tool"]:
        expert_turns.append(Turn(calls=(Call(theme["tool1"], {theme["param"]: theme["value"]}),)))
    expert_turns.append(Turn(text=theme["reply2"]))
    said = f"Asking {expert}." if shape["said"] else ""
    definitions = (
        [tool(theme["tool1"], theme["param"], theme["out1"])] if shape["expert_tool"] else []
    )
    expert_tools = [theme["tool1"]] if shape["expert_tool"] else []
    if shape["kind"] == "handoff":
        lead_turns = [Turn(text=said, handoff=expert)]
        lead_code = agent("lead", lead, handoffs=["expert"])
    else:
        ask = Call(tool_name, {"input": theme["ask"]})
        lead_turns = [Turn(text=said, calls=(ask,)), Turn(text=f"{expert} says: {theme['reply2']}")]
        lead_code = agent(
            "lead",
            lead,
            tools=[f"expert.as_tool(tool_name={q(tool_name)}, tool_description={q(expert)})"],
        )
    script = Script((role(lead, *lead_turns), role(expert, *expert_turns)))
    code = "\n\n".join(
        [
            *definitions,
            agent("expert", expert, tools=expert_tools)
            + f"\n{lead_code}\nresult = Runner.run_streamed(lead, {q(theme['ask'])})\n"
            + AS_TOOL_LOOP.strip(),
        ]
    )
    return Program(
        code=code, script=script, premise=narrate(script), input=theme["ask"], agents=(lead, expert)
    )


AS_TOOL_SHAPES = tuple(
    Shape(
        f"{kind}{'-tool' if expert_tool else ''}{'-said' if said else ''}",
        {"kind": kind, "expert_tool": expert_tool, "said": said},
    )
    for kind in ("handoff", "as-tool")
    for expert_tool in (False, True)
    for said in (False, True)
)


TOOL_ERRORS = Scenario(
    slug="tool-errors",
    lesson=LESSON,
    title="A tool that raises",
    summary="A tool raises an exception: by default the model gets an error message as the "
    "tool's output and carries on; without a failure function the run fails.",
    shapes=ERROR_SHAPES,
    themes=THEMES,
    build=tool_errors,
)

AS_TOOL = Scenario(
    slug="as-tool",
    lesson=LESSON,
    title="Handoff or agent as a tool",
    summary="The same specialist, reached by a handoff (it takes over) or called as a tool "
    "(it answers the lead, who stays in charge).",
    shapes=AS_TOOL_SHAPES,
    themes=THEMES,
    build=as_tool,
)

# --- tools that need approval --------------------------------------------------------------------

APPROVAL_LOOP = """
result = Runner.run_streamed(agent, {ask})
async for event in result.stream_events():
    if event.type == "run_item_stream_event":
        print(event.name)
print("paused:", len(result.interruptions), result.final_output)
if result.interruptions:
    state = result.to_state()
    for request in result.interruptions:
        state.{decision}(request)
    result = Runner.run_streamed(agent, state)
    async for event in result.stream_events():
        if event.type == "run_item_stream_event":
            print(event.name)
    print("final:", result.final_output)
"""

POLICIES = {
    "always": "@function_tool(needs_approval=True)",
    "for-db": "@function_tool(needs_approval=only_for_db)",
}
ONLY_FOR_DB = """async def only_for_db(ctx, params, call_id):
    return params[{param}] == "db"
"""


def approvals(shape: Shape, theme: Theme) -> Program:
    """A tool that needs approval: the streamed run pauses; the learner approves or rejects and
    resumes it from its state."""
    guarded, free = theme["tool3"], theme["tool1"]
    value = "db" if shape["target"] == "db" else theme["value"]
    definitions = []
    if shape["policy"] == "for-db":
        definitions.append(ONLY_FOR_DB.format(param=q(theme["param"])).rstrip())
    definitions.append(
        tool(
            guarded,
            theme["param"],
            theme["out3"],
            decorator=POLICIES[shape["policy"]],
            body=(f'print("running {guarded}")',),
        )
    )
    tools, calls = [guarded], [Call(guarded, {theme["param"]: value})]
    if shape["with_free"]:
        definitions.insert(0, tool(free, theme["param"], theme["out1"]))
        tools.insert(0, free)
        calls.insert(0, Call(free, {theme["param"]: value}))
    turns = [Turn(calls=tuple(calls))] * shape.values.get("turns", 1)
    script = Script((role(theme["assistant"], *turns, Turn(text=theme["reply"])),))
    loop = APPROVAL_LOOP.format(ask=q(theme["ask"]), decision=shape["decision"])
    code = "\n\n".join(
        [*definitions, agent("agent", theme["assistant"], tools=tools) + loop.rstrip()]
    )
    return Program(
        code=code,
        script=script,
        premise=narrate(script) + " (It answers the same whatever the tools return.)",
        input=theme["ask"],
        agents=(theme["assistant"],),
    )


APPROVAL_SHAPES = tuple(
    Shape(
        f"{policy}-{target}-{decision}{'-free' if free else ''}",
        {"policy": policy, "target": target, "decision": decision, "with_free": free},
    )
    for policy in POLICIES
    for target in (("any",) if policy == "always" else ("db", "other"))
    for decision in ("approve", "reject")
    for free in (False, True)
) + tuple(
    Shape(
        f"turns-{decision}",
        {"policy": "always", "target": "any", "decision": decision, "with_free": False, "turns": 2},
    )
    for decision in ("approve", "reject")
)


# --- what ends a run with tools ------------------------------------------------------------------

BEHAVIOURS = {
    "default": "",
    "first": 'tool_use_behavior="stop_on_first_tool"',
    "at1": "tool_use_behavior=StopAtTools(stop_at_tool_names=[{tool1}])",
    "at2": "tool_use_behavior=StopAtTools(stop_at_tool_names=[{tool2}])",
}

BEHAVIOUR_LOOP = """
async for event in result.stream_events():
    if event.type == "run_item_stream_event":
        print(event.name)
print(repr(result.final_output))
"""


def tool_use(shape: Shape, theme: Theme) -> Program:
    """tool_use_behavior: the model's answer ends the run, or a tool's output does."""
    setting = BEHAVIOURS[shape["behaviour"]].format(
        tool1=q(theme["tool1"]), tool2=q(theme["tool2"])
    )
    extra = [setting] if setting else []
    script = run_script(shape, theme)
    return Program(
        code=run_code(shape, theme, BEHAVIOUR_LOOP, agent_extra=extra),
        script=script,
        premise=narrate(script) + " (It would go on the same way whatever the tools return.)",
        input=theme["ask"],
        agents=agent_names(shape, theme),
    )


TOOL_USE_SHAPES = tuple(
    Shape(f"{behaviour}-{shape.key}", {**shape.values, "behaviour": behaviour})
    for behaviour in BEHAVIOURS
    for shape in run_shapes(("1", "2", "1+1", "2+1"), ("none",))
)

APPROVALS = Scenario(
    slug="approvals",
    lesson=LESSON,
    title="Tools that need approval",
    summary="A tool with needs_approval pauses the streamed run with an interruption; the "
    "program approves or rejects it on the run's state and streams the rest.",
    shapes=APPROVAL_SHAPES,
    themes=THEMES,
    build=approvals,
)

TOOL_USE = Scenario(
    slug="tool-use",
    lesson=LESSON,
    title="What ends a run with tools",
    summary="tool_use_behavior decides whether the model answers after its tools, or the first "
    "tool's output (or a chosen tool's) is the final output.",
    shapes=TOOL_USE_SHAPES,
    themes=THEMES,
    build=tool_use,
)

# --- lifecycle hooks beside the stream ------------------------------------------------------------

HOOKS_CLASS = """class Hooks(RunHooks):
    async def on_agent_start(self, context, agent):
        print("hook: start", agent.name)

    async def on_tool_start(self, context, agent, tool):
        print("hook: tool", tool.name)

    async def on_handoff(self, context, from_agent, to_agent):
        print("hook: handoff to", to_agent.name)

    async def on_agent_end(self, context, agent, output):
        print("hook: end", agent.name)
"""

HOOKS_LOOP = """
async for event in result.stream_events():
    if event.type == "agent_updated_stream_event":
        print("event: agent", event.new_agent.name)
"""


def hooks(shape: Shape, theme: Theme) -> Program:
    """RunHooks printing beside a consumer printing events: who prints what, and when."""
    script = run_script(shape, theme)
    code = run_code(shape, theme, HOOKS_LOOP, run_arguments=["hooks=Hooks()"])
    return Program(
        code=f"{HOOKS_CLASS}\n{code}",
        script=script,
        premise=narrate(script),
        input=theme["ask"],
        agents=agent_names(shape, theme),
    )


HOOKS = Scenario(
    slug="hooks",
    lesson=LESSON,
    title="Lifecycle hooks beside the stream",
    summary="RunHooks print when agents start and end, tools start and handoffs happen; the "
    "consumer prints the events it reads. Which comes first?",
    shapes=run_shapes(("0", "1", "2", "1+1"), ("none",), ("none", "direct", "chain")),
    themes=THEMES,
    build=hooks,
)

SCENARIOS = (
    WHO_SPEAKS,
    HANDOFF_EVENTS,
    TOOL_TIMING,
    TOOL_ERRORS,
    AS_TOOL,
    APPROVALS,
    TOOL_USE,
    HOOKS,
)
