"""Static bearer-token authentication, as kube-apiserver's ``--token-auth-file``.

The file is CSV, one user a line: ``token,user,uid[,"group1,group2"]``
(blank lines and ``#`` comments skipped).  With a token file every request
needs ``Authorization: Bearer <token>`` naming a known token, else 401
Unauthorized.  ``/version``, ``/healthz``, ``/livez`` and ``/readyz`` stay
open to requests that carry no credentials at all, as kube-apiserver's
``system:public-info-viewer`` role leaves them to anonymous users (and the
kubectl dispatcher's first ``GET /version``, which picks the client
binary, must always succeed); a request that presents a bad token is refused
everywhere.  There is no authorization: every authenticated user may do
everything.
"""

from __future__ import annotations

import csv
import hmac
from dataclasses import dataclass
from pathlib import Path

from ...api import errors

PUBLIC_PATHS = frozenset({"/version", "/healthz", "/livez", "/readyz"})


@dataclass(frozen=True)
class User:
    name: str
    uid: str
    groups: tuple[str, ...] = ()


def load_tokens(path: str | Path) -> dict[str, User]:
    """Parse a token file; raises ValueError naming the bad line."""
    tokens: dict[str, User] = {}
    with open(path, newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh), 1):
            if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
                continue
            if len(row) < 3:
                raise ValueError(f"{path}:{lineno}: want token,user,uid[,groups]")
            token, user, uid = (c.strip() for c in row[:3])
            groups = tuple(g.strip() for g in row[3].split(",") if g.strip()) \
                if len(row) > 3 else ()
            if not token or not user:
                raise ValueError(f"{path}:{lineno}: empty token or user name")
            tokens[token] = User(user, uid, groups)
    return tokens


def first_token(path: str | Path | None) -> str | None:
    """The first token of a token file (what a kubeconfig for it carries)."""
    if not path:
        return None
    tokens = load_tokens(path)
    return next(iter(tokens), None)


def unauthorized() -> errors.ApiError:
    return errors.ApiError(errors.status(401, "Unauthorized", "Unauthorized"))


class TokenAuthenticator:
    def __init__(self, tokens: dict[str, User]):
        self.tokens = tokens

    @classmethod
    def from_file(cls, path: str | Path) -> "TokenAuthenticator":
        return cls(load_tokens(path))

    def authenticate(self, path: str, authorization: str | None) -> User | None:
        """The request's user (None: anonymous, allowed on public paths); raises 401."""
        if not authorization:
            if path in PUBLIC_PATHS:
                return None
            raise unauthorized()
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthorized()
        for known, user in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return user
        raise unauthorized()
