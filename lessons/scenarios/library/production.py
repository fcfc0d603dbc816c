"""Scenarios of lesson 05, production patterns: how a run ends (cancel, errors, max turns,
guardrails), timeouts, fallbacks, concurrent streams, slow consumers and circuit breakers."""

from __future__ import annotations

from lessons.offline import Pacing
from lessons.scenarios import Scenario, Shape, Theme
from lessons.scenarios.code import agent, narrate, q, role, tool
from lessons.scenarios.program import Program
from lessons.scenarios.script import Call, Script, Turn
from lessons.scenarios.themes import THEMES

LESSON = "streaming-patterns"
TEXT_DELTA = 'event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent)'


def _pace(pacing: Pacing) -> str:
    return (
        f" Its first token comes after {pacing.first_token:g} s, then one token every "
        f"{pacing.per_token:g} s (a token is a word or a punctuation mark, with its space)."
    )


def _single(theme: Theme, *turns: Turn) -> Script:
    return Script((role(theme["assistant"], *turns),))


# --- how a run ends -------------------------------------------------------------------------------

ENDINGS = {
    "complete": ("", ""),
    "break": ('event.type == "run_item_stream_event" and event.name == "tool_called"', "break"),
    "cancel": (
        'event.type == "run_item_stream_event" and event.name == "tool_called"',
        "result.cancel()",
    ),
    "after-turn": (
        'event.type == "run_item_stream_event" and event.name == "tool_called"',
        'result.cancel(mode="after_turn")',
    ),
    "consumer-raises": (
        'event.type == "run_item_stream_event" and event.name == "tool_output"',
        'raise ValueError("the page went away")',
    ),
    "max-turns": ("", ""),
    "input-guardrail": ("", ""),
    "output-guardrail": ("", ""),
    "stream-fails": ("", ""),
}

INPUT_GUARDRAIL = """@input_guardrail
async def screen(ctx, agent, text):
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=True)
"""
OUTPUT_GUARDRAIL = """@output_guardrail
async def review(ctx, agent, output):
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=True)
"""


def stop_states(shape: Shape, theme: Theme) -> Program:
    """However a run ends, what is_complete and final_output say right after, and later."""
    ending = shape["ending"]
    condition, action = ENDINGS[ending]
    extra, run_args, definitions = [], [], [tool(theme["tool1"], theme["param"], theme["out1"])]
    if ending == "input-guardrail":
        definitions.insert(0, INPUT_GUARDRAIL.rstrip())
        extra.append("input_guardrails=[screen]")
    if ending == "output-guardrail":
        definitions.insert(0, OUTPUT_GUARDRAIL.rstrip())
        extra.append("output_guardrails=[review]")
    if ending == "max-turns":
        run_args.append("max_turns=1")
    final = Turn(text=theme["reply"], stream_fails_after=2 if ending == "stream-fails" else None)
    script = _single(
        theme, Turn(calls=(Call(theme["tool1"], {theme["param"]: theme["value"]}),)), final
    )
    body = f"        if {condition}:\n            {action}\n" if condition else "        pass\n"
    arguments = ", ".join(["agent", q(theme["ask"]), *run_args])
    code = "\n\n".join(
        [
            *definitions,
            agent("agent", theme["assistant"], tools=[theme["tool1"]], extra=extra)
            + f"\nresult = Runner.run_streamed({arguments})\n"
            "try:\n"
            "    async for event in result.stream_events():\n"
            f"{body}"
            "except Exception as error:\n"
            "    print(type(error).__name__)\n"
            "print(result.is_complete, result.final_output)\n"
            "await asyncio.sleep(10)\n"
            "print(result.is_complete, result.final_output)",
        ]
    )
    premise = narrate(script)
    return Program(code=code, script=script, premise=premise, input=theme["ask"])


STOP_STATES = Scenario(
    slug="stop-states",
    lesson=LESSON,
    title="However the run ends",
    summary="A run that completes, is left (break), cancelled, fails in the consumer or the "
    "model, hits max_turns or a guardrail: is_complete and final_output right after, and ten "
    "seconds later.",
    shapes=tuple(Shape(ending, {"ending": ending}) for ending in ENDINGS),
    themes=THEMES,
    build=stop_states,
)


# --- timeouts -------------------------------------------------------------------------------------

