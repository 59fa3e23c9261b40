"""Checks what kubernetes-validate cannot see in one resource at a time: how the
resources of a `kubectl kustomize` output refer to each other, and the rules every
Switchboard workload follows.

Usage: python3 scripts/check-k8s-references.py RENDERED.yaml
Prints one line per problem and exits 1 when there is any. Needs PyYAML (the
validate-deploy script puts kubernetes-validate's copy on PYTHONPATH).
"""

import sys

import yaml

WORKLOADS = ("Deployment", "StatefulSet")


def selects(selector, labels):
    return all(labels.get(key) == value for key, value in selector.items())


def main(path):
    with open(path, encoding="utf-8") as file:
        docs = [doc for doc in yaml.safe_load_all(file) if doc]
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    config_maps = by_kind.get("ConfigMap", {})
    secrets = by_kind.get("Secret", {})
    problems = []

    def keys_of(kind, name):
        source = (config_maps if kind == "ConfigMap" else secrets).get(name)
        if source is None:
            return None
        return set(source.get("data", {})) | set(source.get("stringData", {}))

    def need(kind, name, key, where):
        keys = keys_of(kind, name)
        if keys is None:
            problems.append(f"{where}: {kind} {name} is not among the resources")
        elif key is not None and key not in keys:
            problems.append(f"{where}: {kind} {name} has no key {key}")

    workloads = []
    for kind in WORKLOADS:
        for name, doc in by_kind.get(kind, {}).items():
            where = f"{kind}/{name}"
            spec = doc["spec"]
            template = spec["template"]
            labels = template["metadata"].get("labels", {})
            selector = spec["selector"].get("matchLabels", {})
            if not selector or not selects(selector, labels):
                problems.append(f"{where}: selector {selector} does not match the pod labels {labels}")
            workloads.append((where, labels, template["spec"]))
            for volume in template["spec"].get("volumes", []):
                if "configMap" in volume:
                    need("ConfigMap", volume["configMap"]["name"], None, where)
                if "secret" in volume:
                    need("Secret", volume["secret"]["secretName"], None, where)
            for container in template["spec"]["containers"]:
                cwhere = f"{where} container {container['name']}"
                ports = {port.get("name") for port in container.get("ports", [])}
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    if probe not in container and probe != "startupProbe":
                        problems.append(f"{cwhere}: no {probe}")
                    port = container.get(probe, {}).get("httpGet", {}).get("port")
                    if isinstance(port, str) and port not in ports:
                        problems.append(f"{cwhere}: {probe} port {port} is not a container port")
                if "memory" not in container.get("resources", {}).get("limits", {}):
                    problems.append(f"{cwhere}: no memory limit")
                for source in container.get("envFrom", []):
                    if "configMapRef" in source:
                        need("ConfigMap", source["configMapRef"]["name"], None, cwhere)
                    if "secretRef" in source:
                        need("Secret", source["secretRef"]["name"], None, cwhere)
                for env in container.get("env", []):
                    ref = env.get("valueFrom", {})
                    if "configMapKeyRef" in ref:
                        need("ConfigMap", ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"], cwhere)
                    if "secretKeyRef" in ref:
                        need("Secret", ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"], cwhere)

    def selected(selector):
        return [w for w in workloads if selector and selects(selector, w[1])]

    pdb_covered = set()
    for name, pdb in by_kind.get("PodDisruptionBudget", {}).items():
        hits = selected(pdb["spec"]["selector"].get("matchLabels", {}))
        if not hits:
            problems.append(f"PodDisruptionBudget/{name}: selects no workload")
        pdb_covered.update(where for where, _, _ in hits)
    for where, _, _ in workloads:
        if where not in pdb_covered:
            problems.append(f"{where}: no PodDisruptionBudget")

    for name, service in by_kind.get("Service", {}).items():
        hits = selected(service["spec"].get("selector", {}))
        if not hits:
            problems.append(f"Service/{name}: selects no workload")
        for port in service["spec"]["ports"]:
            target = port.get("targetPort")
            for where, _, pod in hits:
                names = {p.get("name") for c in pod["containers"] for p in c.get("ports", [])}
                if isinstance(target, str) and target not in names:
                    problems.append(f"Service/{name}: targetPort {target} is not a port of {where}")

    for name, ingress in by_kind.get("Ingress", {}).items():
        for rule in ingress["spec"].get("rules", []):
            for entry in rule.get("http", {}).get("paths", []):
                backend = entry["backend"]["service"]
                service = by_kind.get("Service", {}).get(backend["name"])
                if service is None:
                    problems.append(f"Ingress/{name}: Service {backend['name']} is not among the resources")
                elif "name" in backend["port"] and backend["port"]["name"] not in {
                    p.get("name") for p in service["spec"]["ports"]
                }:
                    problems.append(f"Ingress/{name}: Service {backend['name']} has no port {backend['port']['name']}")

    for problem in problems:
        print(f"ERROR {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
