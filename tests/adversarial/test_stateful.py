"""A sequence of real-life steps on one home, checked after every step (issue 12, "a net for this
whole class"): each operation can be right alone while a sequence of them is wrong.

The steps are what happens to these files in real life: apply a profile (with a key, without one,
forced, removing the key), switch profile, the user edits or deletes a key cbcfg set, the user adds
keys of their own, Claude rewrites the file (reorders its members, adds its own keys, reformats
it), rollback, an apply killed at a step of its write (the CBCFG_FAULT seam, in a forked child: a
real os._exit, no cleanup). The product is driven in-process through the workflow and restore
layers, and through the real CLI (click's runner) for some applies, rollbacks and every check.

After every step:
- every byte cbcfg does not own is as the last writer left it (each foreign member's text);
- every key cbcfg may own holds what the model says (the profile's value, the user's value left
  alone and reported as drift, or nothing), and the drift reported is exactly the user's;
- ``apply --check`` agrees with a fresh plan, and never says "matches" when the model differs;
- the virtual key is only where the profile puts it (nowhere else in the scratch tree but backups);
- a rollback undoes the newest apply not undone yet: cbcfg's keys as that apply found them, the
  user's later edits kept (and reported where they are on a key that apply changed).
"""

from __future__ import annotations

import copy
import enum
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from claude_bifrost_cfg.backups import find_backup_set, list_backup_sets
from claude_bifrost_cfg.cli import app
from claude_bifrost_cfg.commands.common import sources
from claude_bifrost_cfg.errors import CbcfgError, NotFoundError
from claude_bifrost_cfg.jsondoc import get_at, parse_document, pointer_to_path, scan_object
from claude_bifrost_cfg.layout import Layout
from claude_bifrost_cfg.restore import restore_backup_set
from claude_bifrost_cfg.workflow import apply_plan, apply_profile, build_request, plan_request
from tests.support.scratch_home import SCRUBBED_ENV, new_scratch

KEY = "sk-bf-st4t3fu1a9f0c3e5d7b2a4c6e8f0a1b3c5d7"
OTHER_KEY = "sk-bf-0th3rk3y5e1d3c5b7a9f2e4d6c8b0a2f4e6"
KEYS = (KEY, OTHER_KEY)
TARGETS = ("code", "code-mcp")
# local: no key needed; bedrock: key needed, three model pins; team: the key as a Bearer token, another
# gateway and MCP name (a switch moves the key and the entry).
PROFILES = ("local", "bedrock", "team")
NEEDS_KEY = {"local": False, "bedrock": True, "team": True}
TEAM = """\
description = "A team gateway, the key as a bearer token"
[gateway]
url = "https://bifrost.example.com"
key_env = "ANTHROPIC_AUTH_TOKEN"
[models]
sonnet = "anthropic/claude-sonnet-4-6"
[mcp]
name = "team-gateway"
"""
FAULTS = (
    ("kill", "backup-saved", ""),
    ("kill", "temp-written", "settings.json"),
    ("kill", "before-replace", ".claude.json"),
    ("kill", "after-replace", "settings.json"),
    ("kill", "before-records", ""),
    ("error", "before-replace", ".claude.json"),  # a failed write (EIO), not a kill
)


class _Gone(enum.Enum):
    ABSENT = "deleted"  # an Enum member survives copy.deepcopy as itself


ABSENT: Any = _Gone.ABSENT
# CI: 25 runs of up to 25 steps (about 40 s on a shared 2-core machine); CBCFG_STATEFUL_EXAMPLES for more.
EXAMPLES = int(os.environ.get("CBCFG_STATEFUL_EXAMPLES", "25"))
STEPS = int(os.environ.get("CBCFG_STATEFUL_STEPS", "25"))


# --- the files as data ------------------------------------------------------------------------------


