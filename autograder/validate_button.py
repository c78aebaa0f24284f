"""nbgrader's Validate button (JupyterLab's notebook toolbar) runs `dlsys validate`. This Jupyter server extension
answers the two requests the button makes, in place of nbgrader's validate_assignment extension (which runs
`nbgrader validate`: every cell, then the test cells' assertions, without our limits, cascade or messages), so the
button and the command report the same thing:
- GET /nbgrader_version?version=V: whether the labextension matches the installed nbgrader (as nbgrader answers);
- POST /assignments/validate?path=P (the button saves the notebook first): runs `dlsys validate P` in the course
  and answers in the form the button's dialog shows. Every public test passes: nbgrader's "Success! Your notebook
  passes all the tests." Otherwise one "failed" entry whose source is the command's report, one line per test and
  the total, and whose error is the command's verdict. The command could not run (not a lab notebook): its message.
jupyter/jupyter_server_config.py turns this extension on and nbgrader's off."""
from __future__ import annotations

import asyncio
import html
import json
import sys
from pathlib import Path

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web


def button_reply(returncode: int, stdout: str, stderr: str) -> dict:
    """What the Validate button's dialog shows for `dlsys validate`'s exit code and output (nbgrader's reply form)."""
    lines = stdout.strip().splitlines()
    if returncode == 0:
        return {"success": True, "value": {}}
    if returncode == 1 and lines:
        return {"success": True, "value": {"failed": [{"source": "\n".join(lines[:-1]),
                                                       "error": html.escape(lines[-1])}]}}
    return {"success": False, "value": (stderr.strip() or stdout.strip() or f"dlsys validate exited {returncode}")}


async def run_validate(notebook: Path, course: Path) -> tuple[int, str, str]:
    """`dlsys validate notebook` (a path relative to the course) run in the course, as a student runs it in a
    terminal: (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dlsys_lab", "--course", str(course), "validate", str(notebook), cwd=str(course),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")


class ValidateHandler(JupyterHandler):
    """POST /assignments/validate: `dlsys validate` on the notebook at `path` (relative to the server's root)."""

    @web.authenticated
    async def post(self):
        path = self.get_argument("path", None) or (self.get_json_body() or {}).get("path")
        if not path:
            raise web.HTTPError(400, "give the notebook's path")
        root = Path(self.settings["server_root_dir"]).expanduser().resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            raise web.HTTPError(403, "the notebook is outside the server's root")
        self.finish(json.dumps(button_reply(*await run_validate(target.relative_to(root), root))))


def _jupyter_server_extension_points():
    """The extension's entry point (Jupyter server's discovery protocol)."""
    return [{"module": "autograder.validate_button"}]


def _load_jupyter_server_extension(serverapp):
    """Route the Validate button's requests here (nbgrader's version check is reused as it is)."""
    from nbgrader.server_extensions.validate_assignment.handlers import NbGraderVersionHandler
    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(".*$", [(url_path_join(base, "assignments/validate"), ValidateHandler),
                                           (url_path_join(base, "nbgrader_version"), NbGraderVersionHandler)])
