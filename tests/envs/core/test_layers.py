"""Which layer may import which: the core and the families never load the clients or the server."""

import subprocess
import sys

import pytest

from skillgym import errors
from skillgym.clients import errors as client_errors
from skillgym.envs.core import errors as core_errors


@pytest.mark.parametrize(
    "module",
    [
        "skillgym.envs.core.env",
        "skillgym.envs.core.validation",
        "skillgym.envs.core.scaffold",
        "skillgym.envs.arithmetic",
        "skillgym.envs.spreadsheet",
        "skillgym.envs.terminal",
        "skillgym.envs.flight",
    ],
)
def test_the_core_and_the_families_load_neither_clients_nor_server(module):
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.startswith(('skillgym.clients', 'skillgym.hub_server'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_error_class_is_re_exported_for_users_from_skillgym_errors():
    layered = [
        value
        for module in (core_errors, client_errors)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, core_errors.SkillGymError)
    ]
    assert all(getattr(errors, cls.__name__) is cls for cls in layered)
    assert errors.SettingsError.code == "settings_error"


def test_a_client_error_code_maps_back_to_its_class():
    assert errors.error_class_for_code("timeout") is client_errors.RemoteTimeoutError
    assert errors.error_class_for_code("session_not_found") is core_errors.SessionNotFoundError
    assert errors.error_class_for_code("no_such_code") is None
