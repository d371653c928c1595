"""deploy/: the image, the Kubernetes manifests and the compose file, checked offline.

The manifests are validated against the Kubernetes JSON schemas that kubernetes-validate ships
(no cluster needed), and the compose file against the compose-spec schema that check-jsonschema
vendors. No Docker daemon is needed: the Dockerfile is checked for what the image must be.
"""

import importlib.resources
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from cli.processes import PROCESSES, SERVICES
from common.database import async_database_url, asyncpg_dsn
from common.settings import DEVELOPMENT_JWT_SECRET

REPO = Path(__file__).resolve().parent.parent
K8S = REPO / "deploy" / "k8s"
# The oldest minor version still supported by the big managed offerings, and the newest shipped.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.utils.latest_version())


def k8s_name(process: str) -> str:
    return process.replace("_", "-")


def load_documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifest_files() -> list[Path]:
    return sorted(path for path in K8S.rglob("*.yaml") if path.name != "kustomization.yaml")


def all_resources() -> list[dict]:
    return [doc for path in manifest_files() for doc in load_documents(path)]


def find(kind: str, name: str) -> dict:
    matches = [doc for doc in all_resources() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def configmap() -> dict[str, str]:
    return find("ConfigMap", "techniekpact-config")["data"]


# --- Kubernetes manifests ------------------------------------------------------------------------

@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: str(path.relative_to(K8S)))
def test_every_manifest_validates_against_the_kubernetes_schema(path, version):
    documents = load_documents(path)
    assert documents
    for document in documents:
        kubernetes_validate.validate(document, version, strict=True)


def test_a_manifest_with_a_mistake_is_caught():
    """The validation above has teeth: a typo in a probe is an error, not silently ignored."""
    deployment = find("Deployment", "gateway")
    container(deployment)["readinessProbe"]["httpGett"] = container(deployment)["readinessProbe"].pop("httpGet")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_kustomizations_list_every_manifest_and_nothing_else():
    listed = {K8S / name for name in yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]}
    listed |= {K8S / "migrate" / name for name in yaml.safe_load((K8S / "migrate" / "kustomization.yaml").read_text())["resources"]}
    # The example Secret is filled in by hand or made by a secret manager, never applied as it is.
    assert listed == set(manifest_files()) - {K8S / "secret.example.yaml"}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) is not installed")
@pytest.mark.parametrize("directory", [K8S, K8S / "migrate"], ids=["base", "migrate"])
def test_kustomize_build_renders_valid_manifests_with_the_released_image(directory):
    rendered = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=True)
    documents = [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]
    for document in documents:
        assert document["metadata"].get("namespace", "techniekpact") == "techniekpact"
        kubernetes_validate.validate(document, KUBERNETES_VERSIONS[-1], strict=True)
    images = set(re.findall(r"image: (\S+)", rendered.stdout))
    # Every process runs the released image; the base also runs the gateways' Redis from its own.
    assert images == {"registry.example.org/techniekpact:1.0.0"} | ({"redis:7.4-alpine"} if directory == K8S else set())


