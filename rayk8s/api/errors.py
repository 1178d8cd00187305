"""Kubernetes ``Status`` errors.

Every failure a user can cause is an :class:`ApiError` carrying the ``Status``
object that kube-apiserver would send: ``code`` (the HTTP status), ``reason``
(a ``metav1.StatusReason`` such as ``NotFound``) and a message worded the way
the real server words it, e.g. ``deployments.apps "x" not found``.  The HTTP
front end serialises ``err.status`` verbatim; the Python client re-raises it.

The constructors take the *qualified resource* (``"deployments.apps"``,
``"pods"``) because that is what kube-apiserver puts in its messages.
"""

from __future__ import annotations

from typing import Any, Iterable


class ApiError(Exception):
    """An error with a Kubernetes ``Status`` body.

    ``status`` is a complete ``v1 Status`` dict; ``code`` and ``reason`` are
    copies of its fields for convenience.
    """

    def __init__(self, status: dict[str, Any]):
        super().__init__(status.get("message", ""))
        self.status = status

    @property
    def code(self) -> int:
        return int(self.status.get("code", 500))

    @property
    def reason(self) -> str:
        return self.status.get("reason", "")

    @property
    def message(self) -> str:
        return self.status.get("message", "")

    def __reduce__(self):  # picklable across Ray
        return (ApiError, (self.status,))

    def __repr__(self) -> str:
        return f"ApiError({self.code}, {self.reason!r}, {self.message!r})"


def non_zero_exit(exit_code: int) -> dict[str, Any]:
    """The Status an exec'd command that exited non-zero ends with (the exec stream's
    error channel): reason ``NonZeroExitCode``, the code as the ``ExitCode`` cause."""
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: command terminated "
                       f"with exit code {exit_code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(exit_code)}]}}


class ExecError(ApiError):
    """An exec'd command that exited non-zero: the ``NonZeroExitCode`` Status, plus what
    it wrote (``stdout``, ``stderr``: text) and its ``exit_code``."""

    def __init__(self, exit_code: int, stdout: str = "", stderr: str = ""):
        super().__init__(non_zero_exit(exit_code))
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr

    def __str__(self) -> str:
        detail = self.stderr.strip() or self.stdout.strip()
        return f"{self.message}: {detail}" if detail else self.message

    def __reduce__(self):
        return (ExecError, (self.exit_code, self.stdout, self.stderr))


def status(code: int, reason: str, message: str,
           details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A failure ``Status`` dict."""
    out: dict[str, Any] = {
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason,
        "code": code,
    }
    if details:
        out["details"] = details
    return out


def success_status(details: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {},
                           "status": "Success"}
    if details:
        out["details"] = details
    return out


def _split(qualified: str) -> tuple[str, str]:
    """``"deployments.apps"`` -> (``"deployments"``, ``"apps"``)."""
    resource, _, group = qualified.partition(".")
    return resource, group


def _details(qualified: str, name: str | None) -> dict[str, Any]:
    resource, group = _split(qualified)
    d: dict[str, Any] = {"kind": resource}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    return d


def not_found(qualified: str, name: str) -> ApiError:
    return ApiError(status(404, "NotFound", f'{qualified} "{name}" not found',
                           _details(qualified, name)))


def already_exists(qualified: str, name: str) -> ApiError:
    return ApiError(status(409, "AlreadyExists", f'{qualified} "{name}" already exists',
                           _details(qualified, name)))


def conflict(qualified: str, name: str, why: str) -> ApiError:
    return ApiError(status(
        409, "Conflict",
        f'Operation cannot be fulfilled on {qualified} "{name}": {why}',
        _details(qualified, name)))


def stale_resource_version(qualified: str, name: str) -> ApiError:
    return conflict(qualified, name,
                    "the object has been modified; please apply your changes "
                    "to the latest version and try again")


class Cause(dict):
    """One ``StatusCause``: ``{"reason", "message", "field"}``."""

    def __init__(self, field: str, message: str, reason: str = "FieldValueInvalid"):
        super().__init__(reason=reason, message=message, field=field)


def invalid(kind: str, name: str, causes: Iterable[dict[str, str]],
            group: str = "") -> ApiError:
    """422 Invalid, as kube-apiserver builds it from a field.ErrorList.

    ``kind`` is the object's Kind (``Deployment``); the message lists every
    cause as ``field: message``.
    """
    causes = list(causes)
    qualified = f"{kind}.{group}" if group else kind
    summary = ", ".join(f"{c['field']}: {c['message']}" if c.get("field") else c["message"]
                        for c in causes)
    details: dict[str, Any] = {"name": name, "kind": kind, "causes": causes}
    if group:
        details["group"] = group
    return ApiError(status(422, "Invalid", f'{qualified} "{name}" is invalid: [{summary}]'
                           if len(causes) > 1 else
                           f'{qualified} "{name}" is invalid: {summary}', details))


def bad_request(message: str) -> ApiError:
    return ApiError(status(400, "BadRequest", message))


def gone(message: str) -> ApiError:
    """410 Gone: a watch or continue token from a compacted revision.

    kube-apiserver says ``Expired`` for some of these and ``Gone`` for others;
    client-go treats both alike (re-list), and we always say ``Gone``.
    """
    return ApiError(status(410, "Gone", message))


def method_not_allowed(message: str) -> ApiError:
    return ApiError(status(405, "MethodNotAllowed", message))


def too_large(message: str = "Request entity too large: limit is 3145728") -> ApiError:
    return ApiError(status(413, "RequestEntityTooLarge", message))


def forbidden(qualified: str, name: str, why: str) -> ApiError:
    return ApiError(status(403, "Forbidden", f'{qualified} "{name}" is forbidden: {why}',
                           _details(qualified, name)))


def internal(message: str) -> ApiError:
    return ApiError(status(500, "InternalError", message))


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(status(415, "UnsupportedMediaType",
                           f"the body of the request was in an unknown format - accepted "
                           f"media types include: application/json, application/yaml "
                           f"({content_type})"))
