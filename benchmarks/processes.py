"""Which Chromium processes this process started: the benchmark's memory figure and the tests that prove none is left behind."""

import os


def chromium_processes() -> list[int]:
    """The Chromium processes this process started (browser, renderers, helpers), by pid."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                names[int(entry)] = cmdline.read().split(b"\0", 1)[0].decode(errors="replace")
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            todo.append(child)
            if "chrom" in os.path.basename(names.get(child, "")):
                found.append(child)
    return sorted(found)
