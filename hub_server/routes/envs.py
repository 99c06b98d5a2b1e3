"""``GET /v1/envs``: the environment families this server runs."""

from fastapi import APIRouter

from skillgym.envs.core.protocol import EnvPublic, EnvsPublic
from skillgym.envs.core.registry import FAMILIES, env_class
from skillgym.envs.core.spaces import space_to_json

router = APIRouter(prefix="/v1/envs", tags=["envs"])


def describe_family(name: str) -> EnvPublic:
    """One family's tools and spaces, read from its class (no environment is made)."""
    cls = env_class(name)
    spec = FAMILIES[name]
    return EnvPublic(
        name=name,
        gym_id=spec.gym_id,
        description=spec.description,
        tools=cls.toolset_schemas(),
        observation_space=space_to_json(cls.make_observation_space()),
        action_space=space_to_json(cls.make_action_space()),
    )


@router.get("")
async def list_envs() -> EnvsPublic:
    """Every family, with its Gymnasium id, tools (JSON Schema) and spaces."""
    return EnvsPublic(envs=[describe_family(name) for name in sorted(FAMILIES)])
