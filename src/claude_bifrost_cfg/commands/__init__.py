"""One module per command, each a click command that cli.COMMANDS loads when it is used."""
