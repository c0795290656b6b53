"""The CI workflow read against the README and the code, since no CI runner or Docker
engine runs here: it must run the README's commands, against real MongoDB and RabbitMQ
service containers reached through the variables the tests read, and smoke-test the
compose file the README tells ops to use."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
README = (ROOT / "README.md").read_text()
INFRASTRUCTURE = (ROOT / "tests/support/infrastructure.py").read_text()


def commands(job: str) -> list[str]:
    return [step["run"] for step in WORKFLOW["jobs"][job]["steps"] if "run" in step]


def readme_commands() -> set[str]:
    """The `make ...` and `docker compose ...` commands the README tells people to run."""
    found = set(re.findall(r"`(make [a-z]+)`", README))
    found |= set(re.findall(r"^(make [a-z]+)\s", README, re.MULTILINE))
    found |= set(re.findall(r"`(docker compose [a-z -]+)`", README))
    return found


def test_the_readme_names_the_commands_ci_runs() -> None:
    assert {"make test", "make run", "docker compose up --build"} <= readme_commands()


def test_the_test_job_runs_make_test_on_real_mongodb_and_rabbitmq() -> None:
    job = WORKFLOW["jobs"]["test"]
    assert "make test" in commands("test")
    services = job["services"]
    assert set(services) == {"mongodb", "rabbitmq"}
    assert services["mongodb"]["image"].startswith("mongo:")
    assert services["rabbitmq"]["image"].startswith("rabbitmq:")
    for variable, service, scheme in (
        ("MONGODB_URL", "mongodb", "mongodb"),
        ("RABBITMQ_URL", "rabbitmq", "amqp"),
    ):
        # The test support reads exactly these variables before falling back to local ones.
        assert f'os.environ.get("{variable}")' in INFRASTRUCTURE
        url = urlparse(job["env"][variable])
        assert url.scheme == scheme
        published = {str(port).split(":")[0] for port in services[service]["ports"]}
        assert str(url.port) in published, (variable, url.port, published)
        assert "--health-cmd" in services[service]["options"]


def test_the_compose_job_goes_up_runs_a_journey_and_comes_down() -> None:
    steps = commands("compose-smoke")
    up = [i for i, run in enumerate(steps) if run.startswith("docker compose up --build")]
    journey = [i for i, run in enumerate(steps) if "compose_smoke.py journey" in run]
    down = [i for i, run in enumerate(steps) if run.startswith("docker compose down")]
    assert up and journey and down and up[0] < journey[0] < down[0]
    teardown = next(
        step
        for step in WORKFLOW["jobs"]["compose-smoke"]["steps"]
        if step.get("run", "").startswith("docker compose down")
    )
    assert teardown.get("if") == "always()"


def test_every_command_of_the_workflow_exists() -> None:
    """Make targets in the Makefile, python modules on disk: a renamed one fails here."""
    makefile = (ROOT / "Makefile").read_text()
    for job in WORKFLOW["jobs"]:
        for run in commands(job):
            words = [w for w in shlex.split(run.split(">")[0]) if "=" not in w]
            if words[0] == "make":
                assert re.search(rf"^{words[1]}:", makefile, re.MULTILINE), run
            if "-m" in words:
                module = words[words.index("-m") + 1]
                path = ROOT / Path(*module.split("."))
                assert path.with_suffix(".py").exists() or (path / "__init__.py").exists(), run
            scripts = [word for word in words if word.endswith(".py")]
            assert all((ROOT / script).exists() for script in scripts), run
