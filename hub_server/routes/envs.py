"""``GET /v1/envs`` and ``GET /v1/envs/{name}``: the environment families this server runs."""

import functools

from fastapi import APIRouter

from skillgym.envs.core.protocol import EnvPublic, EnvsPublic
from skillgym.envs.core.registry import env_class, family_description, get_family
from skillgym.envs.core.spaces import space_to_json
from skillgym.hub_server.deps import SessionsDep
from skillgym.hub_server.families import served_families, served_family
from skillgym.hub_server.openapi import error_responses
from skillgym.hub_server.sessions import SessionManager

router = APIRouter(prefix="/v1/envs", tags=["envs"])


@functools.cache
def family_image(name: str) -> str | None:
    """The image of family ``name`` when SkillGym's source tree defines one, else None."""
    from skillgym.hub_server.replicas.images import ImageError, image_families, image_tag

    try:
        return image_tag(name) if name in image_families() else None
    except ImageError:  # installed without its source tree: no Dockerfiles to read
        return None


def describe_family(name: str, replicas: int = 0) -> EnvPublic:
    """One family's tools, spaces and reset options, read from its class (no environment is made).

    Raises:
        EnvNotFoundError: For an unknown name, suggesting the closest.
    """
    spec = get_family(name)
    cls = env_class(name)
    return EnvPublic(
        name=name,
        gym_id=spec.gym_id,
        description=family_description(name),
        tools=cls.toolset_schemas(),
        observation_space=space_to_json(cls.make_observation_space()),
        action_space=space_to_json(cls.make_action_space()),
        options_schema=cls.options_model.model_json_schema(),
        image=family_image(name),
        replicas=replicas,
    )


@router.get("")
async def list_envs(sessions: SessionsDep) -> EnvsPublic:
    """Every family this server runs, with its Gymnasium id, tools (JSON Schema), spaces and reset options."""
    return EnvsPublic(
        envs=[
            describe_family(name, _replicas(sessions, name))
            for name in served_families(sessions.settings)
        ]
    )


@router.get("/{name}", responses=error_responses(404))
async def get_env(name: str, sessions: SessionsDep) -> EnvPublic:
    """One family: what a client needs to open a session of it (404 for an unknown name)."""
    served_family(sessions.settings, name)
    return describe_family(name, _replicas(sessions, name))


def _replicas(sessions: SessionManager, family: str) -> int:
    return sessions.replicas.count(family) if sessions.replicas is not None else 0
