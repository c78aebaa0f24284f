"""environment.yml (conda) must list exactly pyproject.toml's dependencies and test extras."""
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pip_requirements_of_environment_yml() -> set[str]:
    """The pip: entries of environment.yml, without the editable install and the torch pin."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict) and "pip" in dep)
    return {req for req in pip if not req.startswith("-e") and not req.startswith("torch==")}


def requirements_of_pyproject() -> set[str]:
    """pyproject's dependencies plus its test extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["test"])


def test_environment_yml_mirrors_pyproject():
    in_yml, in_pyproject = pip_requirements_of_environment_yml(), requirements_of_pyproject()
    assert in_yml == in_pyproject, (
        f"only in environment.yml: {sorted(in_yml - in_pyproject)}; "
        f"only in pyproject.toml: {sorted(in_pyproject - in_yml)}")


def test_environment_yml_pins_the_same_torch_as_the_makefile():
    env_text = (ROOT / "environment.yml").read_text()
    makefile = (ROOT / "Makefile").read_text()
    pin = next(line.split("?=")[1].strip() for line in makefile.splitlines() if line.startswith("TORCH_SPEC"))
    assert f"- {pin}" in env_text
