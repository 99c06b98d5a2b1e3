"""The spreadsheet family over HTTP and WebSocket, and its workbook download route."""

import asyncio
import io

import httpx
import openpyxl
import pytest
from gymnasium.utils.env_checker import check_env

from skillgym.clients import AsyncRemoteEnv, RemoteEnv
from skillgym.envs.core.episode import make_policy, run_episode
from skillgym.envs.spreadsheet.env import XLSX_MEDIA_TYPE
from skillgym.errors import ArtifactNotFoundError

TASK = "spreadsheet/dcf-valuation"


@pytest.mark.parametrize("transport", ["http", "websocket"])
def test_oracle_scores_one_over_the_wire(base_url, transport):
    oracle = make_policy("oracle", family="spreadsheet", task=TASK, seed=2)
    with RemoteEnv(base_url, env="spreadsheet", transport=transport) as env:
        result = run_episode(env, oracle, task=TASK, seed=2)
    assert result.reward == 1.0 and result.success


@pytest.mark.filterwarnings("error")  # Gymnasium reports soft failures as warnings
def test_check_env_passes_on_a_remote_spreadsheet_env(base_url):
    with RemoteEnv(base_url, env="spreadsheet", task=TASK) as env:
        check_env(env, skip_render_check=True)


def test_the_workbook_route_returns_the_episodes_current_xlsx(base_url):
    with RemoteEnv(base_url, env="spreadsheet", task=TASK) as env:
        env.reset(seed=0)
        env.step(
            '{"tool": "write_cells", "args": {"sheet": "Model", "cells": {"C2": "=Inputs!B2*2"}}}'
        )
        url = f"{base_url}/v1/sessions/{env.session_id}/artifacts/workbook.xlsx"
        response = httpx.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == XLSX_MEDIA_TYPE
        assert "attachment" in response.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book["Model"]["C2"].value == "=Inputs!B2*2"
        assert env.artifact("workbook.xlsx")[:2] == b"PK"


def test_an_unknown_artifact_is_a_404_with_the_names_there_are(base_url):
    with RemoteEnv(base_url, env="spreadsheet", task=TASK) as env:
        env.reset(seed=0)
        response = httpx.get(f"{base_url}/v1/sessions/{env.session_id}/artifacts/secrets.txt")
        assert response.status_code == 404
        assert "workbook.xlsx" in response.json()["error"]["message"]
        with pytest.raises(ArtifactNotFoundError, match=r"workbook\.xlsx"):
            env.artifact("secrets.txt")


def test_the_async_client_downloads_the_workbook(base_url):
    async def download() -> bytes:
        async with AsyncRemoteEnv(base_url, env="spreadsheet", task=TASK) as env:
            await env.reset(seed=1)
            return await env.artifact("workbook.xlsx")

    data = asyncio.run(download())
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["Inputs", "Model"]
