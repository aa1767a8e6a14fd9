"""``desktop-gateway``: Claude Desktop's third-party inference through Bifrost, as one configuration
of Desktop's local configuration library (``Claude-3p/configLibrary/<id>.json``).

Flat keys, the same names as Desktop's MDM keys, native JSON values (as the app's own window and
other writers store them): ``inferenceProvider = "gateway"``, Bifrost's ``/anthropic`` base URL, the
key (or a credential helper), ``bearer``, and the profile's pins as ``inferenceModels``. cbcfg owns
those keys of that one file; what the user adds in Desktop's window stays. It brings
``desktop-library`` (``_meta.json``: the entry, applied) and ``desktop`` (``deploymentMode: "3p"``).
Desktop reads all of it once, at launch, and rewrites its files while quitting: quit it first.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..desired import Fragment, desktop_gateway_fragment, desktop_model_problem
from .base import Target


class DesktopModel(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    name: str


class DesktopGateway(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    inferenceProvider: str
    inferenceGatewayBaseUrl: str
    inferenceGatewayAuthScheme: str = "bearer"
    inferenceModels: list[DesktopModel | str] = []


def _check(document: dict[str, Any], fragment: Fragment) -> list[str]:
    try:
        config = DesktopGateway.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        return ["/" + "/".join(str(part) for part in error["loc"]) + ": " + error["msg"]]
    problems = []
    for index, model in enumerate(config.inferenceModels):
        name = model if isinstance(model, str) else model.name
        problem = desktop_model_problem(name)
        if problem:  # one such name and Desktop refuses the whole list
            problems.append(f"/inferenceModels/{index}: {name!r} {problem}")
    return problems


TARGET = Target(
    name="desktop-gateway",
    description="Claude Desktop gateway inference for its Code/Cowork tabs (Claude-3p/configLibrary)",
    scope="user",
    location="desktop_library_config",
    builder=desktop_gateway_fragment,
    check_owned=_check,
    by_name_only=True,  # opt-in: status lists it once applied
    brings=("desktop-library", "desktop"),
)
