"""``desktop-gateway``: Claude Desktop's third-party inference through Bifrost, as one configuration
of Desktop's local configuration library (``Claude-3p/configLibrary/<id>.json``).

Flat keys, the same names as Desktop's MDM keys, native JSON values (as the app's own window and
other writers store them): ``inferenceProvider = "gateway"``, Bifrost's ``/anthropic`` base URL, the
key (or a credential helper), ``bearer``, and the profile's pins as ``inferenceModels``. cbcfg owns
those keys of that one file; what the user adds in Desktop's window stays. It brings
``desktop-library`` (``_meta.json``: the entry, applied) and ``desktop`` (``deploymentMode: "3p"``).
Desktop reads all of it once, at launch, and rewrites its files while quitting: quit it first.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from ..desired import Fragment, desktop_gateway_fragment, desktop_model_problem
from ..strict_tables import first_error, table
from .base import Target

if TYPE_CHECKING:
    from pydantic_core import SchemaValidator


@cache
def _validator() -> SchemaValidator:
    """The merged file as Desktop reads it, judged by pydantic's engine: DesktopGateway (the keys
    cbcfg owns, strict types, other keys allowed), each of its models a DesktopModel (an object with
    a string ``name``, other keys allowed) or a plain name. Core schemas, not BaseModels: pydantic's
    model machinery is most of what an apply would otherwise import."""
    from pydantic_core import CoreSchema, SchemaValidator
    from pydantic_core import core_schema as cs

    def model(name: str, fields: dict[str, CoreSchema]) -> CoreSchema:
        return table(name, fields, extra="allow")

    text = cs.str_schema()
    desktop_model = model("DesktopModel", {"name": text})
    gateway = model(
        "DesktopGateway",
        {
            "inferenceProvider": text,
            "inferenceGatewayBaseUrl": text,
            "inferenceGatewayAuthScheme": cs.with_default_schema(text, default="bearer"),
            "inferenceModels": cs.with_default_schema(
                cs.list_schema(cs.union_schema([desktop_model, text])), default_factory=list
            ),
        },
    )
    return SchemaValidator(gateway)


def _check(document: dict[str, Any], fragment: Fragment) -> list[str]:
    from pydantic_core import ValidationError

    try:
        config = _validator().validate_python(document)
    except ValidationError as exc:
        return ["/" + first_error(exc)]
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