@pytest.mark.parametrize("process", PROCESSES)
def test_each_process_has_deployment_service_pdb_and_autoscaler(process):
    name, port = k8s_name(process), PROCESSES[process].default_port
    deployment = find("Deployment", name)
    labels = {"app.kubernetes.io/name": name}
    assert deployment["spec"]["selector"]["matchLabels"] == labels
    assert deployment["spec"]["replicas"] >= 2

    main = container(deployment)
    assert main["args"] == ["serve", process, "--host", "0.0.0.0", "--port", str(port)]
    assert main["ports"] == [{"name": "http", "containerPort": port}]
    assert main["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for kind in ("requests", "limits"):
        assert set(main["resources"][kind]) == {"cpu", "memory"}

    service = find("Service", name)
    assert service["spec"]["selector"] == labels
    assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]
    assert find("PodDisruptionBudget", name)["spec"]["selector"]["matchLabels"] == labels
    autoscaler = find("HorizontalPodAutoscaler", name)["spec"]
    assert autoscaler["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert 2 <= autoscaler["minReplicas"] < autoscaler["maxReplicas"]


@pytest.mark.parametrize("process", PROCESSES)
def test_pods_run_locked_down_and_get_time_to_drain(process):
    pod = find("Deployment", k8s_name(process))["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["automountServiceAccountToken"] is False
    security = container({"spec": {"template": {"spec": pod}}})["securityContext"]
    assert security == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    pre_stop_seconds = int(container({"spec": {"template": {"spec": pod}}})["lifecycle"]["preStop"]["exec"]["command"][1])
    drain_seconds = int(configmap()["SHUTDOWN_TIMEOUT_SECONDS"])
    assert pod["terminationGracePeriodSeconds"] > pre_stop_seconds + drain_seconds


@pytest.mark.parametrize("process", PROCESSES)
def test_configuration_from_the_configmap_and_secrets_from_secrets(process):
    sources = container(find("Deployment", k8s_name(process)))["envFrom"]
    assert {"configMapRef": {"name": "techniekpact-config"}} in sources
    secrets = {source["secretRef"]["name"] for source in sources if "secretRef" in source}
    # The gateway owns no tables: it never gets the database credentials.
    assert secrets == ({"techniekpact-jwt"} if process == "gateway" else {"techniekpact-jwt", "techniekpact-database"})
    assert not any(key in configmap() for key in ("DATABASE_URL", "JWT_SECRET"))


def test_the_configmap_names_only_settings_that_exist():
    from gateway.settings import GatewaySettings
    from services.metrics_api.settings import MetricsSettings

    known = {name.upper() for cls in (GatewaySettings, MetricsSettings) for name in cls.model_fields}
    known |= {"FORWARDED_ALLOW_IPS"}  # read by uvicorn itself
    assert set(configmap()) <= known, set(configmap()) - known


def test_the_configmap_passes_the_production_checks_of_every_process():
    """Production refuses development defaults; the shipped configuration is accepted as it is."""
    from gateway.settings import GatewaySettings
    from services.actions_api.settings import ActionsSettings
    from services.metrics_api.settings import MetricsSettings
    from services.partners_api.settings import PartnersSettings

    example_secrets = {doc["metadata"]["name"]: doc["stringData"] for doc in load_documents(K8S / "secret.example.yaml")}
    values = {key.lower(): value for key, value in configmap().items() if key != "FORWARDED_ALLOW_IPS"}
    database = {"database_url": example_secrets["techniekpact-database"]["DATABASE_URL"]}
    gateway = GatewaySettings(_env_file=None, **values)
    assert gateway.is_production and not gateway.production_problems()
    assert gateway.service_urls() == {process: f"http://{k8s_name(process)}:{PROCESSES[process].default_port}"
                                      for process in SERVICES}
    for settings_class in (ActionsSettings, PartnersSettings, MetricsSettings):
        settings = settings_class(_env_file=None, **values, **database)
        assert settings.is_production and not settings.production_problems()
    with pytest.raises(ValueError, match="GRAPHQL_INTROSPECTION"):
        GatewaySettings(_env_file=None, **{**values, "graphql_introspection": "true"})
    assert example_secrets["techniekpact-jwt"]["JWT_SECRET"] != DEVELOPMENT_JWT_SECRET


def test_the_example_database_url_with_tls_works_for_both_drivers():
    """`?sslmode=require` as operators write it: asyncpg's DSN keeps it, SQLAlchemy's URL says `ssl`."""
    url = load_documents(K8S / "secret.example.yaml")[0]["stringData"]["DATABASE_URL"]
    assert "sslmode=require" in url
    assert async_database_url(url).endswith("?ssl=require") and async_database_url(url).startswith("postgresql+asyncpg://")
    assert asyncpg_dsn(url).endswith("?sslmode=require")
    assert asyncpg_dsn(async_database_url(url)) == asyncpg_dsn(url)


def test_the_migration_job_runs_migrate_once_with_the_database_secret():
    job = find("Job", "techniekpact-migrate")
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] <= 3
    assert container(job)["args"] == ["migrate"]
    assert {"secretRef": {"name": "techniekpact-database"}} in container(job)["envFrom"]
    # Migrations are this job's alone: no process migrates on start.
    for process in PROCESSES:
        assert "migrate" not in container(find("Deployment", k8s_name(process)))["args"]


def test_network_policy_lets_only_the_gateway_ingress_and_monitoring_reach_the_services():
    deny = find("NetworkPolicy", "default-deny-ingress")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    for process in SERVICES:
        policy = find("NetworkPolicy", k8s_name(process))["spec"]
        assert policy["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": k8s_name(process)}}
        [rule] = policy["ingress"]
        assert rule["ports"] == [{"port": PROCESSES[process].default_port, "protocol": "TCP"}]
        pods = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in rule["from"] if "podSelector" in peer}
        namespaces = {peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                      for peer in rule["from"] if "namespaceSelector" in peer}
        # actions_api validates organisation ids against partners_api (contracts.md) and reads the
        # series of its goals from metrics_api.
        assert pods == ({"gateway", "actions-api"} if process in ("partners_api", "metrics_api") else {"gateway"})
        assert namespaces == {"ingress-nginx", "monitoring"}
        assert all(set(peer) <= {"podSelector", "namespaceSelector"} for peer in rule["from"])


