#!/usr/bin/python
"""Ansible module cbcfg.claude.apply: run cbcfg on the managed host and report what it changed."""

from __future__ import annotations

DOCUMENTATION = r"""
module: apply
short_description: Apply a cbcfg profile (Claude Code behind Bifrost) on the managed host
description:
  - Runs C(cbcfg apply PROFILE --yes --json) on the managed host; C(changed) comes from cbcfg's JSON report.
  - Check mode runs C(cbcfg apply --check --json) (exit 10 means changes are pending); nothing is written.
  - Diff mode shows the per-key diff from cbcfg's JSON, with keys masked.
  - The virtual key is passed to cbcfg on standard input (C(--key-stdin)), never on its command line.
  - C(state=absent) runs C(cbcfg remove --yes --json), which needs a cbcfg that has the remove command.
options:
  profile:
    description: Profile name (bundled, or in profiles_dir). Required with state=present.
    type: str
  targets:
    description: Targets to write (code, desktop, code-mcp, managed and so on); default the profile's own.
    type: list
    elements: str
  home:
    description: The user's home directory (cbcfg --home). Files created there belong to that user.
    type: path
  gateway_url:
    description: The gateway's root URL; overrides the profile.
    type: str
  virtual_key:
    description: The Bifrost virtual key (sk-bf-...). Passed on standard input, never on a command line.
    type: str
  state:
    description: present applies the profile; absent removes what cbcfg wrote (cbcfg remove).
    type: str
    choices: [present, absent]
    default: present
  force:
    description: Overwrite keys changed by hand since cbcfg set them.
    type: bool
    default: false
  system_root:
    description: Prefix for the managed-settings path (image builds, tests).
    type: path
  profiles_dir:
    description: Look for profiles here first.
    type: path
  cbcfg:
    description: Path (or name on PATH) of the cbcfg executable on the managed host.
    type: path
    default: cbcfg
"""

EXAMPLES = r"""
- name: Route alice's Claude Code through Bifrost
  cbcfg.claude.apply:
    profile: team
    home: /home/alice
    targets: [code]
    virtual_key: "{{ vault_bifrost_keys.alice }}"
"""

RETURN = r"""
report:
  description: cbcfg's JSON report, keys masked.
  returned: success
  type: dict
"""

# Ansible's layout: the documentation strings come before the imports.
import json  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

PENDING = 10  # cbcfg apply --check: changes are pending


def cbcfg_args(params: dict, check: bool) -> list[str]:
    if params["state"] == "absent":
        args = [params["cbcfg"], "remove", "--yes", "--json"]
    else:
        args = [params["cbcfg"], "apply", params["profile"], "--yes", "--json"]
    if check:
        args.append("--check")
    for target in params["targets"] or []:
        args += ["--target", target]
    present = params["state"] == "present"
    for option, name in (("--home", "home"), ("--gateway-url", "gateway_url"), ("--system-root", "system_root")):
        if params[name] and (present or name != "gateway_url"):  # remove takes out what is there
            args += [option, params[name]]
    if params["profiles_dir"] and present:
        args += ["--profiles-dir", params["profiles_dir"]]
    if params["force"]:
        args.append("--force")
    if params["virtual_key"] and present:
        args.append("--key-stdin")
    return args


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("cbcfg: error:")]
    return lines[-1] if lines else (stderr.strip().splitlines() or ["cbcfg failed"])[-1]


def shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def diff_of(report: dict, home: str | None) -> list[dict]:
    """One before/after pair per file: its changed keys, masked as cbcfg reported them."""
    diffs = []
    for entry in report.get("files", []):
        if not entry.get("changes"):
            continue
        changes = entry["changes"]
        before = [f"{c['pointer']}: {shown(c['old'])}" for c in changes if c["action"] != "add"]
        after = [f"{c['pointer']}: {shown(c['new'])}" for c in changes if c["action"] != "remove"]
        path = entry["path"]
        if home and path.startswith("~/"):
            path = home.rstrip("/") + path[1:]  # several users' files in one play: say whose
        header = f"{path} ({entry['target']})"
        diffs.append(
            {
                "before_header": header,
                "after_header": header,
                "before": "\n".join(before) + ("\n" if before else ""),
                "after": "\n".join(after) + ("\n" if after else ""),
            }
        )
    return diffs


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "profile": {"type": "str"},
            "targets": {"type": "list", "elements": "str"},
            "home": {"type": "path"},
            "gateway_url": {"type": "str"},
            "virtual_key": {"type": "str", "no_log": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "force": {"type": "bool", "default": False},
            "system_root": {"type": "path"},
            "profiles_dir": {"type": "path"},
            "cbcfg": {"type": "path", "default": "cbcfg"},
        },
        required_if=[("state", "present", ["profile"])],
        supports_check_mode=True,
    )
    params = dict(module.params)
    if "/" not in params["cbcfg"]:
        params["cbcfg"] = module.get_bin_path(params["cbcfg"], required=True)
    args = cbcfg_args(params, module.check_mode)
    key = params["virtual_key"] if params["state"] == "present" else None
    # The key goes on stdin: never in argv (ps, /proc), never in a log line.
    rc, stdout, stderr = module.run_command(args, data=key if key else None, binary_data=False)
    if params["state"] == "absent" and rc == 2 and "remove" in stderr and "No such command" in stderr:
        module.fail_json(msg="this cbcfg has no 'remove' command yet, which state=absent needs — upgrade cbcfg", rc=rc)
    if rc not in (0, PENDING) or (rc == PENDING and not module.check_mode):
        module.fail_json(msg=error_line(stderr), rc=rc)
    try:
        report = json.loads(stdout)
    except ValueError:
        module.fail_json(msg=f"cbcfg printed no JSON report (exit {rc})", rc=rc)
    if module.check_mode:
        changed = rc == PENDING
    else:
        changed = bool(report.get("applied")) or report.get("summary", {}).get("changed", 0) > 0
    result = {"changed": changed, "report": report}
    if module._diff:
        result["diff"] = diff_of(report, params["home"])
    warnings = [line[len("cbcfg: warning: ") :] for line in stderr.splitlines() if line.startswith("cbcfg: warning:")]
    for warning in warnings:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
