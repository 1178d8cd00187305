"""Manifests: YAML or JSON text, a dict, or many, as a list of object dicts.

A ``kind: List`` document is flattened into its items, as kubectl does.
Empty documents (a lone ``---``) are skipped.
"""

from __future__ import annotations

from typing import Iterable

import yaml

from ..api import errors


def documents(manifest: str | dict | Iterable[dict]) -> list[dict]:
    if isinstance(manifest, str):
        try:
            docs = [d for d in yaml.safe_load_all(manifest) if d is not None]
        except yaml.YAMLError as exc:
            raise errors.bad_request(f"error parsing manifest: {exc}") from None
    elif isinstance(manifest, dict):
        docs = [manifest]
    else:
        docs = list(manifest)
    out: list[dict] = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise errors.bad_request(f"a manifest document must be an object, not {type(doc).__name__}")
        if doc.get("kind") == "List" or (doc.get("kind", "").endswith("List") and "items" in doc):
            out.extend(documents(doc.get("items") or []))
        else:
            if not doc.get("apiVersion") or not doc.get("kind"):
                raise errors.bad_request("Object 'Kind' is missing in manifest"
                                         if not doc.get("kind") else
                                         "Object 'apiVersion' is missing in manifest")
            out.append(doc)
    return out
