"""Committed notebooks carry the full language_info, so JupyterLab does not open them already marked unsaved."""
import json

import pytest

from dlsys_lab.notebook_metadata import LANGUAGE_INFO, ROOT, course_notebooks


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_language_info_is_complete(path):
    info = json.loads(path.read_text())["metadata"].get("language_info", {})
    assert {k: v for k, v in info.items() if k != "version"} == {
        k: v for k, v in LANGUAGE_INFO.items() if k != "version"}, \
        f"run `python -m dlsys_lab.notebook_metadata {path}`"
    assert info["version"].startswith("3."), path


def test_language_info_is_what_the_kernel_reports():
    from jupyter_client.manager import start_new_kernel
    manager, client = start_new_kernel(kernel_name="dlsys-lab")
    try:
        reported = client.kernel_info(reply=True, timeout=60)["content"]["language_info"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert {k: v for k, v in reported.items() if k != "version"} == {
        k: v for k, v in LANGUAGE_INFO.items() if k != "version"}
    assert reported["version"].split(".")[:2] == LANGUAGE_INFO["version"].split(".")[:2]