def load(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    text = data.decode("utf-8")
    return json.loads(text) if text.strip() else {}


def dump(document: Mapping[str, Any], style: int) -> bytes:
    """The file as another writer saves it: 2 or 4 spaces, a tab, or compact."""
    if style == 3:
        return json.dumps(document, separators=(",", ":")).encode()
    indents: dict[int, int | str] = {0: 2, 1: 4, 2: "\t"}
    indent = indents[style]
    return (json.dumps(document, indent=indent, ensure_ascii=False) + "\n").encode()


def set_at(document: dict[str, Any], pointer: str, value: Any) -> None:
    parts = pointer_to_path(pointer)
    node = document
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def remove_at(document: dict[str, Any], pointer: str) -> None:
    parts = pointer_to_path(pointer)
    node = document
    for part in parts[:-1]:
        node = node[part]
    del node[parts[-1]]


def members(text: str, depth: int = 2) -> dict[str, str]:
    """The raw text of every member down to ``depth`` (pointer -> text), as the file has it."""
    found: dict[str, str] = {}
    if not text.strip():
        return found

    def walk(start: int, prefix: str, level: int) -> None:
        span, _ = scan_object(text, start, prefix, {})
        for member in span.members:
            pointer = prefix + "/" + member.key.replace("~", "~0").replace("/", "~1")
            found[pointer] = text[member.value_start : member.value_end]
            if level < depth and text[member.value_start] == "{":
                walk(member.value_start, pointer, level + 1)

    walk(parse_document(text, {}).root.start, "", 1)
    return found


def holds_a_key(value: Any) -> bool:
    return any(key in json.dumps(value) for key in KEYS)


# --- the model ----------------------------------------------------------------------------------------


@dataclass
class Owned:
    """A key cbcfg may own, as the model expects it: its value, and who left it there."""

    value: Any
    by: str  # "cbcfg" or "user"


State = dict[str, dict[str, Owned]]  # target -> pointer -> Owned (absent pointers: not in it)


@dataclass
class Applied:
    set_id: str
    before: State  # cbcfg's keys as this apply found them


@dataclass
class Outcome:
    drift: set[tuple[str, str]] = field(default_factory=set)  # (target, pointer) reported as drift
    backup_set: str | None = None


class Product:
    """cbcfg as the steps drive it: the workflow and restore layers, or the real CLI in-process."""

    def __init__(self, root: Path) -> None:
        self.scratch = new_scratch(root, system_root="system")
        self.root, self.home, self.project = root, self.scratch.home, self.scratch.project
        self.profiles_dir = root / "profiles"
        self.profiles_dir.mkdir()
        (self.profiles_dir / "team.toml").write_text(TEAM)
        self.layout: Layout = self.scratch.layout()
        self.wanted_cache: dict[tuple[str, str | None], dict[str, dict[str, Any]]] = {}

    def path(self, target: str) -> Path:
        return self.scratch.target_path(target)

    @property
    def state_dir(self) -> Path:
        return self.layout.state_dir

    def request(self, profile: str, key: str | None, remove_key: bool = False, need_key: bool = True) -> Any:
        return build_request(
            profile,
            self.layout,
            sources(self.layout, self.profiles_dir),
            key=key,
            targets=TARGETS,
            need_key=need_key,
            remove_key=remove_key,
        )

    def wanted(self, profile: str, key: str | None) -> dict[str, dict[str, Any]]:
        """What the profile wants in each file with this key (None: without one)."""
        if (profile, key) not in self.wanted_cache:
            request = self.request(profile, key, need_key=False)
            wanted = {target.name: dict(target.fragment(request.source).wanted) for target in request.targets}
            self.wanted_cache[profile, key] = wanted
        return copy.deepcopy(self.wanted_cache[profile, key])

    def apply(self, profile: str, key: str | None, force: bool, remove_key: bool) -> Outcome:
        result = apply_profile(self.request(profile, key, remove_key), force)
        drift = {(item.current.target.name, d.pointer) for item in result.planned for d in item.plan.drift}
        return Outcome(drift, result.backup_set)

    def apply_cli(self, profile: str, key: str | None, force: bool, remove_key: bool) -> Outcome:
        args = ["apply", profile, "--yes", "--json", *(["--force"] if force else [])]
        result = self.cli([*args, *(["--remove-key"] if remove_key else [])], key)
        if result.exit_code != 0:
            raise CliRefused(result.exit_code, result.stderr)
        report = json.loads(result.stdout)
        drift = {(f["target"], d["pointer"]) for f in report["files"] for d in f.get("drift", [])}
        return Outcome(drift, report["backup_set"])

    def plan(self, profile: str) -> tuple[bool, bool]:
        """A fresh plan without a key (the one in place is kept): (pending, matches)."""
        result = apply_plan(
            self.request(profile, None), plan_request(self.request(profile, None), False), False, write=False
        )
        return result.pending, result.matches

    def check(self, profile: str) -> int:
        return int(self.cli(["apply", profile, "--check"], None).exit_code)

    def newest_undoable(self) -> str | None:
        try:
            return find_backup_set(self.state_dir, None).id
        except NotFoundError:
            return None

    def rollback(self, via_cli: bool) -> Outcome:
        if via_cli:
            result = self.cli(["rollback", "--yes", "--json"], None)
            if result.exit_code != 0:
                raise CliRefused(result.exit_code, result.stderr)
            report = json.loads(result.stdout)
            return Outcome({(f["target"], d["pointer"]) for f in report["files"] for d in f["drift"]})
        undo, results = restore_backup_set(self.layout, find_backup_set(self.state_dir, None), lock_timeout=5)
        return Outcome({(r.target, d.pointer) for r in results for d in r.drift}, undo.id)

    def killed_apply(self, profile: str, key: str | None, fault: str) -> int:
        """apply in a forked child that the fault seam ends (os._exit: no finally, no cleanup)."""
        request = self.request(profile, key)
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 0
            try:
                os.environ["CBCFG_FAULT"] = fault
                apply_profile(request)
            except BaseException:
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        # Claude's lock folder a killed run left is stale after 10 s (as Claude Code judges it):
        # the user's next run comes later than that.
        lock = Path(str(self.layout.claude_json) + ".lock")
        if lock.exists():
            old = time.time() - 60
            os.utime(lock, (old, old))
        return os.waitstatus_to_exitcode(status)

    def backup_ids(self) -> list[str]:
        return [backup.id for backup in list_backup_sets(self.state_dir)]

    def cli(self, args: list[str], key: str | None) -> Any:
        env: dict[str, str | None] = {name: None for name in SCRUBBED_ENV}
        env.update(HOME=str(self.root / "real-home"), BIFROST_VIRTUAL_KEY=key, CBCFG_LOCK_TIMEOUT="2")
        env.update(CBCFG_KEEP_BACKUPS="1000")
        roots = ["--home", str(self.home), "--project", str(self.project), "--platform", "linux"]
        more = ["--profiles-dir", str(self.profiles_dir), *(arg for t in TARGETS for arg in ("-t", t))]
        if args[0] == "rollback":
            more = []
        result = CliRunner().invoke(app, [*args, *roots, *more], env=env, catch_exceptions=False)
        assert "Traceback" not in result.stdout + result.stderr
        return result


class CliRefused(Exception):
    def __init__(self, code: int, stderr: str) -> None:
        super().__init__(f"exit {code}: {stderr}")
        self.code = code


# --- the machine ---------------------------------------------------------------------------------------


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="cbcfg-stateful-"))
        self.product = Product(self.root)
        self.ownable: dict[str, set[str]] = {target: set() for target in TARGETS}
        self.key_pointers: dict[str, set[str]] = {target: set() for target in TARGETS}
        for profile in PROFILES:
            for target, wanted in self.product.wanted(profile, KEY).items():
                self.ownable[target] |= set(wanted)
                self.key_pointers[target] |= {p for p, v in wanted.items() if holds_a_key(v)}
        self.state: State = {target: {} for target in TARGETS}
        self.foreign: dict[str, str] = {target: "" for target in TARGETS}  # the last writer's text
        self.history: list[Applied] = []
        self.profile: str | None = None
        self.counter = 0
        self.killed = False  # the last cbcfg run was killed: its temp files may still be there

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # --- helpers -------------------------------------------------------------------------------

    def disk(self, target: str) -> bytes | None:
        path = self.product.path(target)
        return path.read_bytes() if path.exists() else None

    def keys_in_place(self) -> set[str]:
        found = set()
        for target in TARGETS:
            for pointer, owned in self.state[target].items():
                if owned.by == "cbcfg" and pointer in self.key_pointers[target] and owned.value is not ABSENT:
                    found |= {key for key in KEYS if key in json.dumps(owned.value)}
        return found

    def expected_after_apply(self, wanted: Mapping[str, Mapping[str, Any]], force: bool) -> State:
        after: State = {}
        for target in TARGETS:
            now, new = self.state[target], {}
            for pointer in self.ownable[target]:
                owned = now.get(pointer)
                kept = owned is not None and owned.by == "user" and owned.value is not ABSENT and not force
                if kept and owned is not None:
                    new[pointer] = owned  # the user's value: drift, left alone
                elif pointer in wanted[target]:
                    new[pointer] = Owned(wanted[target][pointer], "cbcfg")  # set, or restored if deleted
                elif owned is not None and owned.value is ABSENT:
                    new[pointer] = owned
            after[target] = new
        return after

    def user_write(self, target: str, document: dict[str, Any], style: int) -> None:
        path = self.product.path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(dump(document, style))
        self.foreign[target] = path.read_text("utf-8")

    def document(self, target: str) -> dict[str, Any]:
        return load(self.disk(target)) or {}

    def value_of(self, target: str, pointer: str) -> Any:
        owned = self.state[target].get(pointer)
        return ABSENT if owned is None else owned.value

    def users_values(self) -> set[tuple[str, str]]:
        """The keys cbcfg set that the user changed since (not deleted): drift."""
        return {(t, p) for t in TARGETS for p, o in self.state[t].items() if o.by == "user" and o.value is not ABSENT}

    def present(self) -> list[tuple[str, str]]:
        return sorted(
            (t, p) for t in TARGETS for p, o in self.state[t].items() if o.by == "cbcfg" and o.value is not ABSENT
        )

    # --- steps: cbcfg ------------------------------------------------------------------------------

    @initialize(user_files=st.booleans())
    def start(self, user_files: bool) -> None:
        if user_files:  # a home in use: the user's own settings and Claude's state file exist
            self.user_write("code", {"permissions": {"allow": ["Bash(ls)"]}, "env": {"MY_FLAG": "1"}}, 0)
            self.user_write("code-mcp", {"numStartups": 3, "mcpServers": {"github": {"type": "http"}}}, 1)

    @rule(
        profile=st.sampled_from(PROFILES),
        key=st.sampled_from([KEY, OTHER_KEY, None]),
        force=st.sampled_from([False, False, False, True]),
        remove_key=st.sampled_from([False, False, False, False, True]),
        via_cli=st.booleans(),
    )
    def apply(self, profile: str, key: str | None, force: bool, remove_key: bool, via_cli: bool) -> None:
        if remove_key:
            key = None
        candidates: set[str | None] = {key} if key or remove_key else set(self.keys_in_place()) or {None}
        refused = NEEDS_KEY[profile] and candidates == {None} and not remove_key
        before = {t: copy.deepcopy(self.state[t]) for t in TARGETS}
        disk_before = {t: self.disk(t) for t in TARGETS}
        try:
            run = self.product.apply_cli if via_cli else self.product.apply
            outcome = run(profile, key, force, remove_key)
        except (CbcfgError, CliRefused) as exc:
            assert refused, f"apply {profile} refused: {exc}"
            assert {t: self.disk(t) for t in TARGETS} == disk_before, "a refused apply wrote"
            return  # refused up front: a killed run's temp files are still there
        self.killed = False
        assert not refused, f"apply {profile} without a key went ahead (none was in place)"
        matching = [
            expected
            for k in candidates
            if self.on_disk_is(expected := self.expected_after_apply(self.product.wanted(profile, k), force))
        ]
        assert matching, f"apply {profile} (key {self.name(key)}, force={force}): owned keys not as expected\n" + (
            self.describe(
                self.expected_after_apply(self.product.wanted(profile, sorted(candidates, key=str)[0]), force)
            )
        )
        self.state = matching[0]
        user = self.users_values()
        assert outcome.drift == user, f"drift reported {sorted(outcome.drift)}, the user's values: {sorted(user)}"
        changed = {t: self.disk(t) for t in TARGETS} != disk_before
        assert (outcome.backup_set is not None) == changed, "a backup set iff a file changed"
        if outcome.backup_set is not None:
            self.history.append(Applied(outcome.backup_set, before))
        self.profile = profile

    @precondition(lambda self: self.profile is not None)
    @rule(profile=st.sampled_from(PROFILES), key=st.sampled_from([KEY, OTHER_KEY, None]), fault=st.sampled_from(FAULTS))
    def killed_apply(self, profile: str, key: str | None, fault: tuple[str, str, str]) -> None:
        candidates: set[str | None] = {key} if key else set(self.keys_in_place()) or {None}
        if NEEDS_KEY[profile] and candidates == {None}:
            return  # refused up front; the apply step covers that
        before_sets = set(self.product.backup_ids())
        disk_before = {t: self.disk(t) for t in TARGETS}
        before_state = {t: copy.deepcopy(self.state[t]) for t in TARGETS}
        code = self.product.killed_apply(profile, key, ":".join(fault))
        self.killed = True
        assert code in (0, 1, 137), f"killed apply exited {code}"
        # Each file is old or new, never partial; the model follows the disk file by file.
        new_state = None
        for k in candidates:
            expected = self.expected_after_apply(self.product.wanted(profile, k), False)
            mixed = {t: (before_state[t] if self.disk(t) == disk_before[t] else expected[t]) for t in TARGETS}
            if self.on_disk_is(mixed):
                new_state = mixed
                break
        assert new_state is not None, f"after {':'.join(fault)} (exit {code}), a file is neither old nor new\n" + (
            self.describe(mixed)
        )
        self.state = new_state
        new_sets = sorted(set(self.product.backup_ids()) - before_sets)
        assert len(new_sets) <= 1
        if new_sets:
            self.history.append(Applied(new_sets[0], before_state))
        self.profile = profile

    @rule(via_cli=st.booleans())
    def rollback(self, via_cli: bool) -> None:
        self.killed = False
        newest = self.product.newest_undoable()
        if not self.history:
            assert newest is None, f"nothing left to undo, yet rollback would undo {newest}"
            with pytest.raises((NotFoundError, CliRefused)):
                self.product.rollback(via_cli)
            return
        undone = self.history.pop()
        assert newest == undone.set_id, f"rollback picks {newest}, the newest apply not undone is {undone.set_id}"
        outcome = self.product.rollback(via_cli)
        expected: State = {}
        for target in TARGETS:
            now, then = self.state[target], undone.before[target]
            expected[target] = {}
            for pointer in self.ownable[target]:
                owned = now.get(pointer)
                if owned is not None and owned.by == "user":
                    expected[target][pointer] = owned  # changed or deleted since: the user's, left alone
                elif pointer in then:
                    expected[target][pointer] = copy.deepcopy(then[pointer])
        assert self.on_disk_is(expected), "rollback: cbcfg's keys not as the undone apply found them\n" + (
            self.describe(expected)
        )
        user = {(t, p) for t in TARGETS for p, owned in self.state[t].items() if owned.by == "user"}
        assert outcome.drift <= user, f"rollback reported drift {sorted(outcome.drift - user)} on cbcfg's own values"
        self.state = expected

    # --- steps: the user and Claude ----------------------------------------------------------------

    @precondition(lambda self: self.present())
    @rule(index=st.integers(0, 30), delete=st.booleans(), style=st.integers(0, 3))
    def user_changes_owned_key(self, index: int, delete: bool, style: int) -> None:
        target, pointer = self.present()[index % len(self.present())]
        document = self.document(target)
        self.counter += 1
        if delete:
            remove_at(document, pointer)
            self.state[target][pointer] = Owned(ABSENT, "user")  # the user's change too: absent, theirs
        else:
            value = f"edited-by-user-{self.counter}"
            set_at(document, pointer, value)
            self.state[target][pointer] = Owned(value, "user")
        self.user_write(target, document, style)

    @rule(file=st.sampled_from(TARGETS), where=st.sampled_from(["top", "env", "mcp"]), style=st.integers(0, 3))
    def user_adds_own_key(self, file: str, where: str, style: int) -> None:
        document = self.document(file)
        self.counter += 1
        name = f"userKey{self.counter}"
        pointer = {"top": f"/{name}", "env": f"/env/{name.upper()}", "mcp": f"/mcpServers/{name}"}[where]
        value: Any = {"type": "stdio", "command": "my-server"} if where == "mcp" else f"user-{self.counter}"
        set_at(document, pointer, value)
        self.user_write(file, document, style)

    @precondition(lambda self: any(self.disk(t) is not None for t in TARGETS))
    @rule(file=st.sampled_from(TARGETS), rotate=st.integers(0, 5), style=st.integers(0, 3), adds=st.booleans())
    def claude_rewrites(self, file: str, rotate: int, style: int, adds: bool) -> None:
        """Claude Code saves the file its own way: members in its order, its own keys, its format."""
        document = self.document(file)
        if self.disk(file) is None:
            return
        names = list(document)
        if names:
            shift = rotate % len(names)
            document = {name: document[name] for name in names[shift:] + names[:shift]}
        if adds:
            self.counter += 1
            document["numStartups"] = self.counter
            document.setdefault("tipsHistory", {})["memory-command"] = self.counter
        self.user_write(file, document, style)

    # --- after every step ------------------------------------------------------------------------

    def on_disk_is(self, expected: State) -> bool:
        for target in TARGETS:
            values = load(self.disk(target)) or {}
            for pointer in self.ownable[target]:
                found, value = get_at(values, pointer)
                want = expected[target].get(pointer)
                if (want is None or want.value is ABSENT) and found:
                    return False
                if want is not None and want.value is not ABSENT and (not found or value != want.value):
                    return False
        return True

    def describe(self, expected: State) -> str:
        lines = []
        for target in TARGETS:
            values = load(self.disk(target)) or {}
            for pointer in sorted(self.ownable[target]):
                found, value = get_at(values, pointer)
                want = expected[target].get(pointer)
                shown_now = self.name(value) if found else "(absent)"
                gone = want is None or want.value is ABSENT
                shown_want = "(absent)" if gone else f"{self.name(want.value)} by {want.by}"  # type: ignore[union-attr]
                if gone == found or (not gone and value != want.value):  # type: ignore[union-attr]
                    lines.append(f"  {target} {pointer}: on disk {shown_now}, expected {shown_want}")
        return "\n".join(lines)

    @staticmethod
    def name(value: Any) -> str:
        if value is ABSENT:
            return "(deleted by the user)"
        text = json.dumps(value)
        return text.replace(KEY, "KEY").replace(OTHER_KEY, "OTHER_KEY")[:120]

    @invariant()
    def foreign_bytes_as_the_last_writer_left_them(self) -> None:
        for target in TARGETS:
            data = self.disk(target)
            now = members(data.decode("utf-8")) if data is not None else {}
            then = members(self.foreign[target])
            ancestors = {"/" + pointer_to_path(p)[0] for p in self.ownable[target]}

            def foreign(found: dict[str, str], ancestors: set[str] = ancestors, target: str = target) -> dict[str, str]:
                return {
                    pointer: text
                    for pointer, text in found.items()
                    if pointer not in ancestors
                    and not any(
                        pointer == p or pointer.startswith(p + "/") or p.startswith(pointer + "/")
                        for p in self.ownable[target]
                    )
                }

            assert foreign(now) == foreign(then), (
                f"{target}: a foreign member changed\nnow  {foreign(now)}\nthen {foreign(then)}"
            )

    @invariant()
    def owned_keys_as_the_model_says(self) -> None:
        assert self.on_disk_is(self.state), "cbcfg's keys differ from the model\n" + self.describe(self.state)

    @invariant()
    def the_key_only_where_the_profile_puts_it(self) -> None:
        backups = self.product.state_dir / "backups"
        for path in self.root.rglob("*"):
            if not path.is_file() or backups in path.parents:
                continue
            if ".cbcfg-" in path.name and path.name.endswith(".tmp"):
                # A killed run's temp file: private, and gone at the next run (it cleans up first).
                assert self.killed, f"{path.name}: a temp file left by a run that was not killed"
                if any(key.encode() in path.read_bytes() for key in KEYS):
                    assert path.stat().st_mode & 0o077 == 0, f"{path.name}: a killed run's key others can read"
                continue
            target = next((t for t in TARGETS if self.product.path(t) == path), None)
            values = load(path.read_bytes()) if target is not None else None
            if target is not None and values is not None:
                for pointer, owned in self.state[target].items():
                    if owned.by == "cbcfg" and pointer in self.key_pointers[target] and get_at(values, pointer)[0]:
                        remove_at(values, pointer)  # where the profile puts the key
                rest = json.dumps(values).encode()
            else:
                rest = path.read_bytes()
            assert not any(key.encode() in rest for key in KEYS), f"a key in {path.relative_to(self.root)}, elsewhere"

    @invariant()
    def check_agrees_with_a_fresh_plan(self) -> None:
        if self.profile is None:
            return
        if NEEDS_KEY[self.profile] and not self.keys_in_place():
            return  # the check refuses (no key anywhere): the apply step covers refusals
        pending, matches = self.product.plan(self.profile)
        code = self.product.check(self.profile)
        assert code == (0 if matches else 10 if pending else 11), (
            f"--check exit {code}, plan: pending={pending}, matches={matches}"
        )
        wanted_now = self.product.wanted(
            self.profile, sorted(self.keys_in_place())[0] if self.keys_in_place() else None
        )
        as_wanted = all(
            self.value_of(t, pointer) == wanted_now[t].get(pointer, ABSENT)
            for t in TARGETS
            for pointer in self.ownable[t]
        )
        if not as_wanted and len(self.keys_in_place()) <= 1:
            assert code != 0, "--check says every file matches, yet a key cbcfg owns differs from the profile"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CBCFG_KEEP_BACKUPS", "1000")  # pruning is not modelled here
    monkeypatch.setenv("CBCFG_LOCK_TIMEOUT", "2")  # a lock left behind fails the step, not the clock
    yield


