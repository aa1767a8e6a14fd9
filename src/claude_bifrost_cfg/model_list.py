"""The models a virtual key may use, as the gateway lists them (``GET /v1/models``: ``provider/model``
ids), grouped by provider."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import RefusedError, UnreachableError

DEFAULT_TIMEOUT = 5.0


def fetch_models(gateway_url: str, key: str | None, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """The model ids ``gateway_url/v1/models`` lists for ``key`` (sent as ``x-bf-vk``, which Bifrost
    reads as the virtual key whatever it looks like)."""
    import httpx

    url = gateway_url.rstrip("/") + "/v1/models"
    headers = {"x-bf-vk": key} if key else {}
    try:
        response = httpx.get(url, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise UnreachableError(
            f"cannot reach the gateway at {url}: {type(exc).__name__}",
            "is Bifrost running there? check the URL (--gateway-url, BIFROST_URL or the profile)",
        ) from None
    if response.status_code in (401, 403):
        raise RefusedError(
            f"{url}: the gateway refused the key ({response.status_code} {_error_type(response)})",
            "give the virtual key in BIFROST_VIRTUAL_KEY or with --key-stdin",
        )
    if response.status_code != 200:
        raise UnreachableError(f"{url} answered {response.status_code}", "is this Bifrost's root URL?")
    try:
        data = response.json()["data"]
        return [str(entry["id"]) for entry in data]
    except (ValueError, KeyError, TypeError):
        raise UnreachableError(f"{url} did not answer with a model list", "is this Bifrost's root URL?") from None


def _error_type(response: object) -> str:
    try:
        body = response.json()  # type: ignore[attr-defined]
        error = body.get("error", {}) if isinstance(body, dict) else {}
        return str(error.get("type") or "") if isinstance(error, dict) else ""
    except ValueError:
        return ""


def by_provider(ids: Iterable[str]) -> dict[str, list[str]]:
    """``provider/model`` ids grouped by provider, each list sorted; ids without a provider under ``""``."""
    groups: dict[str, list[str]] = {}
    for model in ids:
        provider, slash, _ = model.partition("/")
        groups.setdefault(provider if slash else "", []).append(model)
    return {provider: sorted(groups[provider]) for provider in sorted(groups)}