TIMEOUT_PACE = Pacing(0.5, 0.1)
TOTAL_LOOP = """
text = ""
try:
    async with asyncio.timeout({seconds}):
        async for event in result.stream_events():
            if {delta}:
                text += event.data.delta
except TimeoutError:
    print("timed out")
finally:
    result.cancel()
print(f"{{loop.time() - start:.2f}} s", repr(text), result.final_output)
"""
EACH_LOOP = """
text = ""
events = result.stream_events()
try:
    while True:
        try:
            event = await asyncio.wait_for(anext(events), {seconds})
        except StopAsyncIteration:
            break
        if {delta}:
            text += event.data.delta
except TimeoutError:
    print("timed out")
finally:
    result.cancel()
print(f"{{loop.time() - start:.2f}} s", repr(text), result.final_output)
"""


def timeouts(shape: Shape, theme: Theme) -> Program:
    """A deadline for the whole stream, or for each event: where it lands."""
    turns = []
    definitions = []
    tools = []
    if shape["tool"]:
        seconds = shape["tool"]
        definitions.append(
            tool(
                theme["tool1"],
                theme["param"],
                theme["out1"],
                body=(f"await asyncio.sleep({seconds:g})",),
            )
        )
        tools.append(theme["tool1"])
        turns.append(Turn(calls=(Call(theme["tool1"], {theme["param"]: theme["value"]}),)))
    turns.append(Turn(text=theme["reply"]))
    script = _single(theme, *turns)
    template = TOTAL_LOOP if shape["mode"] == "total" else EACH_LOOP
    loop = template.format(seconds=f"{shape['seconds']:g}", delta=TEXT_DELTA)
    code = "\n\n".join(
        [
            *definitions,
            agent("agent", theme["assistant"], tools=tools)
            + "\nloop = asyncio.get_running_loop()\nstart = loop.time()"
            + f"\nresult = Runner.run_streamed(agent, {q(theme['ask'])})\n"
            + loop.strip(),
        ]
    )
    premise = narrate(script) + _pace(TIMEOUT_PACE)
    return Program(
        code=code,
        script=script,
        premise=premise,
        model="chat-completions",
        pacing=TIMEOUT_PACE,
        input=theme["ask"],
    )


TIMEOUTS = Scenario(
    slug="timeouts",
    lesson=LESSON,
    title="Where a timeout lands",
    summary="A time budget for the whole stream (asyncio.timeout) or for each event "
    "(asyncio.wait_for): what was received when it fires, and what the result says.",
    shapes=tuple(
        Shape(
            f"{mode}-{str(seconds).replace('.', 'p')}{'-tool' + str(slow) if slow else ''}",
            {"mode": mode, "seconds": seconds, "tool": slow},
        )
        for mode in ("total", "each")
        for seconds in (0.3, 0.55, 0.75, 2.5)
        for slow in (0, 1)
    ),
    themes=THEMES,
    build=timeouts,
)


# --- streaming or waiting: when the first words show ----------------------------------------------

FIRST_WORDS = """
loop = asyncio.get_running_loop()
start = loop.time()
result = Runner.run_streamed(agent, {ask})
async for event in result.stream_events():
    if {delta}:
        print(f"streamed: first words at {{loop.time() - start:.1f}} s")
        break
result.cancel()
start = loop.time()
answer = await Runner.run(agent, {ask})
print(f"run: first words at {{loop.time() - start:.1f}} s")
"""


def when_to_stream(shape: Shape, theme: Theme) -> Program:
    """The first words of the same reply, streamed or returned whole by Runner.run."""
    words = " ".join(["word"] * shape["tokens"])
    pacing = Pacing(shape["first"], shape["per_token"])
    script = _single(theme, Turn(text=f"{words}."))
    code = (
        agent("agent", theme["assistant"])
        + FIRST_WORDS.format(ask=q(theme["ask"]), delta=TEXT_DELTA).rstrip()
    )
    tokens = shape["tokens"] + 1
    premise = (
        f"`model` is an offline model, scripted to answer in {tokens} tokens. Streamed, its "
        f"first token comes after {pacing.first_token:g} s, then one token every "
        f"{pacing.per_token:g} s; without streaming it returns the whole answer when the last "
        "token would have been written."
    )
    return Program(
        code=code,
        script=script,
        premise=premise,
        model="chat-completions",
        pacing=pacing,
        input=theme["ask"],
    )


