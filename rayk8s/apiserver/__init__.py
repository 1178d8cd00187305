"""kube-apiserver's logic: the registry (CRUD, watch, subresources), admission,
strategies, the watch cache and metrics.  Pure asyncio; no Ray, no HTTP here."""
