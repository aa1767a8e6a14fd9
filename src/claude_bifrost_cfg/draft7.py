"""Is a document valid against a JSON Schema (draft-07)? The same yes or no as jsonschema, quickly.

Importing jsonschema and building its validator costs more than everything else a dry run does
(its formats, its referencing library, attrs), yet the answer cbcfg needs before writing a settings
file is almost always "valid". This checks every assertion keyword of draft-07 with jsonschema's
semantics (``True`` is not ``1``, integral floats are integers, ``$ref`` hides its siblings,
``format`` is not asserted), so only an invalid document needs jsonschema, for its messages.
A schema using anything this does not implement answers ``None``: then jsonschema does it all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

# Every keyword draft-07 asserts with; any other key in a schema is an annotation.
_ASSERTIONS = frozenset(
    {
        "$ref", "additionalItems", "additionalProperties", "allOf", "anyOf", "const", "contains",
        "dependencies", "enum", "exclusiveMaximum", "exclusiveMinimum", "format", "if", "items",
        "maxItems", "maxLength", "maxProperties", "maximum", "minItems", "minLength", "minProperties",
        "minimum", "multipleOf", "not", "oneOf", "pattern", "patternProperties", "properties",
        "propertyNames", "required", "type", "uniqueItems",
    }
)  # fmt: skip
_UNSUPPORTED = frozenset({"multipleOf"})  # float semantics not worth copying: jsonschema does it


class Unsupported(Exception):
    pass


def compile_schema(schema: Any) -> Callable[[Any], bool | None]:
    """A function telling whether a document is valid: True, False, or None when this schema uses
    what this module does not implement (then ask jsonschema). Subschemas are compiled when first
    needed: a settings document touches a few dozen of the published schema's thousand."""
    root = _Compiler(schema).compile(schema)

    def is_valid(document: Any) -> bool | None:
        try:
            return root(document)
        except (Unsupported, re.error, TypeError, ValueError, KeyError, IndexError, RecursionError):
            return None

    return is_valid


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def equal(one: Any, two: Any) -> bool:
    """jsonschema's equality: booleans are not numbers, 1 == 1.0, containers compared deeply."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(equal(one[key], two[key]) for key in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    if isinstance(one, list | dict) or isinstance(two, list | dict):
        return False
    return bool(one == two)


def _has_all(names: list[str]) -> Check:
    return lambda v: all(name in v for name in names)


def _unique(items: list[Any]) -> bool:
    """No two items `equal`: one pass over hashable keys that are equal exactly when `equal` says so
    (pairwise, a settings.json with a few thousand permission rules took seconds)."""
    keys = {_identity(item) for item in items}
    return len(keys) == len(items)


def _identity(value: Any) -> Any:
    """A hashable key for `equal`: booleans apart from numbers, 1 and 1.0 alike (equal numbers hash
    alike), lists in order, objects by their members."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(_identity(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, _identity(item)) for key, item in value.items()))
    if value is None:
        return ("null",)
    return ("number", value)


