"""The docker provider's reaper: ``python -m skillgym.hub_server.replicas.reaper OWNER``.

Blocks on its standard input, a pipe from the owner; when the pipe closes (the owner
exited, was killed, or closed the provider), it removes every replica container labelled
with that owner. A closed provider has removed them already, so there is nothing to do.
"""

from __future__ import annotations

import signal
import sys


def main(owner: str) -> int:
    """Wait for the owner's end; then remove its containers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the owner's Ctrl-C is not ours
    while sys.stdin.buffer.read(4096):
        pass
    from skillgym.hub_server.replicas.docker import docker_client, remove_containers

    remove_containers(docker_client(), owner=owner)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
