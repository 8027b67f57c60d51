"""Loopback fakes of the remote platforms: real HTTP servers on 127.0.0.1, port 0."""
