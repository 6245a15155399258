"""The private cache folder and the compiled templates kept in it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from policygen.cache import CACHE_VARIABLE, cache_dir
from policygen.templating import environment as env_module
from policygen.templating.environment import TemplateEnvironment, environment_for


def test_cache_dir_is_private_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "c"))
    folder = cache_dir("jinja-x")
    assert folder == tmp_path / "c" / "jinja-x"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_cache_dir_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir("a") == tmp_path / "policygen" / "a"


def test_empty_variable_turns_caching_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, "")
    assert cache_dir("jinja-x") is None


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_folder_others_can_write_to_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    monkeypatch.setenv(CACHE_VARIABLE, str(shared))
    assert cache_dir("jinja-x") is None


def test_symlinked_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    (real / "jinja-x").mkdir(parents=True, mode=0o700)
    real.chmod(0o700)
    base = tmp_path / "base"
    base.mkdir(mode=0o700)
    (base / "jinja-x").symlink_to(real / "jinja-x")
    monkeypatch.setenv(CACHE_VARIABLE, str(base))
    assert cache_dir("jinja-x") is None


def test_unwritable_place_gives_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_VARIABLE, str(blocker))
    assert cache_dir("jinja-x") is None


def _fresh_environment(folders: tuple[Path, ...] = ()) -> TemplateEnvironment:
    env_module._environment.cache_clear()
    return environment_for(folders)


def test_templates_compiled_once_are_loaded_by_a_new_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    templates = tmp_path / "t"
    templates.mkdir()
    (templates / "a.md.j2").write_text("甲{{ x }}\n", encoding="utf-8")
    try:
        first = _fresh_environment((templates,))
        assert first.render("a.md.j2", {"x": "1"}) == "甲1\n"
        cached = list((tmp_path / "cache").glob("jinja-*/*.cache"))
        assert len(cached) == 1

        compiled: list[str] = []
        second = _fresh_environment((templates,))
        original = second.jinja.compile
        monkeypatch.setattr(
            second.jinja,
            "compile",
            lambda *args, **kwargs: compiled.append(args[0]) or original(*args, **kwargs),
        )
        assert second.render("a.md.j2", {"x": "2"}) == "甲2\n"
        assert compiled == []  # loaded from the cache, not compiled again

        # A changed template is compiled afresh, never served stale.
        (templates / "a.md.j2").write_text("乙{{ x }}\n", encoding="utf-8")
        third = _fresh_environment((templates,))
        assert third.render("a.md.j2", {"x": "3"}) == "乙3\n"
    finally:
        env_module._environment.cache_clear()


def test_rendering_works_with_caching_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, "")
    templates = tmp_path / "t"
    templates.mkdir()
    (templates / "a.md.j2").write_text("{{ x }}\n", encoding="utf-8")
    try:
        env = _fresh_environment((templates,))
        assert env.jinja.bytecode_cache is None
        assert env.render("a.md.j2", {"x": "1"}) == "1\n"
    finally:
        env_module._environment.cache_clear()