def redis_arguments(args: list[str]) -> dict[str, str]:
    assert args[0] == "redis-server"
    return dict(zip(args[1::2], args[2::2], strict=True))


def test_the_gateways_share_a_redis_that_keeps_nothing_and_evicts_nothing():
    """GATEWAY_CACHE_URL names the Redis Service; an evicted invalidation stamp could let a stale answer
    through, so a full Redis refuses writes instead (the gateways then answer from the services)."""
    service = find("Service", "redis")["spec"]
    [port] = service["ports"]
    assert configmap()["GATEWAY_CACHE_URL"] == f"redis://redis:{port['port']}/0"
    deployment = find("Deployment", "redis")
    assert service["selector"] == deployment["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "redis"}
    options = redis_arguments(container(deployment)["args"])
    assert options["--maxmemory-policy"] == "noeviction"
    assert options["--save"] == "" and options["--appendonly"] == "no"
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    assert container(deployment)["securityContext"]["readOnlyRootFilesystem"] is True


def test_only_the_gateway_reaches_redis():
    policy = find("NetworkPolicy", "redis")["spec"]
    assert policy["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "redis"}}
    [rule] = policy["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}]
    assert rule["ports"] == [{"port": 6379, "protocol": "TCP"}]


def test_the_ingress_routes_front_ends_to_the_gateway_and_machine_clients_to_the_services():
    rules = find("Ingress", "techniekpact")["spec"]["rules"]
    backends = {(rule["host"], path["path"]): path["backend"]["service"]["name"]
                for rule in rules for path in rule["http"]["paths"]}
    assert backends[("techniekpact.example.org", "/")] == "gateway"  # /graphql and the dashboard
    assert sorted(backends.values()) == sorted(k8s_name(process) for process in PROCESSES)


# --- the image ----------------------------------------------------------------------------------

def dockerfile_stages() -> list[list[str]]:
    """Instructions per stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (REPO / "deploy" / "Dockerfile").read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_the_image_is_multi_stage_and_its_final_stage_has_no_build_tools():
    stages = dockerfile_stages()
    assert len(stages) >= 2
    final = stages[-1]
    assert re.match(r"FROM python:3\.1\d+-slim", final[0]), final[0]
    final_text = "\n".join(final)
    assert not re.search(r"\b(apt-get|apk|yum|dnf)\b.*\binstall\b", final_text)
    assert not re.search(r"\b(gcc|g\+\+|build-essential|make|clang|libpq-dev|python3-dev)\b", final_text)
    assert not re.search(r"\bpip\b.*\binstall\b", final_text)
    # What the final stage takes from the build stage: the venv only, no sources or caches.
    assert re.findall(r"COPY --from=(\S+) (\S+)", final_text) == [("build", "/opt/venv")]


def test_the_image_runs_as_a_non_root_user():
    users = [line.split()[1] for line in dockerfile_stages()[-1] if line.upper().startswith("USER ")]
    assert users, "the final stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in ("0", "root")
    pod_user = find("Deployment", "gateway")["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    assert user == str(pod_user)


def test_the_command_selects_the_process_and_migrations_are_a_separate_command():
    final = dockerfile_stages()[-1]
    [entrypoint] = [json.loads(line.split(None, 1)[1]) for line in final if line.startswith("ENTRYPOINT")]
    [command] = [json.loads(line.split(None, 1)[1]) for line in final if line.startswith("CMD")]
    # Exec form: python is PID 1 and gets SIGTERM itself (a shell would swallow it).
    assert entrypoint == ["python", "-m", "cli.main"]
    assert command[:2] == ["serve", "gateway"]
    assert not any("migrate" in line for line in final if line.startswith(("RUN", "ENTRYPOINT", "CMD")))
    # The migrations travel with the image, beside the code that finds them.
    assert "COPY --chown=root:root migrations migrations" in final


def test_the_build_context_leaves_out_local_state():
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".data", ".env"} <= set(ignored)


# --- docker-compose.yml -------------------------------------------------------------------------

def compose_file() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_the_compose_file_validates_against_the_compose_spec():
    schema = json.loads(importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
                        .joinpath("compose-spec.json").read_text())
    jsonschema.validate(compose_file(), schema, cls=jsonschema.Draft202012Validator)
    broken = compose_file()
    broken["services"]["gateway"]["depends_on"]["actions_api"]["condition"] = "service_started_eventually"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)


def _docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _docker_compose_available(), reason="the docker compose plugin is not installed")
def test_docker_compose_config_accepts_the_compose_file():
    subprocess.run(["docker", "compose", "-f", str(REPO / "docker-compose.yml"), "config", "--quiet"],
                   check=True, env={**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": ""})


def test_compose_migrates_once_before_the_services_start():
    services = compose_file()["services"]
    assert services["migrate"]["command"] == ["migrate"] and services["migrate"]["restart"] == "no"
    for process in PROCESSES:
        service = services[process]
        assert service["command"][:2] == ["serve", process]
        assert f"127.0.0.1:{PROCESSES[process].default_port}/readyz" in " ".join(service["healthcheck"]["test"])
    for process in SERVICES:
        assert services[process]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert services["gateway"]["depends_on"] == {name: {"condition": "service_healthy"} for name in (*SERVICES, "redis")}


def test_compose_gives_the_gateway_the_redis_the_manifests_give_it():
    services = compose_file()["services"]
    assert services["gateway"]["environment"]["GATEWAY_CACHE_URL"] == "redis://redis:6379/0"
    # The rest of the gateway's environment is every process's, not a copy that could drift from it.
    assert services["gateway"]["environment"].items() > services["actions_api"]["environment"].items()
    options = redis_arguments(services["redis"]["command"])
    manifest = redis_arguments(container(find("Deployment", "redis"))["args"])
    assert options == manifest


# --- configuration ------------------------------------------------------------------------------

def test_every_setting_of_every_process_is_in_the_readme_configuration_table():
    from gateway.settings import GatewaySettings
    from services.actions_api.settings import ActionsSettings
    from services.metrics_api.settings import MetricsSettings
    from services.partners_api.settings import PartnersSettings

    readme = (REPO / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    variables = {name.upper() for cls in (GatewaySettings, ActionsSettings, PartnersSettings, MetricsSettings)
                 for name in cls.model_fields}
    assert variables - documented == set(), "add these to the README's Configuration table"
