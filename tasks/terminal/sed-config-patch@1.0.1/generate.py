"""Seeded INI-style service config with keys shared between sections, and the patch to make."""

from __future__ import annotations

from random import Random

from skillgym.envs.terminal.generation import Generated

SERVICES = ["ledgerd", "mailrelay", "thumbnailer", "geoindex", "billing-api", "searchd"]
ADDITIONS = {
    "server": ("tls_cert", "/etc/ssl/{service}.pem"),
    "database": ("sslmode", "require"),
    "cache": ("max_memory", "512mb"),
    "logging": ("rotate", "daily"),
    "metrics": ("interval", "15s"),
}

Line = tuple[str, str, str]
"""(kind, key, text): kind is 'set' (an active setting), 'default' (commented out) or 'other'."""


def setting(key: str, value: object, spacing: str = " = ", note: str = "") -> Line:
    """An active ``key = value`` line, optionally with an inline comment."""
    return ("set", key, f"{key}{spacing}{value}{note}")


def default(key: str, value: object) -> Line:
    """A commented-out default."""
    return ("default", key, f"# {key} = {value}")


def other(text: str) -> Line:
    """A comment or a blank line."""
    return ("other", "", text)


def sections(rng: Random, service: str) -> dict[str, list[Line]]:
    """Every section's lines (without its header), with seeded values."""
    host_no = rng.randint(1, 9)
    return {
        "server": [
            setting("host", rng.choice(["0.0.0.0", "127.0.0.1", "::"])),
            setting("port", rng.choice([8080, 8000, 8443, 9000]) + rng.randint(0, 9)),
            setting("read_timeout", rng.randint(5, 30)),
            setting("timeout", rng.choice([30, 45, 60, 90])),
            default("max_connections", rng.choice([256, 512, 1024])),
            setting("keepalive", "on", note="   ; idle connections are closed after timeout"),
            default("workers", "auto"),
        ],
        "database": [
            setting("host", f"db-{host_no}.internal"),
            setting("port", rng.choice([5432, 5433, 6432])),
            setting("name", service.replace("-", "_")),
            setting("user", f"{service.replace('-', '_')}_app"),
            other("# connect_timeout is for the TCP handshake, timeout for each query"),
            setting("connect_timeout", rng.randint(2, 10)),
            setting("timeout", rng.choice([10, 15, 20, 30])),
            default("max_connections", rng.choice([20, 50, 100])),
            default("retries", rng.randint(2, 5)),
        ],
        "cache": [
            setting("backend", rng.choice(["redis", "memcached"])),
            setting("host", f"cache-{host_no}.internal"),
            setting("port", rng.choice([6379, 11211, 6380])),
            setting("ttl", rng.choice([60, 300, 600, 3600])),
            setting("timeout", rng.randint(1, 5)),
            default("retries", rng.randint(1, 3)),
            default("compress", "false"),
        ],
        "logging": [
            setting("level", rng.choice(["info", "warn", "debug"])),
            setting("file", f"/var/log/{service}/{service}.log"),
            other("# json lines are easier for the log shipper  "),
            default("format", "text"),
            default("compress", "false"),
        ],
        "metrics": [
            setting("enabled", "true"),
            setting("port", 9100 + rng.randint(0, 99), spacing="="),
            setting("path", "/metrics", spacing="="),
        ],
    }


def render(order: list[str], body: dict[str, list[Line]], service: str) -> str:
    """The config file's text."""
    out = [
        f"# {service} configuration",
        "# Managed by hand since the ops-tools migration; keep comments in place.",
        "",
    ]
    for name in order:
        out += [f"# ---- {name} ----", f"[{name}]"]
        out += [text for _, _, text in body[name]]
        out.append("")
    return "\n".join(out)


def generate(rng: Random) -> Generated:
    """A config file, four edits to make, and the file as it must be afterwards."""
    service = rng.choice(SERVICES)
    body = sections(rng, service)
    order = ["server", "database", "cache", "logging", "metrics"]
    tail = order[1:]
    rng.shuffle(tail)
    order[1:] = tail
    original = render(order, body, service)

    port_section = rng.choice(["server", "database", "cache", "metrics"])
    timeout_section = rng.choice(["server", "database", "cache"])
    shared_defaults = [("server", "max_connections"), ("database", "max_connections")]
    shared_defaults += [("database", "retries"), ("cache", "retries")]
    shared_defaults += [("cache", "compress"), ("logging", "compress")]
    uncomment_section, uncomment_key = rng.choice(shared_defaults)
    add_section = rng.choice([name for name in ADDITIONS if name != uncomment_section])
    add_key, add_value = ADDITIONS[add_section]
    add_value = add_value.format(service=service)

    def current(section: str, key: str, kind: str = "set") -> str:
        line = next(text for k, name, text in body[section] if k == kind and name == key)
        return line.split("=", 1)[1].split(";")[0].strip()

    new_port = str(int(current(port_section, "port")) + rng.randint(1, 50))
    new_timeout = str(int(current(timeout_section, "timeout")) * rng.choice([2, 3]))
    old_default = current(uncomment_section, uncomment_key, "default")
    if uncomment_key == "compress":
        uncomment_value = "true"
    elif uncomment_key == "retries":
        uncomment_value = str(int(old_default) + 2)
    else:
        uncomment_value = str(int(old_default) * 2)

    patched = {name: list(lines) for name, lines in body.items()}

    def replace(section: str, key: str, kind: str, value: str) -> None:
        lines = patched[section]
        index = next(i for i, (k, n, _) in enumerate(lines) if k == kind and n == key)
        text = lines[index][2]
        if kind == "set":  # only the value changes: the line keeps its own spacing
            before, after = text.split("=", 1)
            text = f"{before}={after[: len(after) - len(after.lstrip())]}{value}"
        else:
            text = f"{key} = {value}"
        lines[index] = ("set", key, text)

    replace(port_section, "port", "set", new_port)
    replace(timeout_section, "timeout", "set", new_timeout)
    replace(uncomment_section, uncomment_key, "default", uncomment_value)
    lines = patched[add_section]
    last = max(i for i, (k, _, _) in enumerate(lines) if k == "set")
    lines.insert(last + 1, ("set", add_key, f"{add_key} = {add_value}"))

    conf_name = f"{service}.conf"
    return Generated(
        variables={
            "conf_name": conf_name,
            "port_section": port_section,
            "new_port": new_port,
            "timeout_section": timeout_section,
            "new_timeout": new_timeout,
            "uncomment_section": uncomment_section,
            "uncomment_key": uncomment_key,
            "old_default": old_default,
            "uncomment_value": uncomment_value,
            "add_section": add_section,
            "add_key": add_key,
            "add_value": add_value,
        },
        files={f"etc/{conf_name}": original},
        expected={"original": original, "patched": render(order, patched, service)},
    )
