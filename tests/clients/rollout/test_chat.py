import json

from skillgym.clients.rollout.chat import Conversation, action_from_call, calls_in_text
from skillgym.clients.rollout.policy import EpisodeContext
from skillgym.clients.rollout.trajectory import ToolCall

CONTEXT = EpisodeContext(
    family="arithmetic",
    task="arithmetic/sum-list",
    version="1.0.0",
    seed=0,
    tools=[{"type": "function", "function": {"name": "submit"}}],
)


def test_a_tool_call_becomes_the_action_with_its_arguments_as_written() -> None:
    assert json.loads(action_from_call("submit", '{"answer": "4"}')) == {
        "tool": "submit",
        "args": {"answer": "4"},
    }


def test_malformed_arguments_make_a_malformed_action_for_the_env_to_answer() -> None:
    action = action_from_call("submit", '{"answer": ')
    assert action == '{"tool": "submit", "args": {"answer":}'
    try:
        json.loads(action)
    except ValueError:
        pass
    else:
        raise AssertionError("the action should be malformed JSON, as the model wrote it")


def test_calls_written_as_text_are_read_tagged_or_bare() -> None:
    [tagged] = calls_in_text(
        'ok <tool_call>{"name": "calculate", "arguments": {"expression": "1+1"}}</tool_call>'
    )
    assert (tagged.name, json.loads(tagged.arguments)) == ("calculate", {"expression": "1+1"})
    [bare] = calls_in_text('I will {"tool": "submit", "args": {"answer": "2"}} now')
    assert bare.name == "submit"
    assert calls_in_text("no call here") == []


def test_the_instruction_is_sent_once_and_answers_go_to_the_call() -> None:
    chat = Conversation(CONTEXT)
    chat.observe({"instruction": "Add 2 and 2.", "last_action_error": ""})
    _, action, calls = chat.answer("", [ToolCall(name="submit", arguments='{"answer": "4"}')])
    assert json.loads(action)["tool"] == "submit"
    chat.observe({"instruction": "Add 2 and 2.", "last_action_error": "wrong"})
    roles = [m["role"] for m in chat.messages]
    assert roles == ["system", "user", "assistant", "tool"]
    assert "Add 2 and 2." not in chat.messages[-1]["content"]
    assert chat.messages[-1]["tool_call_id"] == calls[0].id
    assert "wrong" in chat.messages[-1]["content"]


def test_text_without_a_call_is_the_action_and_the_next_observation_a_user_message() -> None:
    chat = Conversation(CONTEXT)
    chat.observe({"instruction": "Add.", "last_action_error": ""})
    _, action, calls = chat.answer("the answer is four", [])
    assert (action, calls) == ("the answer is four", [])
    chat.observe({"instruction": "Add.", "last_action_error": "not a tool call"})
    assert chat.messages[-1]["role"] == "user"


def test_each_turn_records_what_it_added() -> None:
    chat = Conversation(CONTEXT)
    chat.observe({"instruction": "Add.", "last_action_error": ""})
    chat.answer("x", [])
    assert [m["role"] for m in chat.since_last_turn()] == ["system", "user", "assistant"]
    chat.observe({"instruction": "Add.", "last_action_error": "no"})
    chat.answer("y", [])
    assert [m["role"] for m in chat.since_last_turn()] == ["user", "assistant"]