WHEN_TO_STREAM = Scenario(
    slug="when-to-stream",
    lesson=LESSON,
    title="When the first words show",
    summary="The same answer streamed (the first text delta) and returned by Runner.run (when "
    "the call returns): how long the user waits for the first words.",
    shapes=tuple(
        Shape(
            f"t{tokens}-f{str(first).replace('.', 'p')}-p{str(per).replace('.', 'p')}",
            {"tokens": tokens, "first": first, "per_token": per},
        )
        for tokens, first, per in (
            (4, 0.5, 0.1),
            (19, 0.5, 0.1),
            (49, 0.5, 0.1),
            (9, 1.0, 0.2),
            (29, 1.0, 0.2),
            (3, 0.2, 0.05),
            (99, 0.2, 0.05),
            (9, 2.0, 0.1),
            (14, 0.3, 0.2),
            (39, 1.5, 0.05),
        )
    ),
    themes=THEMES,
    build=when_to_stream,
)


# --- max turns and error handlers ----------------------------------------------------------------

HANDLER_CODE = {
    "none": "",
    "value": 'error_handlers={"max_turns": lambda data: "Gave up."}',
    "result": 'error_handlers={"max_turns": lambda data: RunErrorHandlerResult('
    'final_output="Gave up.", include_in_history=False)}',
    "declines": 'error_handlers={"max_turns": lambda data: None}',
}


def error_handlers(shape: Shape, theme: Theme) -> Program:
    """A model that keeps calling a tool, max_turns, and an error handler (or none)."""
    poll = theme["tool1"]
    turns = [Turn(calls=(Call(poll, {theme["param"]: theme["value"]}),))] * shape["polls"]
    script = _single(theme, *turns, Turn(text=theme["reply"]))
    run_args = [f"max_turns={shape['max_turns']}"]
    if HANDLER_CODE[shape["handler"]]:
        run_args.append(HANDLER_CODE[shape["handler"]])
    arguments = ",\n    ".join(["agent", q(theme["ask"]), *run_args])
    code = "\n\n".join(
        [
            tool(poll, theme["param"], "not yet"),
            agent("agent", theme["assistant"], tools=[poll])
            + f"\nresult = Runner.run_streamed(\n    {arguments},\n)\n"
            "try:\n"
            "    async for event in result.stream_events():\n"
            '        if event.type == "run_item_stream_event":\n'
            "            print(event.name)\n"
            "except MaxTurnsExceeded:\n"
            '    print("MaxTurnsExceeded")\n'
            "print(repr(result.final_output), len(result.to_input_list()))",
        ]
    )
    premise = narrate(script) + " (It would go on the same way whatever the tool returns.)"
    return Program(code=code, script=script, premise=premise, input=theme["ask"])


ERROR_HANDLERS = Scenario(
    slug="error-handlers",
    lesson=LESSON,
    title="max_turns and its error handler",
    summary="A model that keeps calling a tool hits max_turns: the stream raises "
    "MaxTurnsExceeded, unless an error handler gives the run a final output.",
    shapes=tuple(
        Shape(
            f"{handler}-m{turns}-p{polls}", {"handler": handler, "max_turns": turns, "polls": polls}
        )
        for handler in HANDLER_CODE
        for turns in (1, 2, 3)
        for polls in (2, 4)
    ),
    themes=THEMES,
    build=error_handlers,
)


# --- an input guardrail racing the model --------------------------------------------------------

GUARD_PACE = Pacing(0.5, 0.1)


def guardrail_race(shape: Shape, theme: Theme) -> Program:
    """An input guardrail that takes time, in parallel with the model or before it."""
    flag = "True" if shape["parallel"] else "False"
    guardrail = (
        f"@input_guardrail(run_in_parallel={flag})\n"
        "async def screen(ctx, agent, text):\n"
        f"    await asyncio.sleep({shape['delay']:g})  # a moderation call\n"
        f"    return GuardrailFunctionOutput(output_info=None, tripwire_triggered={shape['trips']})"
    )
    script = _single(theme, Turn(text=theme["reply"] + " " + theme["reply2"]))
    code = "\n\n".join(
        [
            guardrail,
            agent("agent", theme["assistant"], extra=["input_guardrails=[screen]"])
            + f"\nresult = Runner.run_streamed(agent, {q(theme['ask'])})\n"
            'text = ""\n'
            "try:\n"
            "    async for event in result.stream_events():\n"
            f"        if {TEXT_DELTA}:\n"
            "            text += event.data.delta\n"
            "except InputGuardrailTripwireTriggered:\n"
            '    print("tripwire")\n'
            "print(repr(text), result.final_output)",
        ]
    )
    premise = narrate(script) + _pace(GUARD_PACE)
    return Program(
        code=code,
        script=script,
        premise=premise,
        model="chat-completions",
        pacing=GUARD_PACE,
        input=theme["ask"],
    )


