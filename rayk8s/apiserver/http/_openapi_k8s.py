"""Facts the Python client's models leave out, for the OpenAPI documents (data, generated).

``openapi.py`` builds its schemas from the official ``kubernetes`` package's models.
Two things the models do not carry are kept here, keyed by OpenAPI schema name and
JSON field name:

- ``PATCH``: ``x-kubernetes-patch-strategy`` and ``x-kubernetes-patch-merge-key``
  (``""`` when there is none), which ``kubectl apply`` reads to build strategic
  merge patches (containers merged by ``name``, ports by ``containerPort``, ...);
- ``FIELD_DOCS``: the descriptions of fields whose type is another schema
  (``spec``, ``strategy``, ``template``...), which the models drop but
  ``kubectl explain`` prints.

Provenance: the ``patchStrategy``/``patchMergeKey`` struct tags and the
``types_swagger_doc_generated.go`` texts of k8s.io/api and k8s.io/apimachinery
v0.32.13 (Kubernetes 1.32), for every type reachable from the served kinds, their
lists, autoscaling/v1 Scale, meta/v1 DeleteOptions and Status.
"""

from __future__ import annotations

PATCH: dict[str, dict[str, tuple[str, str]]] = {
    "io.k8s.api.apps.v1.DaemonSetStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.apps.v1.DeploymentSpec": {
        "strategy": ("retainKeys", ""),
    },
    "io.k8s.api.apps.v1.DeploymentStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.apps.v1.ReplicaSetStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.apps.v1.StatefulSetStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.batch.v1.JobStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.core.v1.Container": {
        "env": ("merge", "name"),
        "ports": ("merge", "containerPort"),
        "volumeDevices": ("merge", "devicePath"),
        "volumeMounts": ("merge", "mountPath"),
    },
    "io.k8s.api.core.v1.ContainerStatus": {
        "allocatedResourcesStatus": ("merge", "name"),
        "volumeMounts": ("merge", "mountPath"),
    },
    "io.k8s.api.core.v1.EphemeralContainer": {
        "env": ("merge", "name"),
        "ports": ("merge", "containerPort"),
        "volumeDevices": ("merge", "devicePath"),
        "volumeMounts": ("merge", "mountPath"),
    },
    "io.k8s.api.core.v1.NamespaceStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.core.v1.NodeSpec": {
        "podCIDRs": ("merge", ""),
    },
    "io.k8s.api.core.v1.NodeStatus": {
        "addresses": ("merge", "type"),
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.core.v1.PersistentVolumeClaimStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.core.v1.PodSpec": {
        "containers": ("merge", "name"),
        "ephemeralContainers": ("merge", "name"),
        "hostAliases": ("merge", "ip"),
        "imagePullSecrets": ("merge", "name"),
        "initContainers": ("merge", "name"),
        "resourceClaims": ("merge,retainKeys", "name"),
        "schedulingGates": ("merge", "name"),
        "topologySpreadConstraints": ("merge", "topologyKey"),
        "volumes": ("merge,retainKeys", "name"),
    },
    "io.k8s.api.core.v1.PodStatus": {
        "conditions": ("merge", "type"),
        "hostIPs": ("merge", "ip"),
        "podIPs": ("merge", "ip"),
        "resourceClaimStatuses": ("merge,retainKeys", "name"),
    },
    "io.k8s.api.core.v1.ReplicationControllerStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.api.core.v1.ServiceAccount": {
        "secrets": ("merge", "name"),
    },
    "io.k8s.api.core.v1.ServiceSpec": {
        "ports": ("merge", "port"),
    },
    "io.k8s.api.core.v1.ServiceStatus": {
        "conditions": ("merge", "type"),
    },
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
        "finalizers": ("merge", ""),
        "ownerReferences": ("merge", "uid"),
    },
}

