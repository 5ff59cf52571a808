"""End-to-end test of `ruling mcp` with the official Python MCP client.

Run by tests/mcp.rs as `$RULING_PYTHON tests/mcp_client.py BINARY POLICIES CASE`,
with the interpreter of the virtual environment that .ci/run makes
(target/ci-venv) when RULING_PYTHON is not set.
It starts the server as an agent would (a child process over stdio),
goes through every tool and through bad input, and exits non-zero with a
message on the first surprise.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def check(condition, message):
    if not condition:
        raise SystemExit(f"mcp_client: {message}")


def field(value, snake, camel):
    """A field by its name in `mcp` 2 (snake case) or in `mcp` 1 (camel case)."""
    return getattr(value, snake) if hasattr(value, snake) else getattr(value, camel)


def is_error(result):
    return field(result, "is_error", "isError")


def structured(result):
    return field(result, "structured_content", "structuredContent")


def input_schema(tool):
    return field(tool, "input_schema", "inputSchema")


def text_of(result):
    return "\n".join(block.text for block in result.content if block.type == "text")


async def main(binary, policies, case_path):
    with open(case_path) as file:
        case = json.load(file)
    params = StdioServerParameters(command=binary, args=["mcp", policies])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            info = await session.initialize()
            server = field(info, "server_info", "serverInfo")
            check(server.name == "ruling", f"server name {server.name}")

            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            check(
                {"list_policies", "get_policy", "decide", "explain", "why"} <= set(tools),
                f"tools {sorted(tools)}",
            )
            decide_schema = input_schema(tools["decide"])
            check(decide_schema["type"] == "object", "decide's schema is an object")
            check(
                set(decide_schema["required"]) == {"policy", "request"},
                f"decide requires {decide_schema.get('required')}",
            )
            check(
                decide_schema["properties"]["request"]["type"] == "object",
                "decide's request is an object",
            )
            check(input_schema(tools["get_policy"])["required"] == ["policy"], "get_policy input")

            listed = await session.call_tool("list_policies", {})
            check(not is_error(listed), f"list_policies failed: {text_of(listed)}")
            ids = [policy["id"] for policy in structured(listed)["policies"]]
            check(ids == ["best-buy-returns", "dot-airline-refunds", "iptv-smarters-pro", "steam"], f"policies {ids}")
            check(text_of(listed).startswith("4 policies"), text_of(listed))

            policy = await session.call_tool("get_policy", {"policy": "iptv-smarters-pro"})
            check(not is_error(policy), f"get_policy failed: {text_of(policy)}")
            newest = structured(policy)["versions"][-1]
            check(newest["rules"][-1]["default"] is True, "the default is last")
            check(newest["request_schema"]["type"] == "object", "request schema")

            decided = await session.call_tool(
                "decide", {"policy": "iptv-smarters-pro", "request": case["request"]}
            )
            check(not is_error(decided), f"decide failed: {text_of(decided)}")
            decision = structured(decided)
            expect = case["expect"]
            check(decision["outcome"] == expect["outcome"], f"outcome {decision['outcome']}")
            check(decision["rule"]["id"] == expect["rule"], f"rule {decision['rule']['id']}")
            summary = decided.content[0].text
            check(summary.startswith(expect["outcome"] + " by rule"), f"summary {summary}")
            check("\n" not in summary, "the summary is one line")

            explained = await session.call_tool(
                "explain",
                {"policy": "iptv-smarters-pro", "request": case["request"], "outcome": "deny"},
            )
            check(not is_error(explained), f"explain failed: {text_of(explained)}")
            explanation = structured(explained)
            check(explanation["outcome"] == expect["outcome"], "explain names the outcome")
            check(isinstance(explanation.get("why_not"), list), "explain lists why not")

            # Without --record, `why` is a clear tool error.
            why = await session.call_tool("why", {"id": "0123456789abcdef"})
            check(is_error(why), "why without records is a tool error")
            check("recording is off" in text_of(why), f"why says why: {text_of(why)}")

            # Bad input: tool errors with the CLI's messages, and the server
            # keeps answering.
            unknown = await session.call_tool("get_policy", {"policy": "../steam"})
            check(is_error(unknown), "an unknown policy is a tool error")
            check(
                "no policy `../steam` is loaded" in text_of(unknown),
                f"unknown policy message: {text_of(unknown)}",
            )
            check(
                structured(unknown)["error"]["kind"] == "unknown_policy",
                "unknown policy kind",
            )

            request = json.loads(json.dumps(case["request"]))
            request["purchase"]["amount"] = True
            rejected = await session.call_tool(
                "decide", {"policy": "iptv-smarters-pro", "request": request}
            )
            check(is_error(rejected), "a rejected request is a tool error")
            check(
                "the request was rejected by policy `iptv-smarters-pro`" in text_of(rejected),
                f"rejected message: {text_of(rejected)}",
            )
            error = structured(rejected)["error"]
            check(error["kind"] == "invalid_request", f"kind {error['kind']}")
            check(error["problems"][0]["path"] == "purchase.amount", "problem path")

            wrong = await session.call_tool("decide", {"policy": 7})
            check(is_error(wrong), "arguments of the wrong shape are a tool error")
            check("expected a string" in text_of(wrong), f"message: {text_of(wrong)}")

            dated = await session.call_tool(
                "decide", {"policy": "steam", "request": {}, "at": "soon"}
            )
            check(is_error(dated) and "`soon` is not a date" in text_of(dated), text_of(dated))

            again = await session.call_tool("list_policies", {})
            check(not is_error(again), "still serving after bad input")
    print("mcp_client: ok")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
