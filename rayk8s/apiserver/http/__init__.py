"""The Kubernetes REST API over HTTP: the front end kubectl and clients talk to.

An aiohttp application over a :class:`rayk8s.apiserver.registry.Registry`,
pure asyncio (no Ray): the apiserver actor runs it in its own event loop, so
an HTTP request reaches the registry as an in-process call.

Modules
- ``server``: the app factory (:func:`server.make_app`), the catch-all
  dispatcher, error and auth middleware, :func:`server.start_server`.
- ``paths``: REST paths -> (group, version, namespace, resource, name,
  subresource), the verb, and the scope checks kube-apiserver's installer
  implies.
- ``negotiate``: Accept (Table, PartialObjectMetadata, plain) and request
  body decoding (JSON, YAML, protobuf) with duplicate-key tracking; JSON
  responses and Status errors.
- ``fieldvalidation``: server-side field validation (unknown and duplicate
  fields) from the official client's model attribute maps.
- ``handlers``: one coroutine per verb, mapping requests to Registry calls.
- ``watch``: chunked watch streams over the registry's long-poll watch.
- ``connect``: log/exec/attach/portforward/proxy routing and the pluggable
  backend (the default one answers 503 until kubelets exist).
- ``discovery``: /version, /api, /apis, APIResourceLists, OpenAPI routes.
- ``params``: query parameters as kube-apiserver's parameter codec reads them.
- ``auth``: static bearer tokens (kube-apiserver's --token-auth-file).
- ``tls``: server SSL contexts and self-signed certificates (kubectl sends
  tokens only over https).
- ``kubeconfig``: a kubeconfig file pointing at a server.

Written elsewhere and called from here: ``tables`` (Table output),
``protobuf`` (protobuf request bodies), ``openapi`` (OpenAPI documents).
"""

from .kubeconfig import write_kubeconfig
from .server import make_app, start_server

__all__ = ["make_app", "start_server", "write_kubeconfig"]
