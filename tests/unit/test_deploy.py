"""The production topology in deploy/, checked where no container daemon runs: the compose file,
the Kubernetes manifests and the Temporal chart's values parse; every service the topology needs
is there; every image is pinned; every carecase command and option they run exists in the
product's own command line; every environment variable they give a carecase process is one the
product reads; the search attributes they register are the ones the workflows write."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from eventsourcing.postgres import PostgresFactory

from workers.cli import app
from workflows.search_attributes import CLI_TYPES

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
PRODUCT_SOURCES = ["api", "config", "domain", "eventstore", "policy", "projections", "workers", "workflows"]
PRODUCT_IMAGE = re.compile(r"(^|/)carecase:\d+\.\d+\.\d+$")
PINNED = re.compile(r"^[\w./-]+:v?\d+(\.\d+)+([-\w.]*)$")


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def manifests() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        documents += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return documents


def containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    spec = document.get("spec", {})
    if document["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    pod = spec.get("template", {}).get("spec", {})
    return pod.get("containers", []) + pod.get("initContainers", [])


def product_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose()["services"].items() if PRODUCT_IMAGE.search(s.get("image", ""))}


def product_containers() -> list[dict[str, Any]]:
    return [c for d in manifests() for c in containers(d) if PRODUCT_IMAGE.search(c["image"])]


def env_names_read_by_the_product() -> set[str]:
    """Every quoted upper-case name in the product's source (that is how settings name what they
    read), and the PostgreSQL settings eventsourcing reads itself (the store passes POSTGRES_* on)."""
    names: set[str] = set()
    for folder in PRODUCT_SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"[\"']([A-Z][A-Z0-9]*_[A-Z0-9_]+)[\"']", path.read_text()))
    names |= {getattr(PostgresFactory, a) for a in dir(PostgresFactory) if a.startswith("POSTGRES_")}
    return names


def cli_command(argv: list[str]) -> Any:
    """The click command ``carecase ARGV...`` runs; fails naming the first word it does not know.
    Every option in ARGV must be one of that command's options."""
    command: Any = typer.main.get_command(app)
    words = list(argv)
    while words and hasattr(command, "commands") and not words[0].startswith("-"):
        word = words.pop(0)
        assert word in command.commands, f"`carecase {' '.join(argv)}`: no command {word!r}"
        command = command.commands[word]
    assert not hasattr(command, "commands"), f"`carecase {' '.join(argv)}` names a group, not a command"
    options = {opt for p in command.params for opt in p.opts}
    for word in words:
        if word.startswith("-"):
            assert word.split("=")[0] in options, f"`carecase {' '.join(argv)}`: no option {word}"
    return command


def test_the_compose_file_has_every_part_of_the_topology_each_pinned():
    services = compose()["services"]
    images = {name: s["image"] for name, s in services.items()}
    assert images["postgres"].startswith("postgres:15")
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-schema"].startswith("temporalio/admin-tools:")
    assert "temporal-sql-tool" in (DEPLOY / "compose" / "temporal-schema.sh").read_text()
    assert images["temporal-ui"].startswith("temporalio/ui:")
    assert images["prometheus"].startswith("prom/prometheus:")
    roles = [
        tuple(s["command"][:2]) if s["command"][0] == "projections" else s["command"][0]
        for s in product_services().values()
    ]
    assert roles.count("api") == 2 and roles.count("worker") == 2 and roles.count(("projections", "run")) == 1
    for name, image in images.items():
        assert PINNED.match(image), f"{name}: image {image!r} is not pinned by version"
    # The proxy balances over both API processes; Prometheus scrapes services that exist, on the
    # port their settings open.
    nginx = (DEPLOY / "compose" / "nginx.conf").read_text()
    apis = [name for name, s in product_services().items() if s["command"][0] == "api"]
    assert all(f"server {name}:8000" in nginx for name in apis)
    scraped = yaml.safe_load((DEPLOY / "compose" / "prometheus.yml").read_text())
    for job in scraped["scrape_configs"]:
        for target in job["static_configs"][0]["targets"]:
            host, port = target.split(":")
            assert host in services, target
            environment = services[host].get("environment", {})
            opened = {str(v) for v in environment.values()} if isinstance(environment, dict) else set(environment)
            command = [str(word) for word in services[host].get("command", [])]
            if "--port" in command:  # an API process serves /metrics on its own port
                opened.add(f":{command[command.index('--port') + 1]}")
            assert any(v.endswith(f":{port}") for v in opened), f"{target}: {host} opens no metrics port {port}"
        # Whatever a job authenticates with is a secret both Prometheus and the scraped service hold.
        credentials = job.get("authorization", {}).get("credentials_file")
        if credentials is not None:
            secret = credentials.removeprefix("/run/secrets/")
            assert secret in services["prometheus"].get("secrets", []), job["job_name"]
            for target in job["static_configs"][0]["targets"]:
                assert secret in services[target.split(":")[0]].get("secrets", []), target
    api_job = next(job for job in scraped["scrape_configs"] if job["job_name"] == "carecase-api")
    assert api_job["metrics_path"] == "/metrics"
    assert sorted(api_job["static_configs"][0]["targets"]) == sorted(f"{name}:8000" for name in apis)