GUARDRAIL_RACE = Scenario(
    slug="guardrail-race",
    lesson=LESSON,
    title="An input guardrail racing the model",
    summary="A slow input guardrail runs in parallel with the model (the default) or before it: "
    "what the user has seen by the time its tripwire fires.",
    shapes=tuple(
        Shape(
            "-".join(
                (
                    "parallel" if parallel else "blocking",
                    str(delay).replace(".", "p"),
                    "trips" if trips else "passes",
                )
            ),
            {"parallel": parallel, "delay": delay, "trips": trips},
        )
        for parallel in (True, False)
        for delay in (0.3, 0.55, 0.65, 0.85, 1.05, 1.25, 3.0)
        for trips in (True, False)
    ),
    themes=THEMES,
    build=guardrail_race,
)


# --- falling back to Runner.run -------------------------------------------------------------------

FALLBACK_LOOP = """
text = ""
try:
    async for event in result.stream_events():
        if {delta}:
            text += event.data.delta
except {caught}:
    print("stream failed after", repr(text))
    answer = await Runner.run(agent, {ask})
    text = answer.final_output
print(text)
print({tool}, "ran", len(sent), "times")
"""


def fallback(shape: Shape, theme: Theme) -> Program:
    """A stream that breaks part way, and a fallback to Runner.run: what repeats."""
    act = theme["tool3"]
    turns = []
    if shape["tool"]:
        turns.append(Turn(calls=(Call(act, {theme["param"]: theme["value"]}),)))
    turns.append(Turn(text=theme["reply"], stream_fails_after=shape["after"]))
    script = _single(theme, *turns)
    definitions = [
        "sent = []",
        tool(act, theme["param"], theme["out3"], body=(f"sent.append({theme['param']})",)),
    ]
    loop = FALLBACK_LOOP.format(
        delta=TEXT_DELTA, caught=shape["caught"], ask=q(theme["ask"]), tool=q(act)
    )
    tools = [act] if shape["tool"] else []
    code = "\n\n".join(
        [
            *definitions,
            agent("agent", theme["assistant"], tools=tools)
            + f"\nresult = Runner.run_streamed(agent, {q(theme['ask'])})\n"
            + loop.strip(),
        ]
    )
    return Program(
        code=code, script=script, premise=narrate(script), model=shape["model"], input=theme["ask"]
    )


FALLBACK = Scenario(
    slug="fallback",
    lesson=LESSON,
    title="Falling back to Runner.run",
    summary="The stream breaks part way; the program falls back to Runner.run, which runs the "
    "whole agent again, tools and their side effects included.",
    shapes=tuple(
        Shape(
            f"{'tool' if with_tool else 'plain'}-a{after}-{model.split('-')[0]}-{caught_key}",
            {"tool": with_tool, "after": after, "model": model, "caught": caught},
        )
        for with_tool in (True, False)
        for after in (0, 2, 4)
        for model in ("offline", "chat-completions")
        for caught_key, caught in (("any", "Exception"), ("timeout", "TimeoutError"))
    ),
    themes=THEMES,
    build=fallback,
)


# --- several streams at once ----------------------------------------------------------------------

CONCURRENT_CODE = """
async def stream(agent):
    result = Runner.run_streamed(agent, {ask})
    async for event in result.stream_events():
        pass
    print("finished:", agent.name)
    return agent.name

{body}
"""
GATHERS = {
    "gather": "answers = await asyncio.gather({calls})\nprint(answers)",
    "sequence": "answers = [{awaits}]\nprint(answers)",
    "as-completed": (
        "for next_done in asyncio.as_completed([{calls}]):\n    print(await next_done)"
    ),
}