def test_a_home_through_a_sequence_of_real_life_steps(clean_env: None) -> None:
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            settings.get_profile("cbcfg-adversarial"),
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            # CBCFG_STATEFUL_SHRINK=0: report the first failing sequence as found (exploring by hand).
            phases=tuple(Phase) if os.environ.get("CBCFG_STATEFUL_SHRINK") != "0" else (Phase.generate,),
        ),
    )


@pytest.mark.parametrize("target", ["code-mcp", "desktop"])
def test_the_key_in_an_mcp_entry_is_kept_by_an_apply_without_a_key(
    clean_env: None, tmp_path: Path, target: str
) -> None:
    """Found by the machine above: cbcfg owns an MCP entry whole, so the key inside it was not
    "in place" and the next apply without a key dropped the Authorization header."""
    product = Product(tmp_path / "machine")
    layout, found = product.layout, sources(product.layout, product.profiles_dir)
    apply_profile(build_request("local", layout, found, key=KEY, targets=[target]))
    again = apply_profile(build_request("local", layout, found, key=None, targets=[target]))
    assert again.request.source.key == KEY and not again.pending
    path = layout.claude_json if target == "code-mcp" else layout.desktop_config
    assert KEY in path.read_text()
    switched = apply_profile(build_request("bedrock", layout, found, key=None, targets=[target]))
    assert switched.request.source.key == KEY


