"""The aiohttp application: routing, middleware, start-up.

One catch-all route feeds :func:`_dispatch`, which answers the fixed
non-resource paths (version, health, discovery, OpenAPI, metrics) and parses
everything else as a resource path (``paths.py``), so that every unknown path
is a 404 ``Status`` and every unsupported method a 405 ``Status`` --
kube-apiserver's answers -- rather than aiohttp's plain-text pages.

Middleware, outermost first:
- errors: an ApiError becomes its Status with its HTTP code; aiohttp's own
  HTTP errors (413 for a body over 3 MiB, ...) become Statuses too; anything
  else is logged and answered 500 InternalError, so nothing a client sends
  crashes the server;
- authentication (only with a token file; see auth.py).

The app needs only a :class:`~rayk8s.apiserver.registry.Registry`; the
apiserver actor builds it over its own registry in its own event loop, tests
over an in-memory store.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ...api import errors
from ...api.kinds import Kind
from . import auth, connect, discovery, handlers, negotiate, paths
from .params import USER, bool_param

log = logging.getLogger(__name__)

_HEALTH = ("/healthz", "/livez", "/readyz")
_AIOHTTP_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                    405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict",
                    413: "RequestEntityTooLarge", 415: "UnsupportedMediaType",
                    429: "TooManyRequests", 500: "InternalError",
                    503: "ServiceUnavailable", 504: "Timeout"}


@dataclass
class Settings:
    """Tunables of the front end (defaults are kube-apiserver's where it has one)."""

    # --min-request-timeout: a watch without timeoutSeconds lasts 1-2x this.
    min_request_timeout: float = 1800.0
    # Longest single registry poll inside a watch stream (disconnect detection).
    watch_poll_seconds: float = 2.0
    # Least time between two idle BOOKMARK events (kube-apiserver: ~1 min).
    bookmark_interval: float = 60.0


class Api:
    """What every handler needs: the registry, the clock, the connect backend."""

    def __init__(self, registry, clock=None, connect_backend=None,
                 settings: Settings | None = None):
        self.registry = registry
        self.clock = clock or registry.clock
        self.connect_backend = connect_backend or connect.Unavailable()
        self.settings = settings or Settings()

    def now(self) -> float:
        return self.clock.now()

    def count(self, verb: str, kind: Kind, subresource: str, namespaced_req: bool,
              code: int, dry_run: bool = False) -> None:
        """Count a request the registry did not count itself."""
        metrics = self.registry.metrics
        scope = ("namespace" if namespaced_req else "cluster") if kind.namespaced else "cluster"
        metrics.requests.labels(verb=verb, dry_run="All" if dry_run else "", group=kind.group,
                                version=kind.version, resource=kind.plural,
                                subresource=subresource, scope=scope,
                                component=metrics.component, code=str(code)).inc()


API = web.AppKey("rayk8s.api", Api)
AUTH = web.AppKey("rayk8s.auth", object)


def make_app(registry, *, clock=None, token_file=None, connect_backend=None,
             settings: Settings | None = None) -> web.Application:
    """The REST API over ``registry``.

    ``token_file``: require bearer tokens from this kube-apiserver style CSV.
    ``connect_backend``: serves pods/log, exec, attach, portforward and proxy
    (default: 503 until kubelets exist; see connect.py).
    """
    app = web.Application(client_max_size=negotiate.MAX_BODY_BYTES,
                          middlewares=[_errors_middleware, _auth_middleware])
    app[API] = Api(registry, clock, connect_backend, settings)
    app[AUTH] = auth.TokenAuthenticator.from_file(token_file) if token_file else None
    app.router.add_route("*", "/{tail:.*}", _dispatch)
    return app


async def start_server(app: web.Application, host: str = "127.0.0.1", port: int = 0,
                       ssl_context: ssl.SSLContext | None = None) -> tuple[web.AppRunner, str]:
    """Serve ``app``; returns the runner (``await runner.cleanup()`` stops it)
    and the URL clients use (``http[s]://host:port``)."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context, reuse_address=True)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = runner.addresses[0][1]
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return runner, f"{'https' if ssl_context else 'http'}://{shown}:{bound}"


# ------------------------------------------------------------- middleware

@web.middleware
async def _errors_middleware(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.ApiError as exc:
        return negotiate.status_response(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        reason = _AIOHTTP_REASONS.get(exc.status, "Unknown")
        message = exc.text if exc.text and not exc.text.startswith(str(exc.status)) \
            else exc.reason
        return negotiate.status_response(request, errors.ApiError(
            errors.status(exc.status, reason, message or reason)))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug must not take the server down
        log.exception("%s %s failed", request.method, request.path_qs)
        return negotiate.status_response(request, errors.internal(
            f"an error on the server ({type(exc).__name__}: {exc}) has prevented the "
            f"request from succeeding"))


@web.middleware
async def _auth_middleware(request: web.Request, handler) -> web.StreamResponse:
    authenticator = request.app[AUTH]
    if authenticator is not None:
        request[USER] = authenticator.authenticate(request.path,
                                                     request.headers.get("Authorization"))
    return await handler(request)


# --------------------------------------------------------------- dispatch

def _text(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/plain")


async def _non_resource(api: Api, request: web.Request) -> web.StreamResponse | None:
    """Version, health, discovery, OpenAPI and metrics; None for other paths."""
    path = request.path
    if path == "/version":
        return negotiate.json_response(request, discovery.version())
    if path in _HEALTH or any(path.startswith(h + "/") for h in _HEALTH):
        return _text("ok")
    if path == "/metrics":
        return web.Response(body=generate_latest(api.registry.metrics.registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})
    if path == "/":
        return negotiate.json_response(request, discovery.root_paths())
    if path in ("/api", "/api/"):
        return negotiate.json_response(request, discovery.api_versions(request.host))
    if path in ("/apis", "/apis/"):
        return negotiate.json_response(request, discovery.api_group_list())
    if path == "/openapi/v3" or path == "/openapi/v3/":
        return negotiate.json_response(request, discovery.openapi_v3_root())
    if path.startswith("/openapi/v3/"):
        body, digest = discovery.openapi_v3_document(path[len("/openapi/v3/"):])
        resp = negotiate.bytes_response(request, body)
        if digest:
            resp.headers["Etag"] = f'"{digest}"'
        if request.query.get("hash"):
            resp.headers["Cache-Control"] = "public, immutable"
        return resp
    if path == "/openapi/v2":
        return negotiate.json_response(
            request, discovery.openapi_v2(request.headers.get("Accept", "")))
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) == 2:
        return negotiate.json_response(request, discovery.resource_list("", parts[1]))
    if parts[0] == "apis" and len(parts) == 2:
        return negotiate.json_response(request, discovery.api_group(parts[1]))
    if parts[0] == "apis" and len(parts) == 3:
        return negotiate.json_response(request, discovery.resource_list(parts[1], parts[2]))
    return None


async def _dispatch(request: web.Request) -> web.StreamResponse:
    api = request.app[API]
    rp = paths.parse(request.path)
    if rp is None:
        if request.method not in ("GET", "HEAD"):
            if _is_known_non_resource(request.path):
                raise paths.method_not_allowed()
            raise paths.not_found()
        resp = await _non_resource(api, request)
        if resp is None:
            raise paths.not_found()
        return resp
    rr = paths.resolve(request.method, rp, bool(bool_param(request.query, "watch")))
    return await handlers.handle(api, request, rr)


def _is_known_non_resource(path: str) -> bool:
    path = path.rstrip("/") or "/"
    return (path in discovery.NON_RESOURCE_PATHS or path == "/"
            or path.startswith("/apis/") or path.startswith("/openapi/"))


__all__: list[Any] = ["Api", "Settings", "make_app", "start_server"]