def concurrent(shape: Shape, theme: Theme) -> Program:
    """Two or three streams at once (or one after another): who finishes first, in what order
    the answers come back."""
    names = [theme["first"], theme["second"], theme["third"]][: len(shape["lengths"])]
    replies = {name: f"{name} done." for name in names}
    roles = []
    for name, length in zip(names, shape["lengths"], strict=True):
        words = " ".join(["word"] * length)
        roles.append(role(name, Turn(text=f"{words} {replies[name]}")))
    script = Script(tuple(roles))
    variables = [f"agent_{chr(ord('a') + index)}" for index in range(len(names))]
    definitions = [agent(variable, name) for variable, name in zip(variables, names, strict=True)]
    calls = ", ".join(f"stream({variable})" for variable in variables)
    awaits = ", ".join(f"await stream({variable})" for variable in variables)
    body = GATHERS[shape["how"]].format(calls=calls, awaits=awaits)
    code = (
        "\n".join(definitions)
        + "\n"
        + CONCURRENT_CODE.format(ask=q(theme["ask"]), body=body).rstrip()
    )
    pacing = Pacing(0.5, 0.1)
    lengths = ", ".join(
        f"{name} {length + len(replies[name].split()) + 1} tokens"
        for name, length in zip(names, shape["lengths"], strict=True)
    )
    premise = (
        "`model` is an offline model, scripted: each agent answers in a number of tokens "
        f"({lengths})." + _pace(pacing)
    )
    return Program(
        code=code,
        script=script,
        premise=premise,
        pacing=pacing,
        input=theme["ask"],
        agents=tuple(names),
    )


CONCURRENT = Scenario(
    slug="concurrent",
    lesson=LESSON,
    title="Several streams at once",
    summary="Two or three streamed runs with asyncio.gather, asyncio.as_completed or one after "
    "another: the order they finish in, and the order of the answers.",
    shapes=tuple(
        Shape(f"{how}-{'-'.join(str(n) for n in lengths)}", {"how": how, "lengths": lengths})
        for how in GATHERS
        for lengths in ((12, 2), (2, 12), (2, 12, 6), (6, 12, 2), (12, 6, 2), (6, 2, 12))
    ),
    themes=THEMES,
    build=concurrent,
)


# --- a slow consumer ------------------------------------------------------------------------------

SLOW_CODE = """
loop = asyncio.get_running_loop()
start = loop.time()
result = Runner.run_streamed(agent, {ask})
seen = 0
try:
    async for event in result.stream_events():
        if {delta}:
            seen += 1
            await asyncio.sleep({pause:g})  # the consumer is slow: a UI redraw
except Exception as error:
    print(type(error).__name__, "at", f"{{loop.time() - start:.1f}}")
print(seen, "deltas seen;", {tool}, "ran at", ran)
"""


def slow_consumer(shape: Shape, theme: Theme) -> Program:
    """A consumer slower than the model: does the run wait for it? What does it still see when
    the model fails?"""
    act = theme["tool1"]
    words = " ".join(["word"] * shape["tokens"])
    turns = [Turn(text=f"{words}.", stream_fails_after=shape["fails"])]
    if shape["tool"]:
        turns = [
            Turn(text=f"{words}.", calls=(Call(act, {theme["param"]: theme["value"]}),)),
            Turn(text=theme["reply"], stream_fails_after=shape["fails"]),
        ]
    script = _single(theme, *turns)
    tool_code = tool(
        act,
        theme["param"],
        theme["out1"],
        body=("ran.append(round(asyncio.get_running_loop().time() - start, 1))",),
    )
    code = "\n\n".join(
        [
            "ran = []",
            tool_code,
            agent("agent", theme["assistant"], tools=[act] if shape["tool"] else [])
            + SLOW_CODE.format(
                ask=q(theme["ask"]), delta=TEXT_DELTA, pause=shape["pause"], tool=q(act)
            ).rstrip(),
        ]
    )
    pacing = Pacing(0.5, 0.1)
    return Program(
        code=code,
        script=script,
        premise=narrate(script) + _pace(pacing),
        model="chat-completions",
        pacing=pacing,
        input=theme["ask"],
    )


SLOW_CONSUMER = Scenario(
    slug="slow-consumer",
    lesson=LESSON,
    title="A consumer slower than the model",
    summary="The consumer takes its time over each text delta: the run does not wait for it, "
    "and when the model fails the consumer still gets the deltas that came before.",
    shapes=tuple(
        Shape(
            "-".join(
                (
                    f"t{tokens}",
                    "p" + str(pause).replace(".", "p"),
                    "tool" if with_tool else "text",
                    f"f{'x' if fails is None else fails}",
                )
            ),
            {"tokens": tokens, "pause": pause, "tool": with_tool, "fails": fails},
        )
        for tokens in (3, 6)
        for pause in (0.05, 1.0)
        for with_tool in (False, True)
        for fails in (None, 2)
    ),
    themes=THEMES,
    build=slow_consumer,
)


SCENARIOS = (
    STOP_STATES,
    TIMEOUTS,
    WHEN_TO_STREAM,
    ERROR_HANDLERS,
    GUARDRAIL_RACE,
    FALLBACK,
    CONCURRENT,
    SLOW_CONSUMER,
)