def killed_team_apply(
    tmp_path: Path, fault: str, target: str = "code-mcp", first: str = "local"
) -> tuple[Product, Any]:
    """``first`` applied to ``target``'s file, then ``team`` killed at ``fault``; returns the
    product and a function that makes a request for that file alone."""
    product = Product(tmp_path / "machine")
    layout, found = product.layout, sources(product.layout, product.profiles_dir)

    def request(profile: str, key: str | None, remove_key: bool = False, need_key: bool = True) -> Any:
        return build_request(
            profile, layout, found, key=key, targets=[target], need_key=need_key, remove_key=remove_key
        )

    apply_profile(request(first, KEY))
    product.request = request  # type: ignore[method-assign]
    assert product.killed_apply("team", KEY, fault) == 137
    return product, request


def claude_rewrites_claude_json(layout: Layout, change: Any = None) -> None:
    claude = json.loads(layout.claude_json.read_text())
    claude["numStartups"] = 7
    if change is not None:
        change(claude)
    layout.claude_json.write_text(json.dumps(claude, indent=2))


def test_a_file_changed_after_a_killed_apply_keeps_what_cbcfg_owns(clean_env: None, tmp_path: Path) -> None:
    """cbcfg killed after writing ~/.claude.json but before saving its records, then Claude Code
    rewrites the file (as it does all the time): the next run no longer knew the team entry is
    cbcfg's, so switching back left it (and the key in it) where no profile puts it."""
    product, request = killed_team_apply(tmp_path, "kill:before-records")
    claude_rewrites_claude_json(product.layout)
    apply_profile(request("local", KEY))
    servers = json.loads(product.layout.claude_json.read_text())["mcpServers"]
    assert "team-gateway" not in servers and "bifrost" in servers


