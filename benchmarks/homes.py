"""Scratch home directories for the benchmark: a typical one, and one with a huge ``~/.claude.json``.

The files look like what Claude Code and Claude Desktop write (two-space indentation, key order as
Claude leaves it, non-ASCII text and emoji in the prompt history) and are generated from a fixed
seed, so every run measures the same bytes.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SENTENCES = (
    "fix the failing test in the parser module and explain why it broke",
    "refactor this function to use a dataclass and add type hints",
    "write a migration for the users table",
    "why does the build fail on windows",
    "update the readme with the new install steps",
    "review this diff for race conditions",
)
WORDS = [word for sentence in SENTENCES for word in sentence.split()]
# What real prompt histories hold besides English: accents, CJK, dashes, emoji (which make Python
# store the whole decoded text with four bytes per character).
FOREIGN = ("café", "naïve", "Grüße", "日本語のテスト", "修复这个错误", "— done", "→ next", "🚀", "✅", "🙂", "ñandú")

EXISTING_SERVERS = {
    "github": {
        "type": "http",
        "url": "https://api.githubcopilot.com/mcp/",
        "headers": {"Authorization": "Bearer ${GH}"},
    },
    "filesystem": {
        "type": "stdio",
        "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv"],
    },
}


@dataclass(frozen=True)
class ClaudeJson:
    """A generated ``~/.claude.json``: its text, and the text around its ``mcpServers`` member."""

    text: str
    prefix: str  # everything before the `"mcpServers": …` member
    member: str  # `"mcpServers": {…}`
    suffix: str  # everything after it
    servers: dict[str, Any]

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def _sentence(rng: random.Random, words: int, ascii_only: bool = False) -> str:
    parts = [rng.choice(WORDS) for _ in range(words)]
    if rng.random() < 0.3:
        foreign = rng.choice(FOREIGN)
        parts.insert(
            rng.randrange(len(parts) + 1), foreign.encode("ascii", "ignore").decode() if ascii_only else foreign
        )
    return " ".join(parts)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _project(rng: random.Random, index: int, ascii_only: bool) -> dict[str, Any]:
    history = []
    for _ in range(rng.randint(20, 60)):
        entry: dict[str, Any] = {"display": _sentence(rng, rng.randint(4, 30), ascii_only), "pastedContents": {}}
        if rng.random() < 0.08:
            pasted = "\n".join(_sentence(rng, 12, ascii_only) for _ in range(rng.randint(10, 120)))
            entry["pastedContents"] = {"1": {"id": 1, "type": "text", "content": pasted}}
            entry["display"] = f"[Pasted text #1 +{pasted.count(chr(10)) + 1} lines] {entry['display']}"
        history.append(entry)
    return {
        "allowedTools": [],
        "history": history,
        "mcpContextUris": [],
        "mcpServers": {},
        "enabledMcpjsonServers": [],
        "disabledMcpjsonServers": [],
        "hasTrustDialogAccepted": rng.random() < 0.8,
        "projectOnboardingSeenCount": rng.randint(0, 4),
        "hasClaudeMdExternalIncludesApproved": False,
        "hasClaudeMdExternalIncludesWarningShown": False,
        "lastCost": round(rng.random() * 3, 6),
        "lastAPIDuration": rng.randint(1000, 900000),
        "lastDuration": rng.randint(1000, 9000000),
        "lastLinesAdded": rng.randint(0, 900),
        "lastLinesRemoved": rng.randint(0, 300),
        "lastTotalInputTokens": rng.randint(0, 90000),
        "lastTotalOutputTokens": rng.randint(0, 90000),
        "lastSessionId": _uuid(rng),
        "exampleFiles": [f"src/module_{index}_{n}.py" for n in range(5)],
    }


def _member(key: str, value: Any) -> str:
    # Exactly what json.dumps(whole, indent=2, ensure_ascii=False) writes for a top-level member.
    return "  " + json.dumps(key) + ": " + json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def claude_json(size: int, seed: int = 6, ascii_only: bool = False) -> ClaudeJson:
    """A ``~/.claude.json`` of about ``size`` bytes, ``mcpServers`` among its top-level members.
    ``ascii_only``: no accents, CJK or emoji (Python then holds its text with one byte a character)."""
    rng = random.Random(seed)
    head: dict[str, Any] = {
        "numStartups": 412,
        "installMethod": "native",
        "autoUpdates": False,
        "customApiKeyResponses": {"approved": [], "rejected": []},
        "tipsHistory": {f"tip-{n}": rng.randint(1, 400) for n in range(40)},
        "userID": f"{rng.getrandbits(256):064x}",
        "firstStartTime": "2025-03-01T09:12:44.120Z",
        "hasCompletedOnboarding": True,
        "lastOnboardingVersion": "2.1.332",
    }
    tail: dict[str, Any] = {
        "oauthAccount": {"accountUuid": f"{rng.getrandbits(128):032x}", "emailAddress": "dev@example.com"},
        "cachedChangelog": "\n".join(_sentence(rng, 14, ascii_only) for _ in range(300)),
        "lastReleaseNotesSeen": "2.1.332",
    }
    pieces = [_member(key, value) for key, value in head.items()]
    member = _member("mcpServers", EXISTING_SERVERS)
    after = [_member(key, value) for key, value in tail.items()]
    budget = size - sum(len(p.encode("utf-8")) + 2 for p in (*pieces, member, *after)) - 40
    projects_text = _member("projects", {})
    index = 0
    used = 0
    chunks = []
    while used < budget:
        path = f"/home/dev/src/project-{index:05d}"
        chunk = json.dumps({path: _project(rng, index, ascii_only)}, indent=2, ensure_ascii=False)[
            2:-2
        ]  # indented by 2
        chunks.append(chunk)
        used += len(chunk.encode("utf-8")) + 2
        index += 1
    if chunks:  # built member by member: a single json.dumps of 50 MB with indent is slow
        projects_text = '  "projects": {\n' + ",\n".join("  " + c.replace("\n", "\n  ") for c in chunks) + "\n  }"
    body = [*pieces, member, projects_text, *after]
    text = "{\n" + ",\n".join(body) + "\n}"
    start = text.index(member)
    end = start + len(member)
    return ClaudeJson(text, text[:start], member, text[end:], json.loads("{" + member + "}")["mcpServers"])


SETTINGS = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "opus",
    "permissions": {
        "allow": ["Bash(npm run test:*)", "Bash(git diff:*)", "Read(~/src/**)", "WebFetch(domain:docs.python.org)"],
        "deny": ["Read(./.env)", "Read(./secrets/**)", "Bash(curl:*)"],
        "ask": ["Bash(git push:*)"],
        "defaultMode": "acceptEdits",
    },
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [{"type": "command", "command": "~/.claude/hooks/check-bash.sh", "timeout": 5}],
            }
        ],
        "PostToolUse": [
            {"matcher": "Edit|Write", "hooks": [{"type": "command", "command": 'ruff format --quiet "$FILE"'}]}
        ],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send 'Claude is done'"}]}],
    },
    "statusLine": {"type": "command", "command": "~/.claude/statusline.sh", "padding": 0},
    "enabledPlugins": {"code-review@claude-plugins-official": True},
    "env": {"DISABLE_TELEMETRY": "1", "BASH_DEFAULT_TIMEOUT_MS": "120000"},
    "includeCoAuthoredBy": False,
    "cleanupPeriodDays": 60,
}

DESKTOP = {
    "mcpServers": {
        "filesystem": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/dev/Documents"],
        },
        "sqlite": {"command": "uvx", "args": ["mcp-server-sqlite", "--db-path", "/home/dev/app.db"]},
    },
    "globalShortcut": "",
}


def typical_home(home: Path, claude_json_size: int = 300_000) -> None:
    """A home as a Claude Code + Desktop user has it: settings with hooks and permissions, a Desktop
    config with MCP servers, a ``~/.claude.json`` of a few hundred KB (Linux layout)."""
    (home / ".claude").mkdir(parents=True, exist_ok=True)
    (home / ".claude" / "settings.json").write_text(json.dumps(SETTINGS, indent=2) + "\n", "utf-8")
    desktop = home / ".config" / "Claude"
    desktop.mkdir(parents=True, exist_ok=True)
    (desktop / "claude_desktop_config.json").write_text(json.dumps(DESKTOP, indent=2) + "\n", "utf-8")
    (home / ".claude.json").write_bytes(claude_json(claude_json_size).data)