def test_every_service_starts_after_what_it_needs_with_health_checks():
    services = compose()["services"]
    for name, service in product_services().items():
        needs = service["depends_on"]
        assert needs["postgres"]["condition"] == "service_healthy", name
        assert needs["temporal-namespace"]["condition"] == "service_completed_successfully", name
        if service["command"][0] in ("api", "worker"):
            assert "healthcheck" in service, f"{name} has no health check"
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    assert services["proxy"]["depends_on"]["api-1"]["condition"] == "service_healthy"
    assert "healthcheck" in services["postgres"]
    declared = set(compose()["secrets"])
    for name, service in services.items():
        assert set(service.get("secrets", [])) <= declared, name


def test_every_carecase_command_the_topology_runs_exists():
    argvs = [s["command"] for s in product_services().values()]
    argvs += [c["args"] for c in product_containers()]
    assert len(argvs) >= 9
    for argv in argvs:
        cli_command(argv)
    with pytest.raises(AssertionError, match="no command"):
        cli_command(["no-such-command"])  # the check itself can fail


def test_every_environment_variable_given_to_carecase_is_one_it_reads():
    read = env_names_read_by_the_product()
    given: dict[str, set[str]] = {}
    for name, service in product_services().items():
        given[f"compose {name}"] = set(service["environment"])
    for document in manifests():
        if document["kind"] == "ConfigMap":
            given[f"ConfigMap {document['metadata']['name']}"] = set(document["data"])
    for container in product_containers():
        given[f"container {container['name']}"] = {e["name"] for e in container.get("env", [])}
    for where, names in given.items():
        assert names <= read, f"{where} sets {sorted(names - read)}, which carecase never reads"
    assert "CARECASE_NO_SUCH_SETTING" not in read


def test_kubernetes_manifests_parse_and_kustomize_lists_them_all():
    folder = DEPLOY / "kubernetes"
    listed = yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]
    files = sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(listed) == files
    kinds = {(d["kind"], d["metadata"]["name"]) for d in manifests()}
    for needed in [
        ("Deployment", "carecase-api"),
        ("Deployment", "carecase-worker"),
        ("Deployment", "carecase-projections"),
        ("Service", "carecase-api"),
        ("ConfigMap", "carecase-settings"),
        ("CronJob", "carecase-checkpoint"),
    ]:
        assert needed in kinds
    for document in manifests():
        assert document["apiVersion"] and document["metadata"]["name"]
        for container in containers(document):
            assert PINNED.match(container["image"]), container["image"]
        if document["kind"] == "Deployment":
            pod = document["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["securityContext"]["runAsUser"] != 0
    projections = next(d for d in manifests() if d["metadata"]["name"] == "carecase-projections")
    assert projections["spec"]["replicas"] == 1 and projections["spec"]["strategy"]["type"] == "Recreate"


def test_the_search_attributes_registered_are_the_ones_the_workflows_write():
    expected = {f"{name}={kind}" for name, kind in CLI_TYPES.items()}
    for path in [
        DEPLOY / "compose" / "temporal-namespace.sh",
        DEPLOY / "kubernetes" / "temporal-search-attributes.yaml",
    ]:
        listed = set(
            re.findall(r"\b([A-Z]\w+=(?:Keyword|KeywordList|Datetime|Int|Double|Bool|Text))\b", path.read_text())
        )
        assert listed == expected, path


def test_the_temporal_chart_values_keep_both_stores_on_postgres_with_mutual_tls():
    values = yaml.safe_load((DEPLOY / "helm" / "temporal-values.yaml").read_text())
    stores = values["server"]["config"]["persistence"]["datastores"]
    assert {stores[s]["sql"]["pluginName"] for s in ("default", "visibility")} == {"postgres12"}
    assert all("password" not in stores[s]["sql"] for s in stores), "passwords belong in Secrets"
    assert values["server"]["tls"]["frontend"]["requireClientAuth"] is True
    assert [n["name"] for n in values["server"]["config"]["namespaces"]["namespace"]] == ["carecase"]


def test_the_image_runs_as_a_user_of_its_own_and_copies_every_package():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert bases and all(PINNED.match(b) for b in bases)
    user = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert re.search(r'^ENTRYPOINT \["carecase"\]', dockerfile, re.MULTILINE)
    pyproject = (ROOT / "pyproject.toml").read_text()
    packages = re.findall(
        r'"(\w+)\*"', re.search(r"\[tool.setuptools.packages.find\]\ninclude = \[(.*)\]", pyproject).group(1)
    )  # type: ignore[union-attr]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.MULTILINE))
    assert set(packages) == copied


def test_the_shell_scripts_parse():
    for script in sorted((DEPLOY / "compose").glob("*.sh")):
        result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"
