"""environment.yml must list the same dependencies, with the same lower bounds, as pyproject.toml;
the optional extras (dask, fast, bench, dev) in sections of the same names; nothing unused."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

#: conda-forge names that differ from the PyPI names.
CONDA_TO_PYPI = {"python-duckdb": "duckdb", "dask": "dask[dataframe]"}


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower(), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    return dict(_split(r) for r in reqs)


def _pyproject_groups() -> dict[str, dict[str, str]]:
    """``runtime`` and each optional extra, as {name: bound}."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    groups = {"runtime": data["project"]["dependencies"], **data["project"]["optional-dependencies"]}
    return {g: dict(_split(r) for r in reqs) for g, reqs in groups.items()}


def _conda_sections() -> dict[str, dict[str, str]]:
    """environment.yml's dependencies by section: ``runtime`` until the first ``# extra: NAME``."""
    out: dict[str, dict[str, str]] = {"runtime": {}}
    section = "runtime"
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    for line in text[text.index("\ndependencies:"):].splitlines():
        m = re.match(r"^\s*#\s*extra:\s*([a-z]+)", line)
        if m:
            section = m.group(1)
            out.setdefault(section, {})
            continue
        m = re.match(r"^  - ([^\s#]+)\s*$", line)
        if m:
            name, spec = _split(m.group(1))
            if name not in {"python", "pip"}:
                out[section][CONDA_TO_PYPI.get(name, name)] = spec
    return out


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for dep in env["dependencies"]:
        if not isinstance(dep, str):
            continue  # the pip: section
        name, spec = _split(dep)
        if name in {"python", "pip"}:
            continue
        out[CONDA_TO_PYPI.get(name, name)] = spec
    return out


def test_environment_yml_matches_pyproject() -> None:
    py, conda = _pyproject(), _conda()
    assert sorted(set(py) - set(conda)) == [], "in pyproject.toml but not environment.yml"
    assert sorted(set(conda) - set(py)) == [], "in environment.yml but not pyproject.toml"
    differing = {k: (py[k], conda[k]) for k in py if py[k] != conda[k]}
    assert differing == {}, f"version bounds differ: {differing}"


def test_python_floor_matches() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert data["project"]["requires-python"] == ">=3.11"
    assert "python>=3.11" in env["dependencies"]


def test_license_is_an_spdx_string_with_its_file() -> None:
    """setuptools deprecates ``license = {text = ...}``; the SPDX form needs setuptools >= 77."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert isinstance(data["project"]["license"], str) and data["project"]["license"] == "MIT"
    files = data["project"]["license-files"]
    assert files and all((ROOT / f).is_file() for f in files)
    assert "MIT License" in (ROOT / files[0]).read_text(encoding="utf-8")
    req = [r for r in data["build-system"]["requires"] if r.startswith("setuptools")]
    assert req and int(re.search(r">=(\d+)", req[0]).group(1)) >= 77


def test_extras_are_sections_of_environment_yml() -> None:
    py, conda = _pyproject_groups(), _conda_sections()
    assert set(py) == set(conda) == {"runtime", "dask", "fast", "bench", "dev"}
    for group in ("runtime", "dask", "fast", "bench"):
        assert conda[group] == py[group], f"section {group!r} of environment.yml differs from pyproject.toml"
    others = {k: v for g in ("dask", "fast", "bench") for k, v in py[g].items()}
    # dev = every other extra + the test tools; environment.yml lists only the test tools there
    assert {k: v for k, v in py["dev"].items() if k in others} == others, "dev must include every extra"
    assert conda["dev"] == {k: v for k, v in py["dev"].items() if k not in others}


def test_optional_packages_are_not_runtime_dependencies() -> None:
    runtime = _pyproject_groups()["runtime"]
    for name in ("duckdb", "numba", "dask[dataframe]", "distributed", "kaleido", "pytest", "hypothesis"):
        assert name not in runtime, f"{name} is optional or unused, not a runtime dependency"


def test_every_runtime_dependency_is_used() -> None:
    """Each runtime dependency is imported by airlib or needed to run its notebooks (kaleido was neither)."""
    import_names = {"pyyaml": "yaml", "jupyterlab": None, "ipykernel": None}  # None: a tool, not imported
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "airlib").rglob("*.py"))
    setup = (ROOT / "scripts" / "setup").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in _pyproject_groups()["runtime"]:
        mod = import_names.get(name, name)
        if mod is None:
            assert name in setup or name.replace("lab", " lab") in readme.lower(), name
            continue
        assert re.search(rf"^\s*(import|from) {mod}\b", source, re.M), f"{name} is never imported by airlib"


def test_scripts_setup_installs_every_extra() -> None:
    assert '-e ".[dev]"' in (ROOT / "scripts" / "setup").read_text(encoding="utf-8")