class _Compiler:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        compiled: Check | None = None

        def check(value: Any) -> bool:
            nonlocal compiled
            if compiled is None:
                compiled = self._compile_now(schema)
            return compiled(value)

        return check

    def _compile_now(self, schema: Any) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, Mapping):
            raise Unsupported("a schema is an object or a boolean")
        used = _ASSERTIONS.intersection(schema)
        if used & _UNSUPPORTED:
            raise Unsupported(str(sorted(used & _UNSUPPORTED)))
        if "$ref" in schema:  # draft-07: $ref replaces every sibling keyword
            return self._ref(schema["$ref"])
        if "$id" in schema and schema is not self.root:
            raise Unsupported("$id below the root changes what references mean")
        found = [self._keyword(keyword, schema) for keyword in sorted(used) if keyword != "format"]
        checks = [check for check in found if check is not None]
        if not checks:
            return lambda value: True
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    def _ref(self, ref: Any) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise Unsupported(f"$ref {ref!r}")
        if ref not in self.refs:
            self.refs[ref] = lambda value: self.refs[ref + "!"](value)  # resolved below (recursion)
            target: Any = self.root
            for part in ref[1:].split("/")[1:] if ref != "#" else ():
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[int(part)] if isinstance(target, list) else target[part]
            self.refs[ref + "!"] = self.compile(target)
        return self.refs[ref]

    def _keyword(self, keyword: str, schema: Mapping[str, Any]) -> Check | None:
        value = schema[keyword]
        method = getattr(self, "_k_" + keyword.replace("$", ""), None)
        if method is None:
            raise Unsupported(keyword)
        check: Check | None = method(value, schema)
        return check

    # --- any type ---

    def _k_type(self, value: Any, schema: Any) -> Check:
        names = [value] if isinstance(value, str) else list(value)
        tests = [_TYPES[name] for name in names]
        return lambda v: any(test(v) for test in tests)

    def _k_enum(self, value: Any, schema: Any) -> Check:
        options = list(value)
        return lambda v: any(equal(v, option) for option in options)

    def _k_const(self, value: Any, schema: Any) -> Check:
        return lambda v: equal(v, value)

    def _k_allOf(self, value: Any, schema: Any) -> Check:
        checks = [self.compile(s) for s in value]
        return lambda v: all(check(v) for check in checks)

    def _k_anyOf(self, value: Any, schema: Any) -> Check:
        checks = [self.compile(s) for s in value]
        return lambda v: any(check(v) for check in checks)

    def _k_oneOf(self, value: Any, schema: Any) -> Check:
        checks = [self.compile(s) for s in value]
        return lambda v: sum(1 for check in checks if check(v)) == 1

    def _k_not(self, value: Any, schema: Any) -> Check:
        check = self.compile(value)
        return lambda v: not check(v)

    def _k_if(self, value: Any, schema: Any) -> Check:
        test = self.compile(value)
        then = self.compile(schema.get("then", True))
        otherwise = self.compile(schema.get("else", True))
        return lambda v: then(v) if test(v) else otherwise(v)

    # --- numbers ---

    def _number(self, test: Callable[[Any], bool]) -> Check:
        return lambda v: not _is_number(v) or test(v)

    def _k_minimum(self, value: Any, schema: Any) -> Check:
        return self._number(lambda v: v >= value)

    def _k_maximum(self, value: Any, schema: Any) -> Check:
        return self._number(lambda v: v <= value)

    def _k_exclusiveMinimum(self, value: Any, schema: Any) -> Check:
        return self._number(lambda v: v > value)

    def _k_exclusiveMaximum(self, value: Any, schema: Any) -> Check:
        return self._number(lambda v: v < value)

    # --- strings ---

    def _k_minLength(self, value: Any, schema: Any) -> Check:
        return lambda v: not isinstance(v, str) or len(v) >= value

    def _k_maxLength(self, value: Any, schema: Any) -> Check:
        return lambda v: not isinstance(v, str) or len(v) <= value

    def _k_pattern(self, value: Any, schema: Any) -> Check:
        pattern = re.compile(value)
        return lambda v: not isinstance(v, str) or pattern.search(v) is not None

    # --- arrays ---

    def _k_items(self, value: Any, schema: Any) -> Check:
        if isinstance(value, list):
            checks = [self.compile(s) for s in value]
            extra = self.compile(schema.get("additionalItems", True))
            return lambda v: (
                not isinstance(v, list)
                or (
                    all(check(item) for check, item in zip(checks, v, strict=False))
                    and all(extra(item) for item in v[len(checks) :])
                )
            )
        check = self.compile(value)
        return lambda v: not isinstance(v, list) or all(check(item) for item in v)

    def _k_additionalItems(self, value: Any, schema: Any) -> None:
        return None  # applied by "items" (and ignored without a list of "items")

    def _k_contains(self, value: Any, schema: Any) -> Check:
        check = self.compile(value)
        return lambda v: not isinstance(v, list) or any(check(item) for item in v)

    def _k_minItems(self, value: Any, schema: Any) -> Check:
        return lambda v: not isinstance(v, list) or len(v) >= value

    def _k_maxItems(self, value: Any, schema: Any) -> Check:
        return lambda v: not isinstance(v, list) or len(v) <= value

    def _k_uniqueItems(self, value: Any, schema: Any) -> Check | None:
        if not value:
            return None
        return lambda v: not isinstance(v, list) or _unique(v)

    # --- objects ---

    def _k_required(self, value: Any, schema: Any) -> Check:
        names = list(value)
        return lambda v: not isinstance(v, dict) or all(name in v for name in names)

    def _k_minProperties(self, value: Any, schema: Any) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) >= value

    def _k_maxProperties(self, value: Any, schema: Any) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) <= value

    def _k_properties(self, value: Any, schema: Any) -> Check:
        checks = {name: self.compile(s) for name, s in value.items()}
        return lambda v: not isinstance(v, dict) or all(check(v[name]) for name, check in checks.items() if name in v)

    def _k_patternProperties(self, value: Any, schema: Any) -> Check:
        checks = [(re.compile(pattern), self.compile(s)) for pattern, s in value.items()]
        return lambda v: (
            not isinstance(v, dict)
            or all(check(item) for key, item in v.items() for pattern, check in checks if pattern.search(key))
        )

    def _k_additionalProperties(self, value: Any, schema: Any) -> Check:
        check = self.compile(value)
        known = set(schema.get("properties", {}))
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        return lambda v: (
            not isinstance(v, dict)
            or all(
                check(item)
                for key, item in v.items()
                if key not in known and not any(pattern.search(key) for pattern in patterns)
            )
        )

    def _k_propertyNames(self, value: Any, schema: Any) -> Check:
        check = self.compile(value)
        return lambda v: not isinstance(v, dict) or all(check(key) for key in v)

    def _k_dependencies(self, value: Any, schema: Any) -> Check:
        rules: list[tuple[str, Check]] = []
        for name, rule in value.items():
            if isinstance(rule, list):
                rules.append((name, _has_all(list(rule))))
            else:
                rules.append((name, self.compile(rule)))
        return lambda v: not isinstance(v, dict) or all(check(v) for name, check in rules if name in v)
