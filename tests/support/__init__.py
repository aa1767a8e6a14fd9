"""Test support: a Bifrost-like gateway on 127.0.0.1, and sockets that misbehave on purpose."""
