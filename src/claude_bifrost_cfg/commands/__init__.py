"""One module per command; each imports only typer at the top, the core inside its function."""