def test_a_killed_apply_never_claims_a_value_changed_after_it(clean_env: None, tmp_path: Path) -> None:
    """The killed run's write reached the file, then the user changed its entry: still cbcfg's
    key, so the user's value is drift (left alone and reported), never taken as cbcfg's own."""
    product, request = killed_team_apply(tmp_path, "kill:before-records")
    mine = {"type": "http", "url": "https://mine.example.com/mcp"}
    claude_rewrites_claude_json(product.layout, lambda doc: doc["mcpServers"].update({"team-gateway": mine}))
    result = apply_profile(request("local", KEY))
    assert json.loads(product.layout.claude_json.read_text())["mcpServers"]["team-gateway"] == mine
    assert [d.pointer for item in result.planned for d in item.plan.drift] == ["/mcpServers/team-gateway"]


def test_an_apply_killed_before_it_wrote_claims_nothing(clean_env: None, tmp_path: Path) -> None:
    """Killed before it replaced ~/.claude.json, which Claude then rewrote and the user edited: the
    file never held what the killed run meant to write, so the records stay those of ``local``
    (the user's change to cbcfg's entry is drift, not overwritten)."""
    product, request = killed_team_apply(tmp_path, "kill:before-replace:.claude.json")
    mine = {"type": "http", "url": "https://mine.example.com/mcp"}
    claude_rewrites_claude_json(product.layout, lambda doc: doc["mcpServers"].update({"bifrost": mine}))
    result = apply_profile(request("local", KEY))
    assert json.loads(product.layout.claude_json.read_text())["mcpServers"]["bifrost"] == mine
    assert [d.pointer for item in result.planned for d in item.plan.drift] == ["/mcpServers/bifrost"]


