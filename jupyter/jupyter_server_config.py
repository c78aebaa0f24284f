"""The course's JupyterLab settings: `make lab` puts this folder on JUPYTER_CONFIG_PATH.
No news or update check; labconfig/page_config.json also turns off the plugin that asks about news. nbgrader's
Validate button (notebook toolbar) runs `dlsys validate`, which checks the way grading does: autograder/validate_button.py
answers its requests in place of nbgrader's validate_assignment extension, turned off here. Terminals are bash with the
course's venv first on PATH, after the user's ~/.bashrc (a login shell would reset PATH from /etc/profile, and
`dlsys` would not be found)."""
import os

c = get_config()  # noqa: F821 - provided by traitlets when Jupyter loads this file

c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.ServerApp.terminado_settings = {
    "shell_command": ["bash", "--rcfile", os.path.join(os.path.dirname(os.path.abspath(__file__)), "terminal.bashrc"),
                      "-i"]}
c.ServerApp.jpserver_extensions = {"nbgrader.server_extensions.validate_assignment": False,
                                   "autograder.validate_button": True}
