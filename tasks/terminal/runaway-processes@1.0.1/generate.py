"""Seeded runaway process tree: a spawner, its workers, their chunk renderers, and a leftover."""

from __future__ import annotations

from random import Random

from skillgym.envs.terminal.generation import Generated

APPS = ["report", "export", "digest", "thumbs", "ingest", "render"]

SPAWNER = '''#!/usr/bin/python3
"""Keep @@WORKERS@@ @@APP@@ workers busy; a dead worker is restarted at once."""

import os
import subprocess
import sys
import time

BIN = os.path.dirname(os.path.abspath(__file__))
COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else @@WORKERS@@

workers = {}
while True:
    for n in range(1, COUNT + 1):
        worker = workers.get(n)
        if worker is None or worker.poll() is not None:
            workers[n] = subprocess.Popen(
                [os.path.join(BIN, f"@@APP@@-worker-{n}"), str(n)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    time.sleep(0.5)
'''

WORKER = '''#!/usr/bin/python3
"""One @@APP@@ worker: keeps a chunk renderer running for its shard."""

import os
import subprocess
import sys
import time

BIN = os.path.dirname(os.path.abspath(__file__))
SHARD = sys.argv[1] if len(sys.argv) > 1 else "1"

chunk = None
while True:
    if chunk is None or chunk.poll() is not None:
        chunk = subprocess.Popen(
            [os.path.join(BIN, f"@@APP@@-chunk-{SHARD}"), SHARD],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    time.sleep(0.5)
'''

CHUNK = '''#!/usr/bin/python3
"""Render chunks of one shard into the spool, forever (nobody ever told it to stop)."""

import os
import sys
import time

SHARD = sys.argv[1] if len(sys.argv) > 1 else "1"
SPOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spool")
os.makedirs(SPOOL, exist_ok=True)
n = 0
while True:
    n += 1
    with open(os.path.join(SPOOL, f"chunk-{SHARD}.out"), "a") as out:
        out.write(f"chunk {SHARD}.{n} rendered\\n")
    time.sleep(1)
'''

SERVICE = '''#!/usr/bin/python3
"""@@DOC@@"""

import os
import time

LOG = "/workspace/logs/@@NAME@@.log"
os.makedirs(os.path.dirname(LOG), exist_ok=True)
with open(LOG, "a") as log:
    log.write(f"started pid={os.getpid()}\\n")
beat = 0
while True:
    time.sleep(@@PERIOD@@)
    beat += 1
    with open(LOG, "a") as log:
        log.write(f"@@NAME@@ heartbeat {beat}\\n")
'''


def generate(rng: Random) -> Generated:
    """Names, worker counts and the scripts; setup.sh starts them."""
    app = rng.choice(APPS)
    workers = rng.randint(3, 5)
    leftover = rng.randint(workers + 1, 9)
    bin_dir = f"services/{app}/bin"

    def fill(text: str) -> str:
        return text.replace("@@APP@@", app).replace("@@WORKERS@@", str(workers))

    files: dict[str, str | bytes] = {
        f"{bin_dir}/{app}-spawner": fill(SPAWNER),
        f"{bin_dir}/{app}-worker": fill(WORKER),
        f"{bin_dir}/{app}-chunk": fill(CHUNK),
        f"{bin_dir}/{app}-api": SERVICE.replace("@@NAME@@", f"{app}-api")
        .replace("@@DOC@@", f"The {app} HTTP API (serves finished {app}s).")
        .replace("@@PERIOD@@", "3"),
        "services/metrics/bin/metrics-agent": SERVICE.replace("@@NAME@@", "metrics-agent")
        .replace("@@DOC@@", "Ships host metrics every few seconds.")
        .replace("@@PERIOD@@", "2"),
        f"services/{app}/README.md": (
            f"# {app} pipeline\n\n`{app}-spawner N` keeps N workers (`{app}-worker-K`) alive; "
            f"each worker runs a chunk renderer (`{app}-chunk-K`) that writes to spool/.\n"
            f"`{app}-api` serves the results and is independent of the pipeline.\n"
        ),
    }
    names = [f"{app}-spawner"]
    for n in [*range(1, workers + 1), leftover]:
        names += [f"{app}-worker-{n}", f"{app}-chunk-{n}"]
    return Generated(
        variables={"app": app, "workers": workers, "leftover": leftover},
        files=files,
        executable={name for name in files if "/bin/" in name},
        expected={
            "app": app,
            "runaway": sorted(names),
            "services": {
                "metrics-agent": "logs/metrics-agent.log",
                f"{app}-api": f"logs/{app}-api.log",
            },
        },
    )
