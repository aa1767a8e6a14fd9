"""Strict tables as pydantic-core schemas: how cbcfg declares a model that pydantic's own engine
(``SchemaValidator``) judges, without pydantic's model machinery (importing ``pydantic.fields`` and
building BaseModels is most of what an apply would otherwise import). Profiles and Desktop's
gateway file are declared this way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pydantic_core import CoreSchema, ValidationError


class Table:
    """What pydantic-core's model validator fills in: a table's fields, in ``__dict__``."""


def table(name: str, fields: dict[str, CoreSchema], extra: Literal["forbid", "allow"]) -> CoreSchema:
    """A strict model named ``name`` (no coercion; unknown keys refused or allowed, as ``extra``
    says): its errors read as a BaseModel of that name would have them ("instance of NAME")."""
    from pydantic_core import CoreConfig
    from pydantic_core import core_schema as cs

    config: CoreConfig = {"title": name, "strict": True, "extra_fields_behavior": extra}
    shape = cs.model_fields_schema({key: cs.model_field(value) for key, value in fields.items()}, model_name=name)
    return cs.model_schema(type(name, (Table,), {}), shape, config=config)


def first_error(exc: ValidationError) -> str:
    """The first error as ``where: what``, ``where`` the path joined by "/"."""
    error = exc.errors()[0]
    where = "/".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}"
