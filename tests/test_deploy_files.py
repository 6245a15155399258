"""The Dockerfile and the deployment examples in docs/deploy: they cannot run here (no
container runtime), so each is parsed and checked against what it names — the routes its
probes call, the options of the commands it runs, the grace a SIGTERM needs."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from distributed.cli.dask_scheduler import main as dask_scheduler
from distributed.cli.dask_worker import main as dask_worker
from ruamel.yaml import YAML

from policygen.batch import cluster as batch_cluster
from policygen.cli import app
from policygen.service import create_app
from policygen.serving import GRACE_SECONDS, ServiceLimits

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "docs" / "deploy"
DOCKERFILE = ROOT / "Dockerfile"


def _documents(name: str) -> list[dict[str, Any]]:
    return [doc for doc in YAML(typ="safe").load_all(DEPLOY / name) if doc]


def _parse(argv: list[str]) -> None:
    """Parse the command line `argv` as its program would, without running it; raise
    click's UsageError or NoSuchOption for an option it does not have."""
    program, command, *rest = argv
    if program == "policygen":
        cli = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    else:
        assert program == "dask", argv
        cli = {"scheduler": dask_scheduler, "worker": dask_worker}[command]
    cli.make_context(command, list(rest))


@pytest.fixture(scope="module")
def get_routes() -> set[str]:
    spec = create_app().openapi()
    return {path for path, operations in spec["paths"].items() if "get" in operations}


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return (
        list(doc["spec"]["template"]["spec"]["containers"]) if doc["kind"] == "Deployment" else []
    )


def test_kubernetes_example(get_routes: set[str]) -> None:
    docs = _documents("kubernetes.yaml")
    assert {d["kind"] for d in docs} == {"Deployment", "Service"}
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    for doc in docs:  # every Service selects pods of a Deployment here
        if doc["kind"] == "Service":
            selector = doc["spec"]["selector"]
            assert any(
                d["spec"]["template"]["metadata"]["labels"] == selector
                for d in deployments.values()
            )
    for deployment in deployments.values():
        assert (
            deployment["spec"]["selector"]["matchLabels"]
            == (deployment["spec"]["template"]["metadata"]["labels"])
        )
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        for container in _containers(deployment):
            _parse(container["args"])
    service = deployments["policygen"]["spec"]["template"]["spec"]
    (container,) = service["containers"]
    probes = [container["readinessProbe"], container["livenessProbe"]]
    assert {p["httpGet"]["path"] for p in probes} == {"/health/ready", "/health/live"}
    assert {p["httpGet"]["path"] for p in probes} <= get_routes
    grace = ServiceLimits().request_timeout + GRACE_SECONDS
    assert service["terminationGracePeriodSeconds"] >= grace
    annotations = deployments["policygen"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] in get_routes


def test_compose_example(get_routes: set[str]) -> None:
    (compose,) = _documents("compose.yaml")
    services = compose["services"]
    for service in services.values():
        if "command" in service:
            _parse(service["command"])
    api = services["api"]
    assert api["deploy"]["replicas"] > 1
    assert int(api["stop_grace_period"].rstrip("s")) >= ServiceLimits().request_timeout
    (url,) = re.findall(r"http://127\.0\.0\.1:8000(/[\w/]+)", " ".join(api["healthcheck"]["test"]))
    assert url in get_routes
    # the batch recipe in the file's head names the scheduler's service and port
    scheduler = services["dask-scheduler"]["command"]
    assert scheduler[scheduler.index("--port") + 1] == "8786"
    assert "tcp://dask-scheduler:8786" in (DEPLOY / "compose.yaml").read_text(encoding="utf-8")


def _instructions(text: str) -> list[tuple[str, str]]:
    """Return the Dockerfile's instructions (name, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile(get_routes: set[str]) -> None:
    steps = _instructions(DOCKERFILE.read_text(encoding="utf-8"))
    names = [name for name, _ in steps]
    assert names[0] == "FROM" and names.count("CMD") == 1 and names.count("HEALTHCHECK") == 1
    known = {"FROM", "RUN", "WORKDIR", "COPY", "USER", "ENV", "EXPOSE", "HEALTHCHECK"}
    assert set(names) <= known | {"CMD", "STOPSIGNAL"}
    installs = " ".join(args for name, args in steps if name == "RUN")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    fonts = re.search(r"^SYSTEM_PACKAGES\s*:=\s*(.+)$", makefile, re.M)
    assert fonts is not None
    for package in ("fonts-noto-cjk", "libharfbuzz-subset0"):  # as `make setup` installs
        assert package in fonts.group(1) and package in installs
    users = [args for name, args in steps if name == "USER"]
    assert users and users[-1] not in ("root", "0")
    k8s = next(d for d in _documents("kubernetes.yaml") if d["metadata"]["name"] == "policygen")
    assert str(k8s["spec"]["template"]["spec"]["securityContext"]["runAsUser"]) == users[-1]
    cmd = json.loads(next(args for name, args in steps if name == "CMD"))
    _parse(cmd)
    health = next(args for name, args in steps if name == "HEALTHCHECK")
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/[\w/]+)", health)
    assert path in get_routes
    assert "--port" in cmd and cmd[cmd.index("--port") + 1] == "8000"
    assert ("EXPOSE", "8000") in steps
    # the image's `dask scheduler` and `dask worker` read policygen's Dask file from /etc/dask
    config = batch_cluster.CONFIG.relative_to(ROOT).as_posix()
    assert re.search(rf"cp {re.escape(config)} /etc/dask/\S+\.yaml", installs)
    assert all(shlex.split(args) for name, args in steps if name == "RUN")
