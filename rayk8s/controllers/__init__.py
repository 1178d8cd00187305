"""kube-controller-manager's controllers: one module each, pure ``sync`` functions
(see base.py), run by manager.py over shared informers."""