def test_a_key_the_killed_apply_meant_to_remove_and_the_user_deleted_is_no_sign_it_wrote(
    clean_env: None, tmp_path: Path
) -> None:
    """Found by the machine above: ``team`` killed before it wrote settings.json (it would remove
    the Opus pin and the API key), then the user deletes the Opus pin and puts their own API key.
    The deleted pin is absent as the killed run would have left it, but the file still holds what
    it held before elsewhere: the run's write never reached it, so the user's key is drift for the
    next apply, never overwritten."""
    product, request = killed_team_apply(tmp_path, "kill:temp-written:settings.json", "code", "bedrock")
    settings_file = product.layout.user_settings
    document = json.loads(settings_file.read_text())
    del document["env"]["ANTHROPIC_DEFAULT_OPUS_MODEL"]
    document["env"]["ANTHROPIC_API_KEY"] = "my-own-key"
    settings_file.write_text(json.dumps(document))
    result = apply_profile(request("bedrock", KEY))
    env = json.loads(settings_file.read_text())["env"]
    assert env["ANTHROPIC_API_KEY"] == "my-own-key"
    assert "ANTHROPIC_DEFAULT_OPUS_MODEL" in env  # restored: cbcfg's, deleted since
    assert [d.pointer for item in result.planned for d in item.plan.drift] == ["/env/ANTHROPIC_API_KEY"]


def test_a_users_value_a_rollback_put_back_stays_theirs(clean_env: None, tmp_path: Path) -> None:
    """Found by the machine above: apply, the user edits a key, apply --force, rollback (the user's
    value back), rollback again: the second rollback took the user's value for cbcfg's and removed
    it with the whole file."""
    product = Product(tmp_path / "machine")
    layout, found = product.layout, sources(product.layout, product.profiles_dir)
    apply_profile(build_request("local", layout, found, key=KEY, targets=["code"]))
    settings_file = layout.user_settings
    document = json.loads(settings_file.read_text())
    document["env"]["ANTHROPIC_BASE_URL"] = "http://mine:9/anthropic"
    settings_file.write_text(json.dumps(document, indent=2))
    apply_profile(build_request("local", layout, found, key=OTHER_KEY, targets=["code"]), force=True)
    for _ in range(2):
        _, results = restore_backup_set(layout, find_backup_set(layout.state_dir, None), lock_timeout=5)
    assert json.loads(settings_file.read_text())["env"] == {"ANTHROPIC_BASE_URL": "http://mine:9/anthropic"}
    assert [d.pointer for r in results for d in r.drift] == ["/env/ANTHROPIC_BASE_URL"]
