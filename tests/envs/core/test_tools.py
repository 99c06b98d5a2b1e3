import json
import re

import pytest

from skillgym.envs.core.tools import MAX_ACTION_CHARS, ActionError, ToolArgs, Toolset, tool


class EchoArgs(ToolArgs):
    text: str
    times: int = 1


class Owner:
    @tool("echo", "Repeat the text.", EchoArgs)
    def _echo(self, args: EchoArgs) -> str:
        return args.text * args.times

    @tool("stop", "Stop.")
    def _stop(self, args) -> None:
        return None


@pytest.fixture
def toolset() -> Toolset:
    return Toolset.collect(Owner)


def test_parse_gives_the_tool_and_typed_arguments(toolset):
    call = toolset.parse('{"tool": "echo", "args": {"text": "hi", "times": 2}}')
    assert call.tool.name == "echo"
    assert isinstance(call.args, EchoArgs) and call.args.times == 2
    assert getattr(Owner(), call.tool.handler)(call.args) == "hihi"


def test_args_may_be_left_out_for_a_tool_without_arguments(toolset):
    assert toolset.parse('{"tool": "stop"}').tool.name == "stop"


def test_schemas_have_the_chat_tool_calling_shape(toolset):
    schema = {s["function"]["name"]: s for s in toolset.schemas()}["echo"]
    assert schema["type"] == "function"
    parameters = schema["function"]["parameters"]
    assert parameters["type"] == "object"
    assert parameters["required"] == ["text"]
    assert set(parameters["properties"]) == {"text", "times"}


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("not json", "Expects one JSON tool call like"),
        ("[1, 2]", 'Expects a JSON object with a "tool" key'),
        ('{"args": {}}', 'Expects "tool" to be a tool name string, actual value: None'),
        ('{"tool": "echo", "args": [1]}', 'Expects "args" to be a JSON object, actual value: [1]'),
        (
            '{"tool": "echo", "args": {}, "why": 1}',
            'Expects only the keys "tool" and "args", actual extra keys: [\'why\']',
        ),
        (
            '{"tool": "echo", "args": {"text": 5}}',
            "Invalid arguments for tool 'echo': text: Input should be a valid string",
        ),
        (
            '{"tool": "echo", "args": {"text": "a", "loud": true}}',
            "Invalid arguments for tool 'echo': loud: Extra inputs are not permitted",
        ),
    ],
)
def test_malformed_actions_say_what_was_expected(toolset, action, message):
    with pytest.raises(ActionError, match=re.escape(message)):
        toolset.parse(action)


def test_unknown_tool_suggests_the_closest_name(toolset):
    with pytest.raises(
        ActionError,
        match=re.escape("Unknown tool 'ecoh'; expects one of: echo, stop. Did you mean echo?"),
    ):
        toolset.parse('{"tool": "ecoh", "args": {}}')


def test_non_string_action_is_refused(toolset):
    with pytest.raises(
        ActionError, match="Expects the action to be a string of JSON, actual type: dict"
    ):
        toolset.parse({"tool": "stop"})


def test_huge_action_is_refused_before_parsing(toolset):
    huge = json.dumps({"tool": "echo", "args": {"text": "x" * MAX_ACTION_CHARS}})
    with pytest.raises(ActionError, match=f"at most {MAX_ACTION_CHARS} characters"):
        toolset.parse(huge)


def test_deeply_nested_json_is_an_action_error_not_a_crash(toolset):
    with pytest.raises(ActionError, match="nested too deeply"):
        toolset.parse("[" * 40_000 + "]" * 40_000)