FIELD_DOCS: dict[str, dict[str, str]] = {
    "io.k8s.api.apps.v1.DaemonSet": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "The desired behavior of this daemon set. More info: https://git.k8s.io/commu"
            "nity/contributors/devel/sig-architecture/api-conventions.md#spec-and-status"
        ),
        "status": (
            "The current status of this daemon set. This data may be out of date by some "
            "window of time. Populated by the system. Read-only. More info: https://git.k"
            "8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-"
            "and-status"
        ),
    },
    "io.k8s.api.apps.v1.DaemonSetList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.apps.v1.DaemonSetSpec": {
        "selector": (
            "A label query over pods that are managed by the daemon set. Must match in "
            "order to be controlled. It must match the pod template's labels. More info: "
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#la"
            "bel-selectors"
        ),
        "template": (
            "An object that describes the pod that will be created. The DaemonSet will "
            "create exactly one copy of this pod on every node that matches the "
            "template's node selector (or on every node if no node selector is "
            "specified). The only allowed template.spec.restartPolicy value is \"Always\". "
            "More info: https://kubernetes.io/docs/concepts/workloads/controllers/replica"
            "tioncontroller#pod-template"
        ),
        "updateStrategy": "An update strategy to replace existing DaemonSet pods with new pods.",
    },
    "io.k8s.api.apps.v1.DaemonSetUpdateStrategy": {
        "rollingUpdate": "Rolling update config params. Present only if type = \"RollingUpdate\".",
    },
    "io.k8s.api.apps.v1.Deployment": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": "Specification of the desired behavior of the Deployment.",
        "status": "Most recently observed status of the Deployment.",
    },
    "io.k8s.api.apps.v1.DeploymentList": {
        "metadata": "Standard list metadata.",
    },
    "io.k8s.api.apps.v1.DeploymentSpec": {
        "selector": (
            "Label selector for pods. Existing ReplicaSets whose pods are selected by "
            "this will be the ones affected by this deployment. It must match the pod "
            "template's labels."
        ),
        "strategy": "The deployment strategy to use to replace existing pods with new ones.",
        "template": (
            "Template describes the pods that will be created. The only allowed "
            "template.spec.restartPolicy value is \"Always\"."
        ),
    },
    "io.k8s.api.apps.v1.DeploymentStrategy": {
        "rollingUpdate": (
            "Rolling update config params. Present only if DeploymentStrategyType = "
            "RollingUpdate."
        ),
    },
    "io.k8s.api.apps.v1.ReplicaSet": {
        "metadata": (
            "If the Labels of a ReplicaSet are empty, they are defaulted to be the same "
            "as the Pod(s) that the ReplicaSet manages. Standard object's metadata. More "
            "info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-c"
            "onventions.md#metadata"
        ),
        "spec": (
            "Spec defines the specification of the desired behavior of the ReplicaSet. "
            "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/"
            "api-conventions.md#spec-and-status"
        ),
        "status": (
            "Status is the most recently observed status of the ReplicaSet. This data may"
            " be out of date by some window of time. Populated by the system. Read-only. "
            "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/"
            "api-conventions.md#spec-and-status"
        ),
    },
    "io.k8s.api.apps.v1.ReplicaSetList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.apps.v1.ReplicaSetSpec": {
        "selector": (
            "Selector is a label query over pods that should match the replica count. "
            "Label keys and values that must match in order to be controlled by this "
            "replica set. It must match the pod template's labels. More info: https://kub"
            "ernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selecto"
            "rs"
        ),
        "template": (
            "Template is the object that describes the pod that will be created if "
            "insufficient replicas are detected. More info: https://kubernetes.io/docs/co"
            "ncepts/workloads/controllers/replicationcontroller#pod-template"
        ),
    },
    "io.k8s.api.apps.v1.StatefulSet": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": "Spec defines the desired identities of pods in this set.",
        "status": (
            "Status is the current status of Pods in this StatefulSet. This data may be "
            "out of date by some window of time."
        ),
    },
    "io.k8s.api.apps.v1.StatefulSetList": {
        "metadata": (
            "Standard list's metadata. More info: https://git.k8s.io/community/contributo"
            "rs/devel/sig-architecture/api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.apps.v1.StatefulSetSpec": {
        "ordinals": (
            "ordinals controls the numbering of replica indices in a StatefulSet. The "
            "default ordinals behavior assigns a \"0\" index to the first replica and "
            "increments the index by one for each additional replica requested."
        ),
        "persistentVolumeClaimRetentionPolicy": (
            "persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent "
            "volume claims created from volumeClaimTemplates. By default, all persistent "
            "volume claims are created as needed and retained until manually deleted. "
            "This policy allows the lifecycle to be altered, for example by deleting "
            "persistent volume claims when their stateful set is deleted, or when their "
            "pod is scaled down."
        ),
        "selector": (
            "selector is a label query over pods that should match the replica count. It "
            "must match the pod template's labels. More info: https://kubernetes.io/docs/"
            "concepts/overview/working-with-objects/labels/#label-selectors"
        ),
        "template": (
            "template is the object that describes the pod that will be created if "
            "insufficient replicas are detected. Each pod stamped out by the StatefulSet "
            "will fulfill this Template, but have a unique identity from the rest of the "
            "StatefulSet. Each pod will be named with the format "
            "<statefulsetname>-<podindex>. For example, a pod in a StatefulSet named "
            "\"web\" with index number \"3\" would be named \"web-3\". The only allowed "
            "template.spec.restartPolicy value is \"Always\"."
        ),
        "updateStrategy": (
            "updateStrategy indicates the StatefulSetUpdateStrategy that will be employed"
            " to update Pods in the StatefulSet when a revision is made to Template."
        ),
    },
    "io.k8s.api.apps.v1.StatefulSetUpdateStrategy": {
        "rollingUpdate": (
            "RollingUpdate is used to communicate parameters when Type is "
            "RollingUpdateStatefulSetStrategyType."
        ),
    },
    "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler": {
        "metadata": (
            "Standard object metadata. More info: https://git.k8s.io/community/contributo"
            "rs/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "spec defines the behaviour of autoscaler. More info: https://git.k8s.io/comm"
            "unity/contributors/devel/sig-architecture/api-conventions.md#spec-and-status"
            "."
        ),
        "status": "status is the current information about the autoscaler.",
    },
    "io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerList": {
        "metadata": "Standard list metadata.",
    },
    "io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec": {
        "scaleTargetRef": (
            "reference to scaled resource; horizontal pod autoscaler will learn the "
            "current resource consumption and will set the desired number of pods by "
            "using its Scale subresource."
        ),
    },
    "io.k8s.api.autoscaling.v1.Scale": {
        "metadata": (
            "Standard object metadata; More info: https://git.k8s.io/community/contributo"
            "rs/devel/sig-architecture/api-conventions.md#metadata."
        ),
        "spec": (
            "spec defines the behavior of the scale. More info: https://git.k8s.io/commun"
            "ity/contributors/devel/sig-architecture/api-conventions.md#spec-and-status."
        ),
        "status": (
            "status is the current status of the scale. More info: https://git.k8s.io/com"
            "munity/contributors/devel/sig-architecture/api-conventions.md#spec-and-statu"
            "s. Read-only."
        ),
    },
    "io.k8s.api.autoscaling.v2.ContainerResourceMetricSource": {
        "target": "target specifies the target value for the given metric",
    },
    "io.k8s.api.autoscaling.v2.ContainerResourceMetricStatus": {
        "current": "current contains the current value for the given metric",
    },
    "io.k8s.api.autoscaling.v2.ExternalMetricSource": {
        "metric": "metric identifies the target metric by name and selector",
        "target": "target specifies the target value for the given metric",
    },
    "io.k8s.api.autoscaling.v2.ExternalMetricStatus": {
        "current": "current contains the current value for the given metric",
        "metric": "metric identifies the target metric by name and selector",
    },
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler": {
        "metadata": (
            "metadata is the standard object metadata. More info: https://git.k8s.io/comm"
            "unity/contributors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "spec is the specification for the behaviour of the autoscaler. More info: ht"
            "tps://git.k8s.io/community/contributors/devel/sig-architecture/api-conventio"
            "ns.md#spec-and-status."
        ),
        "status": "status is the current information about the autoscaler.",
    },
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerBehavior": {
        "scaleDown": (
            "scaleDown is scaling policy for scaling Down. If not set, the default value "
            "is to allow to scale down to minReplicas pods, with a 300 second "
            "stabilization window (i.e., the highest recommendation for the last 300sec "
            "is used)."
        ),
        "scaleUp": (
            "scaleUp is scaling policy for scaling Up. If not set, the default value is "
            "the higher of:\n  * increase no more than 4 pods per 60 seconds\n  * double "
            "the number of pods per 60 seconds\nNo stabilization is used."
        ),
    },
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerList": {
        "metadata": "metadata is the standard list metadata.",
    },
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec": {
        "behavior": (
            "behavior configures the scaling behavior of the target in both Up and Down "
            "directions (scaleUp and scaleDown fields respectively). If not set, the "
            "default HPAScalingRules for scale up and scale down are used."
        ),
        "scaleTargetRef": (
            "scaleTargetRef points to the target resource to scale, and is used to the "
            "pods for which metrics should be collected, as well as to actually change "
            "the replica count."
        ),
    },
    "io.k8s.api.autoscaling.v2.MetricIdentifier": {
        "selector": (
            "selector is the string-encoded form of a standard kubernetes label selector "
            "for the given metric When set, it is passed as an additional parameter to "
            "the metrics server for more specific metrics scoping. When unset, just the "
            "metricName will be used to gather metrics."
        ),
    },
    "io.k8s.api.autoscaling.v2.MetricSpec": {
        "containerResource": (
            "containerResource refers to a resource metric (such as those specified in "
            "requests and limits) known to Kubernetes describing a single container in "
            "each pod of the current scale target (e.g. CPU or memory). Such metrics are "
            "built in to Kubernetes, and have special scaling options on top of those "
            "available to normal per-pod metrics using the \"pods\" source."
        ),
        "external": (
            "external refers to a global metric that is not associated with any "
            "Kubernetes object. It allows autoscaling based on information coming from "
            "components running outside of cluster (for example length of queue in cloud "
            "messaging service, or QPS from loadbalancer running outside of cluster)."
        ),
        "object": (
            "object refers to a metric describing a single kubernetes object (for "
            "example, hits-per-second on an Ingress object)."
        ),
        "pods": (
            "pods refers to a metric describing each pod in the current scale target (for"
            " example, transactions-processed-per-second).  The values will be averaged "
            "together before being compared to the target value."
        ),
        "resource": (
            "resource refers to a resource metric (such as those specified in requests "
            "and limits) known to Kubernetes describing each pod in the current scale "
            "target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and "
            "have special scaling options on top of those available to normal per-pod "
            "metrics using the \"pods\" source."
        ),
    },
    "io.k8s.api.autoscaling.v2.MetricStatus": {
        "containerResource": (
            "container resource refers to a resource metric (such as those specified in "
            "requests and limits) known to Kubernetes describing a single container in "
            "each pod in the current scale target (e.g. CPU or memory). Such metrics are "
            "built in to Kubernetes, and have special scaling options on top of those "
            "available to normal per-pod metrics using the \"pods\" source."
        ),
        "external": (
            "external refers to a global metric that is not associated with any "
            "Kubernetes object. It allows autoscaling based on information coming from "
            "components running outside of cluster (for example length of queue in cloud "
            "messaging service, or QPS from loadbalancer running outside of cluster)."
        ),
        "object": (
            "object refers to a metric describing a single kubernetes object (for "
            "example, hits-per-second on an Ingress object)."
        ),
        "pods": (
            "pods refers to a metric describing each pod in the current scale target (for"
            " example, transactions-processed-per-second).  The values will be averaged "
            "together before being compared to the target value."
        ),
        "resource": (
            "resource refers to a resource metric (such as those specified in requests "
            "and limits) known to Kubernetes describing each pod in the current scale "
            "target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and "
            "have special scaling options on top of those available to normal per-pod "
            "metrics using the \"pods\" source."
        ),
    },
    "io.k8s.api.autoscaling.v2.ObjectMetricSource": {
        "describedObject": (
            "describedObject specifies the descriptions of a object,such as kind,name "
            "apiVersion"
        ),
        "metric": "metric identifies the target metric by name and selector",
        "target": "target specifies the target value for the given metric",
    },
    "io.k8s.api.autoscaling.v2.ObjectMetricStatus": {
        "current": "current contains the current value for the given metric",
        "describedObject": (
            "DescribedObject specifies the descriptions of a object,such as kind,name "
            "apiVersion"
        ),
        "metric": "metric identifies the target metric by name and selector",
    },
    "io.k8s.api.autoscaling.v2.PodsMetricSource": {
        "metric": "metric identifies the target metric by name and selector",
        "target": "target specifies the target value for the given metric",
    },
    "io.k8s.api.autoscaling.v2.PodsMetricStatus": {
        "current": "current contains the current value for the given metric",
        "metric": "metric identifies the target metric by name and selector",
    },
    "io.k8s.api.autoscaling.v2.ResourceMetricSource": {
        "target": "target specifies the target value for the given metric",
    },
    "io.k8s.api.autoscaling.v2.ResourceMetricStatus": {
        "current": "current contains the current value for the given metric",
    },
    "io.k8s.api.batch.v1.Job": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "Specification of the desired behavior of a job. More info: https://git.k8s.i"
            "o/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-"
            "status"
        ),
        "status": (
            "Current status of a job. More info: https://git.k8s.io/community/contributor"
            "s/devel/sig-architecture/api-conventions.md#spec-and-status"
        ),
    },
    "io.k8s.api.batch.v1.JobList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.batch.v1.JobSpec": {
        "podFailurePolicy": (
            "Specifies the policy of handling failed pods. In particular, it allows to "
            "specify the set of actions and conditions which need to be satisfied to take"
            " the associated action. If empty, the default behaviour applies - the "
            "counter of failed pods, represented by the jobs's .status.failed field, is "
            "incremented and it is checked against the backoffLimit. This field cannot be"
            " used in combination with restartPolicy=OnFailure."
        ),
        "selector": (
            "A label query over pods that should match the pod count. Normally, the "
            "system sets this field for you. More info: https://kubernetes.io/docs/concep"
            "ts/overview/working-with-objects/labels/#label-selectors"
        ),
        "successPolicy": (
            "successPolicy specifies the policy when the Job can be declared as "
            "succeeded. If empty, the default behavior applies - the Job is declared as "
            "succeeded only when the number of succeeded pods equals to the completions. "
            "When the field is specified, it must be immutable and works only for the "
            "Indexed Jobs. Once the Job meets the SuccessPolicy, the lingering pods are "
            "terminated.\n\nThis field is beta-level. To use this field, you must enable "
            "the `JobSuccessPolicy` feature gate (enabled by default)."
        ),
        "template": (
            "Describes the pod that will be created when executing a job. The only "
            "allowed template.spec.restartPolicy values are \"Never\" or \"OnFailure\". More "
            "info: https://kubernetes.io/docs/concepts/workloads/controllers/jobs-run-to-"
            "completion/"
        ),
    },
    "io.k8s.api.batch.v1.JobStatus": {
        "uncountedTerminatedPods": (
            "uncountedTerminatedPods holds the UIDs of Pods that have terminated but the "
            "job controller hasn't yet accounted for in the status counters.\n\nThe job "
            "controller creates pods with a finalizer. When a pod terminates (succeeded "
            "or failed), the controller does three steps to account for it in the job "
            "status:\n\n1. Add the pod UID to the arrays in this field. 2. Remove the pod "
            "finalizer. 3. Remove the pod UID from the arrays while increasing the "
            "corresponding\n    counter.\n\nOld jobs might not be tracked using this field, "
            "in which case the field remains null. The structure is empty for finished "
            "jobs."
        ),
    },
    "io.k8s.api.batch.v1.PodFailurePolicyRule": {
        "onExitCodes": "Represents the requirement on the container exit codes.",
    },
    "io.k8s.api.coordination.v1.Lease": {
        "metadata": (
            "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/"
            "api-conventions.md#metadata"
        ),
        "spec": (
            "spec contains the specification of the Lease. More info: https://git.k8s.io/"
            "community/contributors/devel/sig-architecture/api-conventions.md#spec-and-st"
            "atus"
        ),
    },
    "io.k8s.api.coordination.v1.LeaseList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.core.v1.Affinity": {
        "nodeAffinity": "Describes node affinity scheduling rules for the pod.",
        "podAffinity": (
            "Describes pod affinity scheduling rules (e.g. co-locate this pod in the same"
            " node, zone, etc. as some other pod(s))."
        ),
        "podAntiAffinity": (
            "Describes pod anti-affinity scheduling rules (e.g. avoid putting this pod in"
            " the same node, zone, etc. as some other pod(s))."
        ),
    },
    "io.k8s.api.core.v1.Binding": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "target": "The target object that you want to bind to the standard object.",
    },
    "io.k8s.api.core.v1.CSIPersistentVolumeSource": {
        "controllerExpandSecretRef": (
            "controllerExpandSecretRef is a reference to the secret object containing "
            "sensitive information to pass to the CSI driver to complete the CSI "
            "ControllerExpandVolume call. This field is optional, and may be empty if no "
            "secret is required. If the secret object contains more than one secret, all "
            "secrets are passed."
        ),
        "controllerPublishSecretRef": (
            "controllerPublishSecretRef is a reference to the secret object containing "
            "sensitive information to pass to the CSI driver to complete the CSI "
            "ControllerPublishVolume and ControllerUnpublishVolume calls. This field is "
            "optional, and may be empty if no secret is required. If the secret object "
            "contains more than one secret, all secrets are passed."
        ),
        "nodeExpandSecretRef": (
            "nodeExpandSecretRef is a reference to the secret object containing sensitive"
            " information to pass to the CSI driver to complete the CSI NodeExpandVolume "
            "call. This field is optional, may be omitted if no secret is required. If "
            "the secret object contains more than one secret, all secrets are passed."
        ),
        "nodePublishSecretRef": (
            "nodePublishSecretRef is a reference to the secret object containing "
            "sensitive information to pass to the CSI driver to complete the CSI "
            "NodePublishVolume and NodeUnpublishVolume calls. This field is optional, and"
            " may be empty if no secret is required. If the secret object contains more "
            "than one secret, all secrets are passed."
        ),
        "nodeStageSecretRef": (
            "nodeStageSecretRef is a reference to the secret object containing sensitive "
            "information to pass to the CSI driver to complete the CSI NodeStageVolume "
            "and NodeStageVolume and NodeUnstageVolume calls. This field is optional, and"
            " may be empty if no secret is required. If the secret object contains more "
            "than one secret, all secrets are passed."
        ),
    },
    "io.k8s.api.core.v1.CSIVolumeSource": {
        "nodePublishSecretRef": (
            "nodePublishSecretRef is a reference to the secret object containing "
            "sensitive information to pass to the CSI driver to complete the CSI "
            "NodePublishVolume and NodeUnpublishVolume calls. This field is optional, and"
            "  may be empty if no secret is required. If the secret object contains more "
            "than one secret, all secret references are passed."
        ),
    },
    "io.k8s.api.core.v1.CephFSPersistentVolumeSource": {
        "secretRef": (
            "secretRef is Optional: SecretRef is reference to the authentication secret "
            "for User, default is empty. More info: "
            "https://examples.k8s.io/volumes/cephfs/README.md#how-to-use-it"
        ),
    },
    "io.k8s.api.core.v1.CephFSVolumeSource": {
        "secretRef": (
            "secretRef is Optional: SecretRef is reference to the authentication secret "
            "for User, default is empty. More info: "
            "https://examples.k8s.io/volumes/cephfs/README.md#how-to-use-it"
        ),
    },
    "io.k8s.api.core.v1.CinderPersistentVolumeSource": {
        "secretRef": (
            "secretRef is Optional: points to a secret object containing parameters used "
            "to connect to OpenStack."
        ),
    },
    "io.k8s.api.core.v1.CinderVolumeSource": {
        "secretRef": (
            "secretRef is optional: points to a secret object containing parameters used "
            "to connect to OpenStack."
        ),
    },
    "io.k8s.api.core.v1.ClusterTrustBundleProjection": {
        "labelSelector": (
            "Select all ClusterTrustBundles that match this label selector.  Only has "
            "effect if signerName is set.  Mutually-exclusive with name.  If unset, "
            "interpreted as \"match nothing\".  If set but empty, interpreted as \"match "
            "everything\"."
        ),
    },
    "io.k8s.api.core.v1.ConfigMap": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.core.v1.ConfigMapList": {
        "metadata": (
            "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/"
            "api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.core.v1.Container": {
        "lifecycle": (
            "Actions that the management system should take in response to container "
            "lifecycle events. Cannot be updated."
        ),
        "livenessProbe": (
            "Periodic probe of container liveness. Container will be restarted if the "
            "probe fails. Cannot be updated. More info: https://kubernetes.io/docs/concep"
            "ts/workloads/pods/pod-lifecycle#container-probes"
        ),
        "readinessProbe": (
            "Periodic probe of container service readiness. Container will be removed "
            "from service endpoints if the probe fails. Cannot be updated. More info: htt"
            "ps://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-prob"
            "es"
        ),
        "resources": (
            "Compute Resources required by this container. Cannot be updated. More info: "
            "https://kubernetes.io/docs/concepts/configuration/manage-resources-container"
            "s/"
        ),
        "securityContext": (
            "SecurityContext defines the security options the container should be run "
            "with. If set, the fields of SecurityContext override the equivalent fields "
            "of PodSecurityContext. More info: "
            "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"
        ),
        "startupProbe": (
            "StartupProbe indicates that the Pod has successfully initialized. If "
            "specified, no other probes are executed until this completes successfully. "
            "If this probe fails, the Pod will be restarted, just as if the livenessProbe"
            " failed. This can be used to provide different probe parameters at the "
            "beginning of a Pod's lifecycle, when it might take a long time to load data "
            "or warm a cache, than during steady-state operation. This cannot be updated."
            " More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle"
            "#container-probes"
        ),
    },
    "io.k8s.api.core.v1.ContainerState": {
        "running": "Details about a running container",
        "terminated": "Details about a terminated container",
        "waiting": "Details about a waiting container",
    },
    "io.k8s.api.core.v1.ContainerStatus": {
        "lastState": (
            "LastTerminationState holds the last termination state of the container to "
            "help debug container crashes and restarts. This field is not populated if "
            "the container is still running and RestartCount is 0."
        ),
        "resources": (
            "Resources represents the compute resource requests and limits that have been"
            " successfully enacted on the running container after it has been started or "
            "has been successfully resized."
        ),
        "state": "State holds details about the container's current condition.",
        "user": (
            "User represents user identity information initially attached to the first "
            "process of the container"
        ),
    },
    "io.k8s.api.core.v1.ContainerUser": {
        "linux": (
            "Linux holds user identity information initially attached to the first "
            "process of the containers in Linux. Note that the actual running identity "
            "can be changed if the process has enough privilege to do so."
        ),
    },
    "io.k8s.api.core.v1.DownwardAPIVolumeFile": {
        "fieldRef": (
            "Required: Selects a field of the pod: only annotations, labels, name, "
            "namespace and uid are supported."
        ),
        "resourceFieldRef": (
            "Selects a resource of the container: only resources limits and requests "
            "(limits.cpu, limits.memory, requests.cpu and requests.memory) are currently "
            "supported."
        ),
    },
    "io.k8s.api.core.v1.EndpointAddress": {
        "targetRef": "Reference to object providing the endpoint.",
    },
    "io.k8s.api.core.v1.Endpoints": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.core.v1.EndpointsList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.EnvFromSource": {
        "configMapRef": "The ConfigMap to select from",
        "secretRef": "The Secret to select from",
    },
    "io.k8s.api.core.v1.EnvVar": {
        "valueFrom": (
            "Source for the environment variable's value. Cannot be used if value is not "
            "empty."
        ),
    },
    "io.k8s.api.core.v1.EnvVarSource": {
        "configMapKeyRef": "Selects a key of a ConfigMap.",
        "fieldRef": (
            "Selects a field of the pod: supports metadata.name, metadata.namespace, "
            "`metadata.labels['<KEY>']`, `metadata.annotations['<KEY>']`, spec.nodeName, "
            "spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs."
        ),
        "resourceFieldRef": (
            "Selects a resource of the container: only resources limits and requests "
            "(limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, "
            "requests.memory and requests.ephemeral-storage) are currently supported."
        ),
        "secretKeyRef": "Selects a key of a secret in the pod's namespace",
    },
    "io.k8s.api.core.v1.EphemeralContainer": {
        "lifecycle": "Lifecycle is not allowed for ephemeral containers.",
        "livenessProbe": "Probes are not allowed for ephemeral containers.",
        "readinessProbe": "Probes are not allowed for ephemeral containers.",
        "resources": (
            "Resources are not allowed for ephemeral containers. Ephemeral containers use"
            " spare resources already allocated to the pod."
        ),
        "securityContext": (
            "Optional: SecurityContext defines the security options the ephemeral "
            "container should be run with. If set, the fields of SecurityContext override"
            " the equivalent fields of PodSecurityContext."
        ),
        "startupProbe": "Probes are not allowed for ephemeral containers.",
    },
    "io.k8s.api.core.v1.EphemeralVolumeSource": {
        "volumeClaimTemplate": (
            "Will be used to create a stand-alone PVC to provision the volume. The pod in"
            " which this EphemeralVolumeSource is embedded will be the owner of the PVC, "
            "i.e. the PVC will be deleted together with the pod.  The name of the PVC "
            "will be `<pod name>-<volume name>` where `<volume name>` is the name from "
            "the `PodSpec.Volumes` array entry. Pod validation will reject the pod if the"
            " concatenated name is not valid for a PVC (for example, too long).\n\nAn "
            "existing PVC with that name that is not owned by the pod will *not* be used "
            "for the pod to avoid using an unrelated volume by mistake. Starting the pod "
            "is then blocked until the unrelated PVC is removed. If such a pre-created "
            "PVC is meant to be used by the pod, the PVC has to updated with an owner "
            "reference to the pod once the pod exists. Normally this should not be "
            "necessary, but it may be useful when manually reconstructing a broken "
            "cluster.\n\nThis field is read-only and no changes will be made by Kubernetes "
            "to the PVC after it has been created.\n\nRequired, must not be nil."
        ),
    },
    "io.k8s.api.core.v1.Event": {
        "involvedObject": "The object that this event is about.",
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "related": "Optional secondary object for more complex actions.",
        "series": (
            "Data about the Event series this event represents or nil if it's a singleton"
            " Event."
        ),
        "source": (
            "The component reporting this event. Should be a short machine understandable"
            " string."
        ),
    },
    "io.k8s.api.core.v1.EventList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.FlexPersistentVolumeSource": {
        "secretRef": (
            "secretRef is Optional: SecretRef is reference to the secret object "
            "containing sensitive information to pass to the plugin scripts. This may be "
            "empty if no secret object is specified. If the secret object contains more "
            "than one secret, all secrets are passed to the plugin scripts."
        ),
    },
    "io.k8s.api.core.v1.FlexVolumeSource": {
        "secretRef": (
            "secretRef is Optional: secretRef is reference to the secret object "
            "containing sensitive information to pass to the plugin scripts. This may be "
            "empty if no secret object is specified. If the secret object contains more "
            "than one secret, all secrets are passed to the plugin scripts."
        ),
    },
    "io.k8s.api.core.v1.ISCSIPersistentVolumeSource": {
        "secretRef": "secretRef is the CHAP Secret for iSCSI target and initiator authentication",
    },
    "io.k8s.api.core.v1.ISCSIVolumeSource": {
        "secretRef": "secretRef is the CHAP Secret for iSCSI target and initiator authentication",
    },
    "io.k8s.api.core.v1.Lifecycle": {
        "postStart": (
            "PostStart is called immediately after a container is created. If the handler"
            " fails, the container is terminated and restarted according to its restart "
            "policy. Other management of the container blocks until the hook completes. "
            "More info: https://kubernetes.io/docs/concepts/containers/container-lifecycl"
            "e-hooks/#container-hooks"
        ),
        "preStop": (
            "PreStop is called immediately before a container is terminated due to an API"
            " request or management event such as liveness/startup probe failure, "
            "preemption, resource contention, etc. The handler is not called if the "
            "container crashes or exits. The Pod's termination grace period countdown "
            "begins before the PreStop hook is executed. Regardless of the outcome of the"
            " handler, the container will eventually terminate within the Pod's "
            "termination grace period (unless delayed by finalizers). Other management of"
            " the container blocks until the hook completes or until the termination "
            "grace period is reached. More info: https://kubernetes.io/docs/concepts/cont"
            "ainers/container-lifecycle-hooks/#container-hooks"
        ),
    },
    "io.k8s.api.core.v1.LifecycleHandler": {
        "exec": "Exec specifies a command to execute in the container.",
        "httpGet": "HTTPGet specifies an HTTP GET request to perform.",
        "sleep": "Sleep represents a duration that the container should sleep.",
        "tcpSocket": (
            "Deprecated. TCPSocket is NOT supported as a LifecycleHandler and kept for "
            "backward compatibility. There is no validation of this field and lifecycle "
            "hooks will fail at runtime when it is specified."
        ),
    },
    "io.k8s.api.core.v1.Namespace": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "Spec defines the behavior of the Namespace. More info: https://git.k8s.io/co"
            "mmunity/contributors/devel/sig-architecture/api-conventions.md#spec-and-stat"
            "us"
        ),
        "status": (
            "Status describes the current status of a Namespace. More info: https://git.k"
            "8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-"
            "and-status"
        ),
    },
    "io.k8s.api.core.v1.NamespaceList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.Node": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "Spec defines the behavior of a node. https://git.k8s.io/community/contributo"
            "rs/devel/sig-architecture/api-conventions.md#spec-and-status"
        ),
        "status": (
            "Most recently observed status of the node. Populated by the system. "
            "Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-ar"
            "chitecture/api-conventions.md#spec-and-status"
        ),
    },
    "io.k8s.api.core.v1.NodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": (
            "If the affinity requirements specified by this field are not met at "
            "scheduling time, the pod will not be scheduled onto the node. If the "
            "affinity requirements specified by this field cease to be met at some point "
            "during pod execution (e.g. due to an update), the system may or may not try "
            "to eventually evict the pod from its node."
        ),
    },
    "io.k8s.api.core.v1.NodeConfigSource": {
        "configMap": "ConfigMap is a reference to a Node's ConfigMap",
    },
    "io.k8s.api.core.v1.NodeConfigStatus": {
        "active": (
            "Active reports the checkpointed config the node is actively using. Active "
            "will represent either the current version of the Assigned config, or the "
            "current LastKnownGood config, depending on whether attempting to use the "
            "Assigned config results in an error."
        ),
        "assigned": (
            "Assigned reports the checkpointed config the node will try to use. When "
            "Node.Spec.ConfigSource is updated, the node checkpoints the associated "
            "config payload to local disk, along with a record indicating intended "
            "config. The node refers to this record to choose its config checkpoint, and "
            "reports this record in Assigned. Assigned only updates in the status after "
            "the record has been checkpointed to disk. When the Kubelet is restarted, it "
            "tries to make the Assigned config the Active config by loading and "
            "validating the checkpointed payload identified by Assigned."
        ),
        "lastKnownGood": (
            "LastKnownGood reports the checkpointed config the node will fall back to "
            "when it encounters an error attempting to use the Assigned config. The "
            "Assigned config becomes the LastKnownGood config when the node determines "
            "that the Assigned config is stable and correct. This is currently "
            "implemented as a 10-minute soak period starting when the local record of "
            "Assigned config is updated. If the Assigned config is Active at the end of "
            "this period, it becomes the LastKnownGood. Note that if Spec.ConfigSource is"
            " reset to nil (use local defaults), the LastKnownGood is also immediately "
            "reset to nil, because the local default config is always assumed good. You "
            "should not make assumptions about the node's method of determining config "
            "stability and correctness, as this may change or become configurable in the "
            "future."
        ),
    },
    "io.k8s.api.core.v1.NodeDaemonEndpoints": {
        "kubeletEndpoint": "Endpoint on which Kubelet is listening.",
    },
    "io.k8s.api.core.v1.NodeList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.NodeRuntimeHandler": {
        "features": "Supported features.",
    },
    "io.k8s.api.core.v1.NodeSpec": {
        "configSource": (
            "Deprecated: Previously used to specify the source of the node's "
            "configuration for the DynamicKubeletConfig feature. This feature is removed."
        ),
    },
    "io.k8s.api.core.v1.NodeStatus": {
        "config": (
            "Status of the config assigned to the node via the dynamic Kubelet config "
            "feature."
        ),
        "daemonEndpoints": "Endpoints of daemons running on the Node.",
        "features": (
            "Features describes the set of features implemented by the CRI "
            "implementation."
        ),
        "nodeInfo": (
            "Set of ids/uuids to uniquely identify the node. More info: "
            "https://kubernetes.io/docs/reference/node/node-status/#info"
        ),
    },
    "io.k8s.api.core.v1.PersistentVolume": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "spec defines a specification of a persistent volume owned by the cluster. "
            "Provisioned by an administrator. More info: https://kubernetes.io/docs/conce"
            "pts/storage/persistent-volumes#persistent-volumes"
        ),
        "status": (
            "status represents the current information/status for the persistent volume. "
            "Populated by the system. Read-only. More info: https://kubernetes.io/docs/co"
            "ncepts/storage/persistent-volumes#persistent-volumes"
        ),
    },
    "io.k8s.api.core.v1.PersistentVolumeClaim": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "spec defines the desired characteristics of a volume requested by a pod "
            "author. More info: https://kubernetes.io/docs/concepts/storage/persistent-vo"
            "lumes#persistentvolumeclaims"
        ),
        "status": (
            "status represents the current information/status of a persistent volume "
            "claim. Read-only. More info: https://kubernetes.io/docs/concepts/storage/per"
            "sistent-volumes#persistentvolumeclaims"
        ),
    },
    "io.k8s.api.core.v1.PersistentVolumeClaimList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.PersistentVolumeClaimSpec": {
        "dataSource": (
            "dataSource field can be used to specify either: * An existing VolumeSnapshot"
            " object (snapshot.storage.k8s.io/VolumeSnapshot) * An existing PVC "
            "(PersistentVolumeClaim) If the provisioner or an external controller can "
            "support the specified data source, it will create a new volume based on the "
            "contents of the specified data source. When the AnyVolumeDataSource feature "
            "gate is enabled, dataSource contents will be copied to dataSourceRef, and "
            "dataSourceRef contents will be copied to dataSource when "
            "dataSourceRef.namespace is not specified. If the namespace is specified, "
            "then dataSourceRef will not be copied to dataSource."
        ),
        "dataSourceRef": (
            "dataSourceRef specifies the object from which to populate the volume with "
            "data, if a non-empty volume is desired. This may be any object from a "
            "non-empty API group (non core object) or a PersistentVolumeClaim object. "
            "When this field is specified, volume binding will only succeed if the type "
            "of the specified object matches some installed volume populator or dynamic "
            "provisioner. This field will replace the functionality of the dataSource "
            "field and as such if both fields are non-empty, they must have the same "
            "value. For backwards compatibility, when namespace isn't specified in "
            "dataSourceRef, both fields (dataSource and dataSourceRef) will be set to the"
            " same value automatically if one of them is empty and the other is "
            "non-empty. When namespace is specified in dataSourceRef, dataSource isn't "
            "set to the same value and must be empty. There are three important "
            "differences between dataSource and dataSourceRef: * While dataSource only "
            "allows two specific types of objects, dataSourceRef\n  allows any non-core "
            "object, as well as PersistentVolumeClaim objects.\n* While dataSource ignores"
            " disallowed values (dropping them), dataSourceRef\n  preserves all values, "
            "and generates an error if a disallowed value is\n  specified.\n* While "
            "dataSource only allows local objects, dataSourceRef allows objects\n  in any "
            "namespaces.\n(Beta) Using this field requires the AnyVolumeDataSource feature"
            " gate to be enabled. (Alpha) Using the namespace field of dataSourceRef "
            "requires the CrossNamespaceVolumeDataSource feature gate to be enabled."
        ),
        "resources": (
            "resources represents the minimum resources the volume should have. If "
            "RecoverVolumeExpansionFailure feature is enabled users are allowed to "
            "specify resource requirements that are lower than previous value but must "
            "still be higher than capacity recorded in the status field of the claim. "
            "More info: "
            "https://kubernetes.io/docs/concepts/storage/persistent-volumes#resources"
        ),
        "selector": "selector is a label query over volumes to consider for binding.",
    },
    "io.k8s.api.core.v1.PersistentVolumeClaimStatus": {
        "modifyVolumeStatus": (
            "ModifyVolumeStatus represents the status object of ControllerModifyVolume "
            "operation. When this is unset, there is no ModifyVolume operation being "
            "attempted. This is a beta field and requires enabling VolumeAttributesClass "
            "feature (off by default)."
        ),
    },
    "io.k8s.api.core.v1.PersistentVolumeClaimTemplate": {
        "metadata": (
            "May contain labels and annotations that will be copied into the PVC when "
            "creating it. No other fields are allowed and will be rejected during "
            "validation."
        ),
        "spec": (
            "The specification for the PersistentVolumeClaim. The entire content is "
            "copied unchanged into the PVC that gets created from this template. The same"
            " fields as in a PersistentVolumeClaim are also valid here."
        ),
    },
    "io.k8s.api.core.v1.PersistentVolumeList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.PersistentVolumeSpec": {
        "awsElasticBlockStore": (
            "awsElasticBlockStore represents an AWS Disk resource that is attached to a "
            "kubelet's host machine and then exposed to the pod. Deprecated: "
            "AWSElasticBlockStore is deprecated. All operations for the in-tree "
            "awsElasticBlockStore type are redirected to the ebs.csi.aws.com CSI driver. "
            "More info: "
            "https://kubernetes.io/docs/concepts/storage/volumes#awselasticblockstore"
        ),
        "azureDisk": (
            "azureDisk represents an Azure Data Disk mount on the host and bind mount to "
            "the pod. Deprecated: AzureDisk is deprecated. All operations for the in-tree"
            " azureDisk type are redirected to the disk.csi.azure.com CSI driver."
        ),
        "azureFile": (
            "azureFile represents an Azure File Service mount on the host and bind mount "
            "to the pod. Deprecated: AzureFile is deprecated. All operations for the "
            "in-tree azureFile type are redirected to the file.csi.azure.com CSI driver."
        ),
        "cephfs": (
            "cephFS represents a Ceph FS mount on the host that shares a pod's lifetime. "
            "Deprecated: CephFS is deprecated and the in-tree cephfs type is no longer "
            "supported."
        ),
        "cinder": (
            "cinder represents a cinder volume attached and mounted on kubelets host "
            "machine. Deprecated: Cinder is deprecated. All operations for the in-tree "
            "cinder type are redirected to the cinder.csi.openstack.org CSI driver. More "
            "info: https://examples.k8s.io/mysql-cinder-pd/README.md"
        ),
        "claimRef": (
            "claimRef is part of a bi-directional binding between PersistentVolume and "
            "PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName "
            "is the authoritative bind between PV and PVC. More info: "
            "https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"
        ),
        "csi": "csi represents storage that is handled by an external CSI driver.",
        "fc": (
            "fc represents a Fibre Channel resource that is attached to a kubelet's host "
            "machine and then exposed to the pod."
        ),
        "flexVolume": (
            "flexVolume represents a generic volume resource that is provisioned/attached"
            " using an exec based plugin. Deprecated: FlexVolume is deprecated. Consider "
            "using a CSIDriver instead."
        ),
        "flocker": (
            "flocker represents a Flocker volume attached to a kubelet's host machine and"
            " exposed to the pod for its usage. This depends on the Flocker control "
            "service being running. Deprecated: Flocker is deprecated and the in-tree "
            "flocker type is no longer supported."
        ),
        "gcePersistentDisk": (
            "gcePersistentDisk represents a GCE Disk resource that is attached to a "
            "kubelet's host machine and then exposed to the pod. Provisioned by an admin."
            " Deprecated: GCEPersistentDisk is deprecated. All operations for the in-tree"
            " gcePersistentDisk type are redirected to the pd.csi.storage.gke.io CSI "
            "driver. More info: "
            "https://kubernetes.io/docs/concepts/storage/volumes#gcepersistentdisk"
        ),
        "glusterfs": (
            "glusterfs represents a Glusterfs volume that is attached to a host and "
            "exposed to the pod. Provisioned by an admin. Deprecated: Glusterfs is "
            "deprecated and the in-tree glusterfs type is no longer supported. More info:"
            " https://examples.k8s.io/volumes/glusterfs/README.md"
        ),
        "hostPath": (
            "hostPath represents a directory on the host. Provisioned by a developer or "
            "tester. This is useful for single-node development and testing only! On-host"
            " storage is not supported in any way and WILL NOT WORK in a multi-node "
            "cluster. More info: "
            "https://kubernetes.io/docs/concepts/storage/volumes#hostpath"
        ),
        "iscsi": (
            "iscsi represents an ISCSI Disk resource that is attached to a kubelet's host"
            " machine and then exposed to the pod. Provisioned by an admin."
        ),
        "local": "local represents directly-attached storage with node affinity",
        "nfs": (
            "nfs represents an NFS mount on the host. Provisioned by an admin. More info:"
            " https://kubernetes.io/docs/concepts/storage/volumes#nfs"
        ),
        "nodeAffinity": (
            "nodeAffinity defines constraints that limit what nodes this volume can be "
            "accessed from. This field influences the scheduling of pods that use this "
            "volume."
        ),
        "photonPersistentDisk": (
            "photonPersistentDisk represents a PhotonController persistent disk attached "
            "and mounted on kubelets host machine. Deprecated: PhotonPersistentDisk is "
            "deprecated and the in-tree photonPersistentDisk type is no longer supported."
        ),
        "portworxVolume": (
            "portworxVolume represents a portworx volume attached and mounted on kubelets"
            " host machine. Deprecated: PortworxVolume is deprecated. All operations for "
            "the in-tree portworxVolume type are redirected to the pxd.portworx.com CSI "
            "driver when the CSIMigrationPortworx feature-gate is on."
        ),
        "quobyte": (
            "quobyte represents a Quobyte mount on the host that shares a pod's lifetime."
            " Deprecated: Quobyte is deprecated and the in-tree quobyte type is no longer"
            " supported."
        ),
        "rbd": (
            "rbd represents a Rados Block Device mount on the host that shares a pod's "
            "lifetime. Deprecated: RBD is deprecated and the in-tree rbd type is no "
            "longer supported. More info: https://examples.k8s.io/volumes/rbd/README.md"
        ),
        "scaleIO": (
            "scaleIO represents a ScaleIO persistent volume attached and mounted on "
            "Kubernetes nodes. Deprecated: ScaleIO is deprecated and the in-tree scaleIO "
            "type is no longer supported."
        ),
        "storageos": (
            "storageOS represents a StorageOS volume that is attached to the kubelet's "
            "host machine and mounted into the pod. Deprecated: StorageOS is deprecated "
            "and the in-tree storageos type is no longer supported. More info: "
            "https://examples.k8s.io/volumes/storageos/README.md"
        ),
        "vsphereVolume": (
            "vsphereVolume represents a vSphere volume attached and mounted on kubelets "
            "host machine. Deprecated: VsphereVolume is deprecated. All operations for "
            "the in-tree vsphereVolume type are redirected to the csi.vsphere.vmware.com "
            "CSI driver."
        ),
    },
    "io.k8s.api.core.v1.Pod": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "Specification of the desired behavior of the pod. More info: https://git.k8s"
            ".io/community/contributors/devel/sig-architecture/api-conventions.md#spec-an"
            "d-status"
        ),
        "status": (
            "Most recently observed status of the pod. This data may not be up to date. "
            "Populated by the system. Read-only. More info: https://git.k8s.io/community/"
            "contributors/devel/sig-architecture/api-conventions.md#spec-and-status"
        ),
    },
    "io.k8s.api.core.v1.PodAffinityTerm": {
        "labelSelector": (
            "A label query over a set of resources, in this case pods. If it's null, this"
            " PodAffinityTerm matches with no Pods."
        ),
        "namespaceSelector": (
            "A label query over the set of namespaces that the term applies to. The term "
            "is applied to the union of the namespaces selected by this field and the "
            "ones listed in the namespaces field. null selector and null or empty "
            "namespaces list means \"this pod's namespace\". An empty selector ({}) matches"
            " all namespaces."
        ),
    },
    "io.k8s.api.core.v1.PodList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.PodSecurityContext": {
        "appArmorProfile": (
            "appArmorProfile is the AppArmor options to use by the containers in this "
            "pod. Note that this field cannot be set when spec.os.name is windows."
        ),
        "seLinuxOptions": (
            "The SELinux context to be applied to all containers. If unspecified, the "
            "container runtime will allocate a random SELinux context for each container."
            "  May also be set in SecurityContext.  If set in both SecurityContext and "
            "PodSecurityContext, the value specified in SecurityContext takes precedence "
            "for that container. Note that this field cannot be set when spec.os.name is "
            "windows."
        ),
        "seccompProfile": (
            "The seccomp options to use by the containers in this pod. Note that this "
            "field cannot be set when spec.os.name is windows."
        ),
        "windowsOptions": (
            "The Windows specific settings applied to all containers. If unspecified, the"
            " options within a container's SecurityContext will be used. If set in both "
            "SecurityContext and PodSecurityContext, the value specified in "
            "SecurityContext takes precedence. Note that this field cannot be set when "
            "spec.os.name is linux."
        ),
    },
    "io.k8s.api.core.v1.PodSpec": {
        "affinity": "If specified, the pod's scheduling constraints",
        "dnsConfig": (
            "Specifies the DNS parameters of a pod. Parameters specified here will be "
            "merged to the generated DNS configuration based on DNSPolicy."
        ),
        "os": (
            "Specifies the OS of the containers in the pod. Some pod and container fields"
            " are restricted if this is set.\n\nIf the OS field is set to linux, the "
            "following fields must be unset: -securityContext.windowsOptions\n\nIf the OS "
            "field is set to windows, following fields must be unset: - spec.hostPID - "
            "spec.hostIPC - spec.hostUsers - spec.securityContext.appArmorProfile - "
            "spec.securityContext.seLinuxOptions - spec.securityContext.seccompProfile - "
            "spec.securityContext.fsGroup - spec.securityContext.fsGroupChangePolicy - "
            "spec.securityContext.sysctls - spec.shareProcessNamespace - "
            "spec.securityContext.runAsUser - spec.securityContext.runAsGroup - "
            "spec.securityContext.supplementalGroups - "
            "spec.securityContext.supplementalGroupsPolicy - "
            "spec.containers[*].securityContext.appArmorProfile - "
            "spec.containers[*].securityContext.seLinuxOptions - "
            "spec.containers[*].securityContext.seccompProfile - "
            "spec.containers[*].securityContext.capabilities - "
            "spec.containers[*].securityContext.readOnlyRootFilesystem - "
            "spec.containers[*].securityContext.privileged - "
            "spec.containers[*].securityContext.allowPrivilegeEscalation - "
            "spec.containers[*].securityContext.procMount - "
            "spec.containers[*].securityContext.runAsUser - "
            "spec.containers[*].securityContext.runAsGroup"
        ),
        "resources": (
            "Resources is the total amount of CPU and Memory resources required by all "
            "containers in the pod. It supports specifying Requests and Limits for \"cpu\" "
            "and \"memory\" resource names only. ResourceClaims are not supported.\n\nThis "
            "field enables fine-grained control over resource allocation for the entire "
            "pod, allowing resource sharing among containers in a pod.\n\nThis is an alpha "
            "field and requires enabling the PodLevelResources feature gate."
        ),
        "securityContext": (
            "SecurityContext holds pod-level security attributes and common container "
            "settings. Optional: Defaults to empty.  See type description for default "
            "values of each field."
        ),
    },
    "io.k8s.api.core.v1.PodTemplateSpec": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "Specification of the desired behavior of the pod. More info: https://git.k8s"
            ".io/community/contributors/devel/sig-architecture/api-conventions.md#spec-an"
            "d-status"
        ),
    },
    "io.k8s.api.core.v1.PreferredSchedulingTerm": {
        "preference": "A node selector term, associated with the corresponding weight.",
    },
    "io.k8s.api.core.v1.Probe": {
        "exec": "Exec specifies a command to execute in the container.",
        "grpc": "GRPC specifies a GRPC HealthCheckRequest.",
        "httpGet": "HTTPGet specifies an HTTP GET request to perform.",
        "tcpSocket": "TCPSocket specifies a connection to a TCP port.",
    },
    "io.k8s.api.core.v1.RBDPersistentVolumeSource": {
        "secretRef": (
            "secretRef is name of the authentication secret for RBDUser. If provided "
            "overrides keyring. Default is nil. More info: "
            "https://examples.k8s.io/volumes/rbd/README.md#how-to-use-it"
        ),
    },
    "io.k8s.api.core.v1.RBDVolumeSource": {
        "secretRef": (
            "secretRef is name of the authentication secret for RBDUser. If provided "
            "overrides keyring. Default is nil. More info: "
            "https://examples.k8s.io/volumes/rbd/README.md#how-to-use-it"
        ),
    },
    "io.k8s.api.core.v1.ReplicationController": {
        "metadata": (
            "If the Labels of a ReplicationController are empty, they are defaulted to be"
            " the same as the Pod(s) that the replication controller manages. Standard "
            "object's metadata. More info: https://git.k8s.io/community/contributors/deve"
            "l/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "Spec defines the specification of the desired behavior of the replication "
            "controller. More info: https://git.k8s.io/community/contributors/devel/sig-a"
            "rchitecture/api-conventions.md#spec-and-status"
        ),
        "status": (
            "Status is the most recently observed status of the replication controller. "
            "This data may be out of date by some window of time. Populated by the "
            "system. Read-only. More info: https://git.k8s.io/community/contributors/deve"
            "l/sig-architecture/api-conventions.md#spec-and-status"
        ),
    },
    "io.k8s.api.core.v1.ReplicationControllerList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.ReplicationControllerSpec": {
        "template": (
            "Template is the object that describes the pod that will be created if "
            "insufficient replicas are detected. This takes precedence over a "
            "TemplateRef. The only allowed template.spec.restartPolicy value is \"Always\"."
            " More info: https://kubernetes.io/docs/concepts/workloads/controllers/replic"
            "ationcontroller#pod-template"
        ),
    },
    "io.k8s.api.core.v1.ScaleIOPersistentVolumeSource": {
        "secretRef": (
            "secretRef references to the secret for ScaleIO user and other sensitive "
            "information. If this is not provided, Login operation will fail."
        ),
    },
    "io.k8s.api.core.v1.ScaleIOVolumeSource": {
        "secretRef": (
            "secretRef references to the secret for ScaleIO user and other sensitive "
            "information. If this is not provided, Login operation will fail."
        ),
    },
    "io.k8s.api.core.v1.Secret": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.core.v1.SecretList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.SecurityContext": {
        "appArmorProfile": (
            "appArmorProfile is the AppArmor options to use by this container. If set, "
            "this profile overrides the pod's appArmorProfile. Note that this field "
            "cannot be set when spec.os.name is windows."
        ),
        "capabilities": (
            "The capabilities to add/drop when running containers. Defaults to the "
            "default set of capabilities granted by the container runtime. Note that this"
            " field cannot be set when spec.os.name is windows."
        ),
        "seLinuxOptions": (
            "The SELinux context to be applied to the container. If unspecified, the "
            "container runtime will allocate a random SELinux context for each container."
            "  May also be set in PodSecurityContext.  If set in both SecurityContext and"
            " PodSecurityContext, the value specified in SecurityContext takes "
            "precedence. Note that this field cannot be set when spec.os.name is windows."
        ),
        "seccompProfile": (
            "The seccomp options to use by this container. If seccomp options are "
            "provided at both the pod & container level, the container options override "
            "the pod options. Note that this field cannot be set when spec.os.name is "
            "windows."
        ),
        "windowsOptions": (
            "The Windows specific settings applied to all containers. If unspecified, the"
            " options from the PodSecurityContext will be used. If set in both "
            "SecurityContext and PodSecurityContext, the value specified in "
            "SecurityContext takes precedence. Note that this field cannot be set when "
            "spec.os.name is linux."
        ),
    },
    "io.k8s.api.core.v1.Service": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "Spec defines the behavior of a service. https://git.k8s.io/community/contrib"
            "utors/devel/sig-architecture/api-conventions.md#spec-and-status"
        ),
        "status": (
            "Most recently observed status of the service. Populated by the system. "
            "Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-ar"
            "chitecture/api-conventions.md#spec-and-status"
        ),
    },
    "io.k8s.api.core.v1.ServiceAccount": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.core.v1.ServiceAccountList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.ServiceList": {
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.api.core.v1.ServiceSpec": {
        "sessionAffinityConfig": "sessionAffinityConfig contains the configurations of session affinity.",
    },
    "io.k8s.api.core.v1.ServiceStatus": {
        "loadBalancer": (
            "LoadBalancer contains the current status of the load-balancer, if one is "
            "present."
        ),
    },
    "io.k8s.api.core.v1.SessionAffinityConfig": {
        "clientIP": "clientIP contains the configurations of Client IP based session affinity.",
    },
    "io.k8s.api.core.v1.StorageOSPersistentVolumeSource": {
        "secretRef": (
            "secretRef specifies the secret to use for obtaining the StorageOS API "
            "credentials.  If not specified, default values will be attempted."
        ),
    },
    "io.k8s.api.core.v1.StorageOSVolumeSource": {
        "secretRef": (
            "secretRef specifies the secret to use for obtaining the StorageOS API "
            "credentials.  If not specified, default values will be attempted."
        ),
    },
    "io.k8s.api.core.v1.TopologySpreadConstraint": {
        "labelSelector": (
            "LabelSelector is used to find matching pods. Pods that match this label "
            "selector are counted to determine the number of pods in their corresponding "
            "topology domain."
        ),
    },
    "io.k8s.api.core.v1.Volume": {
        "awsElasticBlockStore": (
            "awsElasticBlockStore represents an AWS Disk resource that is attached to a "
            "kubelet's host machine and then exposed to the pod. Deprecated: "
            "AWSElasticBlockStore is deprecated. All operations for the in-tree "
            "awsElasticBlockStore type are redirected to the ebs.csi.aws.com CSI driver. "
            "More info: "
            "https://kubernetes.io/docs/concepts/storage/volumes#awselasticblockstore"
        ),
        "azureDisk": (
            "azureDisk represents an Azure Data Disk mount on the host and bind mount to "
            "the pod. Deprecated: AzureDisk is deprecated. All operations for the in-tree"
            " azureDisk type are redirected to the disk.csi.azure.com CSI driver."
        ),
        "azureFile": (
            "azureFile represents an Azure File Service mount on the host and bind mount "
            "to the pod. Deprecated: AzureFile is deprecated. All operations for the "
            "in-tree azureFile type are redirected to the file.csi.azure.com CSI driver."
        ),
        "cephfs": (
            "cephFS represents a Ceph FS mount on the host that shares a pod's lifetime. "
            "Deprecated: CephFS is deprecated and the in-tree cephfs type is no longer "
            "supported."
        ),
        "cinder": (
            "cinder represents a cinder volume attached and mounted on kubelets host "
            "machine. Deprecated: Cinder is deprecated. All operations for the in-tree "
            "cinder type are redirected to the cinder.csi.openstack.org CSI driver. More "
            "info: https://examples.k8s.io/mysql-cinder-pd/README.md"
        ),
        "configMap": "configMap represents a configMap that should populate this volume",
        "csi": (
            "csi (Container Storage Interface) represents ephemeral storage that is "
            "handled by certain external CSI drivers."
        ),
        "downwardAPI": (
            "downwardAPI represents downward API about the pod that should populate this "
            "volume"
        ),
        "emptyDir": (
            "emptyDir represents a temporary directory that shares a pod's lifetime. More"
            " info: https://kubernetes.io/docs/concepts/storage/volumes#emptydir"
        ),
        "ephemeral": (
            "ephemeral represents a volume that is handled by a cluster storage driver. "
            "The volume's lifecycle is tied to the pod that defines it - it will be "
            "created before the pod starts, and deleted when the pod is removed.\n\nUse "
            "this if: a) the volume is only needed while the pod runs, b) features of "
            "normal volumes like restoring from snapshot or capacity\n   tracking are "
            "needed,\nc) the storage driver is specified through a storage class, and d) "
            "the storage driver supports dynamic volume provisioning through\n   a "
            "PersistentVolumeClaim (see EphemeralVolumeSource for more\n   information on "
            "the connection between this volume type\n   and PersistentVolumeClaim).\n\nUse "
            "PersistentVolumeClaim or one of the vendor-specific APIs for volumes that "
            "persist for longer than the lifecycle of an individual pod.\n\nUse CSI for "
            "light-weight local ephemeral volumes if the CSI driver is meant to be used "
            "that way - see the documentation of the driver for more information.\n\nA pod "
            "can use both types of ephemeral volumes and persistent volumes at the same "
            "time."
        ),
        "fc": (
            "fc represents a Fibre Channel resource that is attached to a kubelet's host "
            "machine and then exposed to the pod."
        ),
        "flexVolume": (
            "flexVolume represents a generic volume resource that is provisioned/attached"
            " using an exec based plugin. Deprecated: FlexVolume is deprecated. Consider "
            "using a CSIDriver instead."
        ),
        "flocker": (
            "flocker represents a Flocker volume attached to a kubelet's host machine. "
            "This depends on the Flocker control service being running. Deprecated: "
            "Flocker is deprecated and the in-tree flocker type is no longer supported."
        ),
        "gcePersistentDisk": (
            "gcePersistentDisk represents a GCE Disk resource that is attached to a "
            "kubelet's host machine and then exposed to the pod. Deprecated: "
            "GCEPersistentDisk is deprecated. All operations for the in-tree "
            "gcePersistentDisk type are redirected to the pd.csi.storage.gke.io CSI "
            "driver. More info: "
            "https://kubernetes.io/docs/concepts/storage/volumes#gcepersistentdisk"
        ),
        "gitRepo": (
            "gitRepo represents a git repository at a particular revision. Deprecated: "
            "GitRepo is deprecated. To provision a container with a git repo, mount an "
            "EmptyDir into an InitContainer that clones the repo using git, then mount "
            "the EmptyDir into the Pod's container."
        ),
        "glusterfs": (
            "glusterfs represents a Glusterfs mount on the host that shares a pod's "
            "lifetime. Deprecated: Glusterfs is deprecated and the in-tree glusterfs type"
            " is no longer supported. More info: "
            "https://examples.k8s.io/volumes/glusterfs/README.md"
        ),
        "hostPath": (
            "hostPath represents a pre-existing file or directory on the host machine "
            "that is directly exposed to the container. This is generally used for system"
            " agents or other privileged things that are allowed to see the host machine."
            " Most containers will NOT need this. More info: "
            "https://kubernetes.io/docs/concepts/storage/volumes#hostpath"
        ),
        "image": (
            "image represents an OCI object (a container image or artifact) pulled and "
            "mounted on the kubelet's host machine. The volume is resolved at pod startup"
            " depending on which PullPolicy value is provided:\n\n- Always: the kubelet "
            "always attempts to pull the reference. Container creation will fail If the "
            "pull fails. - Never: the kubelet never pulls the reference and only uses a "
            "local image or artifact. Container creation will fail if the reference isn't"
            " present. - IfNotPresent: the kubelet pulls if the reference isn't already "
            "present on disk. Container creation will fail if the reference isn't present"
            " and the pull fails.\n\nThe volume gets re-resolved if the pod gets deleted "
            "and recreated, which means that new remote content will become available on "
            "pod recreation. A failure to resolve or pull the image during pod startup "
            "will block containers from starting and may add significant latency. "
            "Failures will be retried using normal volume backoff and will be reported on"
            " the pod reason and message. The types of objects that may be mounted by "
            "this volume are defined by the container runtime implementation on a host "
            "machine and at minimum must include all valid types supported by the "
            "container image field. The OCI object gets mounted in a single directory "
            "(spec.containers[*].volumeMounts.mountPath) by merging the manifest layers "
            "in the same way as for container images. The volume will be mounted "
            "read-only (ro) and non-executable files (noexec). Sub path mounts for "
            "containers are not supported (spec.containers[*].volumeMounts.subpath). The "
            "field spec.securityContext.fsGroupChangePolicy has no effect on this volume "
            "type."
        ),
        "iscsi": (
            "iscsi represents an ISCSI Disk resource that is attached to a kubelet's host"
            " machine and then exposed to the pod. More info: "
            "https://examples.k8s.io/volumes/iscsi/README.md"
        ),
        "nfs": (
            "nfs represents an NFS mount on the host that shares a pod's lifetime More "
            "info: https://kubernetes.io/docs/concepts/storage/volumes#nfs"
        ),
        "persistentVolumeClaim": (
            "persistentVolumeClaimVolumeSource represents a reference to a "
            "PersistentVolumeClaim in the same namespace. More info: https://kubernetes.i"
            "o/docs/concepts/storage/persistent-volumes#persistentvolumeclaims"
        ),
        "photonPersistentDisk": (
            "photonPersistentDisk represents a PhotonController persistent disk attached "
            "and mounted on kubelets host machine. Deprecated: PhotonPersistentDisk is "
            "deprecated and the in-tree photonPersistentDisk type is no longer supported."
        ),
        "portworxVolume": (
            "portworxVolume represents a portworx volume attached and mounted on kubelets"
            " host machine. Deprecated: PortworxVolume is deprecated. All operations for "
            "the in-tree portworxVolume type are redirected to the pxd.portworx.com CSI "
            "driver when the CSIMigrationPortworx feature-gate is on."
        ),
        "projected": (
            "projected items for all in one resources secrets, configmaps, and downward "
            "API"
        ),
        "quobyte": (
            "quobyte represents a Quobyte mount on the host that shares a pod's lifetime."
            " Deprecated: Quobyte is deprecated and the in-tree quobyte type is no longer"
            " supported."
        ),
        "rbd": (
            "rbd represents a Rados Block Device mount on the host that shares a pod's "
            "lifetime. Deprecated: RBD is deprecated and the in-tree rbd type is no "
            "longer supported. More info: https://examples.k8s.io/volumes/rbd/README.md"
        ),
        "scaleIO": (
            "scaleIO represents a ScaleIO persistent volume attached and mounted on "
            "Kubernetes nodes. Deprecated: ScaleIO is deprecated and the in-tree scaleIO "
            "type is no longer supported."
        ),
        "secret": (
            "secret represents a secret that should populate this volume. More info: "
            "https://kubernetes.io/docs/concepts/storage/volumes#secret"
        ),
        "storageos": (
            "storageOS represents a StorageOS volume attached and mounted on Kubernetes "
            "nodes. Deprecated: StorageOS is deprecated and the in-tree storageos type is"
            " no longer supported."
        ),
        "vsphereVolume": (
            "vsphereVolume represents a vSphere volume attached and mounted on kubelets "
            "host machine. Deprecated: VsphereVolume is deprecated. All operations for "
            "the in-tree vsphereVolume type are redirected to the csi.vsphere.vmware.com "
            "CSI driver."
        ),
    },
    "io.k8s.api.core.v1.VolumeNodeAffinity": {
        "required": "required specifies hard node constraints that must be met.",
    },
    "io.k8s.api.core.v1.VolumeProjection": {
        "clusterTrustBundle": (
            "ClusterTrustBundle allows a pod to access the `.spec.trustBundle` field of "
            "ClusterTrustBundle objects in an auto-updating file.\n\nAlpha, gated by the "
            "ClusterTrustBundleProjection feature gate.\n\nClusterTrustBundle objects can "
            "either be selected by name, or by the combination of signer name and a label"
            " selector.\n\nKubelet performs aggressive normalization of the PEM contents "
            "written into the pod filesystem.  Esoteric PEM features such as inter-block "
            "comments and block headers are stripped.  Certificates are deduplicated. The"
            " ordering of certificates within the file is arbitrary, and Kubelet may "
            "change the order over time."
        ),
        "configMap": "configMap information about the configMap data to project",
        "downwardAPI": "downwardAPI information about the downwardAPI data to project",
        "secret": "secret information about the secret data to project",
        "serviceAccountToken": (
            "serviceAccountToken is information about the serviceAccountToken data to "
            "project"
        ),
    },
    "io.k8s.api.core.v1.WeightedPodAffinityTerm": {
        "podAffinityTerm": "Required. A pod affinity term, associated with the corresponding weight.",
    },
    "io.k8s.api.discovery.v1.Endpoint": {
        "conditions": "conditions contains information about the current status of the endpoint.",
        "hints": (
            "hints contains information associated with how an endpoint should be "
            "consumed."
        ),
        "targetRef": (
            "targetRef is a reference to a Kubernetes object that represents this "
            "endpoint."
        ),
    },
    "io.k8s.api.discovery.v1.EndpointSlice": {
        "metadata": "Standard object's metadata.",
    },
    "io.k8s.api.discovery.v1.EndpointSliceList": {
        "metadata": "Standard list metadata.",
    },
    "io.k8s.api.networking.v1.HTTPIngressPath": {
        "backend": (
            "backend defines the referenced service endpoint to which the traffic will be"
            " forwarded to."
        ),
    },
    "io.k8s.api.networking.v1.Ingress": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "spec is the desired state of the Ingress. More info: https://git.k8s.io/comm"
            "unity/contributors/devel/sig-architecture/api-conventions.md#spec-and-status"
        ),
        "status": (
            "status is the current state of the Ingress. More info: https://git.k8s.io/co"
            "mmunity/contributors/devel/sig-architecture/api-conventions.md#spec-and-stat"
            "us"
        ),
    },
    "io.k8s.api.networking.v1.IngressBackend": {
        "resource": (
            "resource is an ObjectRef to another Kubernetes resource in the namespace of "
            "the Ingress object. If resource is specified, a service.Name and "
            "service.Port must not be specified. This is a mutually exclusive setting "
            "with \"Service\"."
        ),
        "service": (
            "service references a service as a backend. This is a mutually exclusive "
            "setting with \"Resource\"."
        ),
    },
    "io.k8s.api.networking.v1.IngressClass": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
        "spec": (
            "spec is the desired state of the IngressClass. More info: https://git.k8s.io"
            "/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-s"
            "tatus"
        ),
    },
    "io.k8s.api.networking.v1.IngressClassList": {
        "metadata": "Standard list metadata.",
    },
    "io.k8s.api.networking.v1.IngressClassSpec": {
        "parameters": (
            "parameters is a link to a custom resource containing additional "
            "configuration for the controller. This is optional if the controller does "
            "not require extra parameters."
        ),
    },
    "io.k8s.api.networking.v1.IngressList": {
        "metadata": (
            "Standard object's metadata. More info: https://git.k8s.io/community/contribu"
            "tors/devel/sig-architecture/api-conventions.md#metadata"
        ),
    },
    "io.k8s.api.networking.v1.IngressServiceBackend": {
        "port": (
            "port of the referenced service. A port name or port number is required for a"
            " IngressServiceBackend."
        ),
    },
    "io.k8s.api.networking.v1.IngressSpec": {
        "defaultBackend": (
            "defaultBackend is the backend that should handle requests that don't match "
            "any rule. If Rules are not specified, DefaultBackend must be specified. If "
            "DefaultBackend is not set, the handling of requests that do not match any of"
            " the rules will be up to the Ingress controller."
        ),
    },
    "io.k8s.api.networking.v1.IngressStatus": {
        "loadBalancer": "loadBalancer contains the current status of the load-balancer.",
    },
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions": {
        "preconditions": (
            "Must be fulfilled before a deletion is carried out. If not possible, a 409 "
            "Conflict status will be returned."
        ),
    },
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status": {
        "details": (
            "Extended data associated with the reason.  Each reason may define its own "
            "extended details. This field is optional and the data returned is not "
            "guaranteed to conform to any schema except that defined by the reason type."
        ),
        "metadata": (
            "Standard list metadata. More info: https://git.k8s.io/community/contributors"
            "/devel/sig-architecture/api-conventions.md#types-kinds"
        ),
    },
    "io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause": {
        "field": (
            "The field of the resource that has caused this error, as named by its JSON "
            "serialization. May include dot and postfix notation for nested attributes. "
            "Arrays are zero-indexed.  Fields may appear more than once in an array of "
            "causes due to fields having multiple errors. Optional.\n\nExamples:\n  \"name\" -"
            " the field \"name\" on the current resource\n  \"items[0].name\" - the field "
            "\"name\" on the first array entry in \"items\""
        ),
    },
}
