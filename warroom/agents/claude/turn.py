"""One assistant turn read from the Messages API's raw event stream.

The SDK's ``messages.stream()`` helper parses tool input JSON as it arrives and
raises on a malformed ``input_json_delta``; an incident tool must instead answer
the model with an error and carry on. So the backend asks for the raw events
(``messages.create(stream=True)``) and accumulates them here: text is forwarded
through ``emit`` as it arrives, tool input is parsed once its block stops, and a
stream that ends before ``message_stop`` is reported as :class:`StreamCut`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from warroom.agents.claude.pricing import Usage
from warroom.agents.claude.retry import StreamCut


@dataclass
class ToolCall:
    """A ``tool_use`` block: its id, tool name, and input (or why the input could not be read)."""

    id: str
    name: str
    raw_input: str = ""
    input: Any = None
    error: str = ""


@dataclass
class Turn:
    """The assistant's message: text, tool calls, why it stopped, and its token usage."""

    text_parts: list[str] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str | None = None
    usage: Usage = field(default_factory=Usage)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def as_message(self) -> dict[str, Any]:
        """The turn as an ``assistant`` message for the next request (empty text blocks left out)."""
        content: list[dict[str, Any]] = []
        for block in self.blocks:
            if block["type"] == "text":
                if block["text"].strip():
                    content.append({"type": "text", "text": block["text"]})
            else:
                call: ToolCall = block["call"]
                safe_input = call.input if isinstance(call.input, dict) else {}
                content.append({"type": "tool_use", "id": call.id, "name": call.name, "input": safe_input})
        if not content:
            content.append({"type": "text", "text": "(no answer)"})
        return {"role": "assistant", "content": content}


async def read_turn(events: AsyncIterator[Any], emit: Callable[[str], Awaitable[None]]) -> Turn:
    """Consume one streamed message; text deltas go to ``emit`` in order."""
    turn = Turn()
    by_index: dict[int, dict[str, Any]] = {}
    stopped = False
    iterator = events.__aiter__()
    while True:
        try:
            event = await iterator.__anext__()
        except StopAsyncIteration:
            break
        except ValueError as exc:  # an event whose data is not JSON: the stream is corrupt
            raise StreamCut(f"unreadable stream event: {exc}") from exc
        kind = getattr(event, "type", None)
        if kind == "message_start":
            _read_usage(turn.usage, getattr(event.message, "usage", None), start=True)
        elif kind == "content_block_start":
            block = event.content_block
            if block.type == "text":
                entry: dict[str, Any] = {"type": "text", "text": getattr(block, "text", "") or ""}
                if entry["text"]:
                    turn.text_parts.append(entry["text"])
                    await emit(entry["text"])
            elif block.type == "tool_use":
                entry = {"type": "tool_use", "call": ToolCall(id=block.id, name=block.name)}
            else:
                entry = {"type": "other"}
            by_index[event.index] = entry
            if entry["type"] != "other":
                turn.blocks.append(entry)
        elif kind == "content_block_delta":
            entry = by_index.get(event.index, {"type": "other"})
            delta = event.delta
            if delta.type == "text_delta" and entry["type"] == "text":
                entry["text"] += delta.text
                turn.text_parts.append(delta.text)
                await emit(delta.text)
            elif delta.type == "input_json_delta" and entry["type"] == "tool_use":
                entry["call"].raw_input += delta.partial_json
        elif kind == "content_block_stop":
            entry = by_index.get(event.index, {"type": "other"})
            if entry["type"] == "tool_use":
                _parse_input(entry["call"])
        elif kind == "message_delta":
            turn.stop_reason = getattr(event.delta, "stop_reason", None) or turn.stop_reason
            _read_usage(turn.usage, getattr(event, "usage", None), start=False)
        elif kind == "message_stop":
            stopped = True
            break
    if not stopped:
        raise StreamCut("the response stream ended before message_stop")
    for entry in turn.blocks:  # a tool block whose stop never came still gets its input read
        if entry["type"] == "tool_use" and entry["call"].input is None and not entry["call"].error:
            _parse_input(entry["call"])
    turn.tool_calls = [e["call"] for e in turn.blocks if e["type"] == "tool_use"]
    turn.usage.calls = 1
    return turn


def _parse_input(call: ToolCall) -> None:
    raw = call.raw_input.strip() or "{}"
    try:
        value = json.loads(raw)
    except ValueError as exc:
        call.error = f"the tool input was not valid JSON ({exc.msg} at position {exc.pos}): {raw[:200]!r}"
        return
    if not isinstance(value, dict):
        call.error = f"the tool input must be a JSON object, got {type(value).__name__}"
        return
    call.input = value


def _read_usage(usage: Usage, data: Any, *, start: bool) -> None:
    """message_start carries the input side; message_delta carries cumulative output (and may restate input)."""
    if data is None:
        return

    def get(name: str) -> int | None:
        value = getattr(data, name, None)
        return value if isinstance(value, int) and value >= 0 else None

    if (v := get("input_tokens")) is not None:
        usage.input_tokens = v
    if (v := get("cache_read_input_tokens")) is not None:
        usage.cache_read_tokens = v
    if (v := get("cache_creation_input_tokens")) is not None:
        usage.cache_write_tokens = v
    if (v := get("output_tokens")) is not None and (not start or usage.output_tokens == 0):
        usage.output_tokens = v
