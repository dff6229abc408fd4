"""The GitHub workflows: Pages deploy (pages.yml) and the test suite (tests.yml).

Both are parsed as YAML and checked for the steps they must have; the build
command of the Pages workflow must be the one README.md documents, and must
actually build.
"""

from __future__ import annotations

import shlex

import pytest
import yaml

from conftest import REPO, run_cli

WORKFLOWS = REPO / ".github" / "workflows"
PAGES_BASE_URL = "${{ steps.pages.outputs.base_url }}"


def load_workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{name}: not a mapping"
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def triggers(workflow: dict) -> dict:
    on = workflow["on"]
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {event: None for event in on}
    return on


def steps(workflow: dict) -> list[tuple[str, dict]]:
    return [(job_id, step) for job_id, job in workflow["jobs"].items() for step in job.get("steps", [])]


def uses(workflow: dict, action: str) -> list[dict]:
    """The steps that use `action` (any version)."""
    return [step for _, step in steps(workflow) if str(step.get("uses", "")).split("@")[0] == action]


def run_lines(workflow: dict) -> list[str]:
    return [line.strip() for _, step in steps(workflow) for line in str(step.get("run", "")).splitlines()]


def build_commands(workflow: dict) -> list[str]:
    return [line for line in run_lines(workflow) if line.startswith("digest build")]


@pytest.fixture(scope="module")
def pages() -> dict:
    return load_workflow("pages.yml")


@pytest.fixture(scope="module")
def tests_workflow() -> dict:
    return load_workflow("tests.yml")


# pages.yml


def test_pages_triggers(pages):
    on = triggers(pages)
    assert "main" in on["push"]["branches"]
    assert "workflow_dispatch" in on


def test_pages_permissions(pages):
    assert pages["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_pages_concurrency(pages):
    concurrency = pages["concurrency"]
    assert concurrency.get("group"), "a concurrency group serializes deployments"
    assert concurrency.get("cancel-in-progress") is False


def test_pages_environment(pages):
    deploying = [job for job in pages["jobs"].values() if any(
        str(s.get("uses", "")).startswith("actions/deploy-pages@") for s in job.get("steps", []))]
    assert len(deploying) == 1
    environment = deploying[0]["environment"]
    assert environment["name"] == "github-pages"
    [deploy_step] = uses(pages, "actions/deploy-pages")
    assert environment["url"] == "${{ steps." + deploy_step["id"] + ".outputs.page_url }}"


def test_pages_steps(pages):
    for action in ("actions/checkout", "actions/setup-python", "actions/configure-pages",
                   "actions/upload-pages-artifact", "actions/deploy-pages"):
        assert uses(pages, action), f"pages.yml has no step that uses {action}"
    [setup_python] = uses(pages, "actions/setup-python")
    assert str(setup_python["with"]["python-version"]).startswith("3.1")
    [upload] = uses(pages, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "site"


def test_pages_jobs_in_order(pages):
    jobs = pages["jobs"]
    build_job = next(job_id for job_id, step in steps(pages) if "digest build" in str(step.get("run", "")))
    upload_job = next(job_id for job_id, step in steps(pages) if step in uses(pages, "actions/upload-pages-artifact"))
    deploy_job = next(job_id for job_id, step in steps(pages) if step in uses(pages, "actions/deploy-pages"))
    assert build_job == upload_job
    needs = jobs[deploy_job].get("needs", [])
    assert build_job in ([needs] if isinstance(needs, str) else needs)
    # Within the build job: checkout, install, build, upload, in that order.
    names = [str(s.get("uses", "")).split("@")[0] or str(s.get("run", "")).strip() for s in jobs[build_job]["steps"]]
    position = {name: i for i, name in enumerate(names)}
    build = next(i for i, name in enumerate(names) if name.startswith("digest build"))
    install = next(i for i, name in enumerate(names) if "pip install" in name)
    assert position["actions/checkout"] < install < build < position["actions/upload-pages-artifact"]
    assert position["actions/configure-pages"] < build


def test_pages_build_command(pages):
    commands = build_commands(pages)
    assert commands, "no `digest build` line in the run steps of pages.yml"
    [configure] = uses(pages, "actions/configure-pages")
    for command in commands:
        assert "--base-url" in command, command
        # The URL comes from configure-pages, which gives it without a trailing slash.
        assert "${{ steps." + configure["id"] + ".outputs.base_url }}/" in command, command
        # The artifact is `site`, the default output folder: no other --output.
        argv = shlex.split(command)
        assert "--output" not in argv or argv[argv.index("--output") + 1] == "site", command


def test_pages_build_command_is_documented(pages):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = {line.strip() for line in readme.splitlines()}
    for command in build_commands(pages):
        assert command in documented, f"README.md does not document the workflow's build command:\n{command}"


def test_pages_build_command_builds(pages, tmp_path):
    """The workflow's command, with a project-page URL in place of the expression, builds the demo."""
    for command in build_commands(pages):
        argv = shlex.split(command.replace(PAGES_BASE_URL, "https://user.github.io/repo"))
        assert argv[:2] == ["digest", "build"]
        output = tmp_path / "site"
        result = run_cli(*argv[1:], "--source", REPO, "--output", output)
        assert result.code == 0, result.err
        home = (output / "index.html").read_text(encoding="utf-8")
        assert "/repo/" in home


# tests.yml


def test_tests_triggers(tests_workflow):
    on = triggers(tests_workflow)
    assert "push" in on and "pull_request" in on
    for event in ("push", "pull_request"):
        filters = on[event] or {}
        assert not {"branches", "paths", "tags"} & set(filters), f"{event} is filtered: {filters}"


def test_tests_runs_readme_command_in_debian(tests_workflow):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "\nscripts/test\n" in readme, "the README's test command changed"
    jobs = [job for job in tests_workflow["jobs"].values()
            if any(line == "scripts/test" or line.startswith("scripts/test ")
                   for s in job.get("steps", []) for line in str(s.get("run", "")).splitlines())]
    assert jobs, "no job runs scripts/test"
    for job in jobs:
        container = job["container"]
        image = container["image"] if isinstance(container, dict) else container
        assert image == "debian:12"
        names = [str(s.get("uses", "")).split("@")[0] or str(s.get("run", "")).strip() for s in job["steps"]]
        assert "actions/checkout" in names
        test_step = next(i for i, name in enumerate(names) if name.startswith("scripts/test"))
        assert names.index("actions/checkout") < test_step
        # A bare debian:12 has neither Python nor Java (for the Nu Html Checker): installed before the tests.
        installs = " ".join(names[:test_step])
        for package in ("python3", "python3-venv", "default-jre-headless", "chromium"):
            assert f" {package}" in installs, f"{package} is not installed before scripts/test"
