"""doctor's checks: one module per check, sharing the interface in `base`.

A network check is a module with `name`, `summary`, `network = True` and
`def run(ctx: NetworkContext, client: httpx.Client) -> list[CheckResult]` (run in a thread of its
own), registered in `network.NETWORK_CHECKS` and run by `network.run_network_checks`; local checks are listed in
`local.LOCAL_CHECKS`. This package imports nothing eagerly: httpx and the MCP SDK load only when
the network checks run.
"""
