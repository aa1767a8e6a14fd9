"""apply --homes-from FILE: one profile into many homes in one process, one JSON report, each home
its own transaction; a failing home is reported and the others go on."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.cli_helpers import KEY, OTHER_KEY, Scratch, read_json, write


def _homes(scratch: Scratch, names: list[str]) -> tuple[list[Path], Path]:
    homes = []
    for name in names:
        home = scratch.root / "homes" / name
        home.mkdir(parents=True)
        homes.append(home)
    listing = write(scratch.root / "homes.txt", "# build agents\n" + "\n".join(map(str, homes)) + "\n\n")
    return homes, listing


def test_every_home_gets_the_profile_and_its_own_records(scratch: Scratch) -> None:
    homes, listing = _homes(scratch, ["alice", "bob", "carol"])
    result = scratch.cbcfg("apply", "local", "-t", "code", "--homes-from", str(listing), "--yes", "--json", key=KEY)
    assert result.exit_code == 0, result.output
    report = result.json
    assert report["command"] == "apply"
    assert [entry["home"] for entry in report["homes"]] == [str(home) for home in homes]
    assert report["summary"] == {"homes": 3, "ok": 3, "failed": 0, "changed": 3}
    for home, entry in zip(homes, report["homes"], strict=True):
        assert entry["exit_code"] == 0 and entry["error"] is None
        assert entry["report"]["applied"] and entry["report"]["backup_set"]
        settings = home / ".claude" / "settings.json"
        assert read_json(settings)["env"]["ANTHROPIC_API_KEY"] == KEY
        assert stat.S_IMODE(settings.stat().st_mode) == 0o600
        # Each home its own transaction: its records and backups under that home, a working status.
        status = scratch.cbcfg("status", "--json", "--home", str(home))
        assert [f["state"] for f in status.json["files"] if f["target"] == "code"] == ["applied"]
    assert not scratch.settings.exists()  # CBCFG_HOME's home is not one of them

    again = scratch.cbcfg("apply", "local", "-t", "code", "--homes-from", str(listing), "--yes", "--json", key=KEY)
    assert again.exit_code == 0 and again.json["summary"]["changed"] == 0


def test_each_home_keeps_its_own_key_when_none_is_given(scratch: Scratch) -> None:
    homes, listing = _homes(scratch, ["alice", "bob"])
    for home, key in zip(homes, (KEY, OTHER_KEY), strict=True):
        assert scratch.cbcfg("apply", "local", "-t", "code", "--home", str(home), "--yes", key=key).exit_code == 0
    result = scratch.cbcfg("apply", "bedrock", "-t", "code", "--homes-from", str(listing), "--yes", "--json")
    assert result.exit_code == 0, result.output
    for home, key in zip(homes, (KEY, OTHER_KEY), strict=True):
        env = read_json(home / ".claude" / "settings.json")["env"]
        assert env["ANTHROPIC_API_KEY"] == key and env["ANTHROPIC_DEFAULT_OPUS_MODEL"].startswith("bedrock/")


def test_a_failing_home_is_reported_and_the_others_go_on(scratch: Scratch) -> None:
    homes, listing = _homes(scratch, ["alice", "broken", "carol"])
    bad = write(homes[1] / ".claude" / "settings.json", "{ not json")
    missing = scratch.root / "homes" / "nobody-here"
    write(listing, listing.read_text("utf-8") + f"{missing}\n")

    result = scratch.cbcfg("apply", "local", "-t", "code", "--homes-from", str(listing), "--yes", "--json", key=KEY)

    assert result.exit_code == 3  # the first failing home's code (its file cannot be parsed)
    entries = {Path(entry["home"]).name: entry for entry in result.json["homes"]}
    assert entries["broken"]["exit_code"] == 3 and "settings.json" in entries["broken"]["error"]
    assert entries["broken"]["report"] is None
    assert entries["nobody-here"]["exit_code"] == 5 and not missing.exists()
    assert bad.read_text("utf-8") == "{ not json"  # untouched
    for name in ("alice", "carol"):
        assert entries[name]["exit_code"] == 0
        assert read_json(scratch.root / "homes" / name / ".claude" / "settings.json")["env"]["ANTHROPIC_API_KEY"] == KEY
    assert result.json["summary"] == {"homes": 4, "ok": 2, "failed": 2, "changed": 2}


def test_check_and_dry_run_write_nothing(scratch: Scratch) -> None:
    _, listing = _homes(scratch, ["alice", "bob"])
    before = scratch.tree()
    dry = scratch.cbcfg("apply", "local", "-t", "code", "--homes-from", str(listing), "--dry-run", "--json", key=KEY)
    assert dry.exit_code == 0 and all(entry["report"]["pending"] for entry in dry.json["homes"])
    check = scratch.cbcfg("apply", "local", "-t", "code", "--homes-from", str(listing), "--check", key=KEY)
    assert check.exit_code == 10
    assert scratch.tree() == before


def test_misuse_is_one_line_and_writes_nothing(scratch: Scratch) -> None:
    homes, listing = _homes(scratch, ["alice"])
    before = scratch.tree()
    no_yes = scratch.cbcfg("apply", "local", "-t", "code", "--homes-from", str(listing), key=KEY)
    assert no_yes.exit_code == 5 and "--yes" in no_yes.error_line()
    shared = scratch.cbcfg(
        "apply", "local", "-t", "code", "-t", "code-project", "--homes-from", str(listing), "--yes", key=KEY
    )
    assert shared.exit_code == 2 and "code-project" in shared.error_line()
    both = scratch.cbcfg("apply", "local", "--home", str(homes[0]), "--homes-from", str(listing), "--yes", key=KEY)
    assert both.exit_code == 2 and "--home" in both.error_line()
    absent = scratch.cbcfg("apply", "local", "--homes-from", str(scratch.root / "nope.txt"), "--yes", key=KEY)
    assert absent.exit_code == 3 and "--homes-from" in absent.error_line()
    empty = write(scratch.root / "empty.txt", "# nobody\n")
    none = scratch.cbcfg("apply", "local", "--homes-from", str(empty), "--yes", key=KEY)
    assert none.exit_code == 2
    after = scratch.tree()
    del after["empty.txt"]
    assert after == before  # nothing else appeared, nothing changed


def test_the_human_report_names_each_home_and_failures_go_to_stderr(scratch: Scratch) -> None:
    homes, listing = _homes(scratch, ["alice"])
    missing = scratch.root / "homes" / "gone"
    write(listing, listing.read_text("utf-8") + f"{missing}\n")
    result = scratch.cbcfg("apply", "local", "-t", "code", "--homes-from", str(listing), "--yes", key=KEY)
    assert result.exit_code == 5
    assert f"{homes[0]}: applied, 1 file(s) changed" in result.stdout
    assert result.error_line() == (
        f"cbcfg: error: {missing}: home {missing} is not a folder — create the user (and their home) first, "
        "or drop the line"
    )
