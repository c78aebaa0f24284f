"""JupyterHub for the demo class that hub/democlass.py made (its STATE/class.json, named by $DLSYS_HUB_STATE).

- On 127.0.0.1 only, behind configurable-http-proxy (npm, in STATE/node_modules); the hub's database, cookie secret
  and pid files in STATE.
- Authenticator: one password per user (STATE/passwords.json, made by `up`, readable by root only), checked
  offline. JupyterHub's SharedPasswordAuthenticator would let each student log in as any other; PAM would need the
  instructor's Unix password.
- Spawner: LocalProcessSpawner, each server a process of the user's own Unix account, so nbgrader's exchange and
  file permissions keep students apart and away from source/ (SimpleLocalProcessSpawner would run every student
  as root, able to read the solutions). The hub name `instructor` runs as the Unix user who owns the course, in
  the course (formgrader, `nbgrader release_assignment`, `dlsys grade`); students start in their homes.
- Stopping the hub stops every user's server and the proxy (cleanup_servers, cleanup_proxy)."""
import hmac
import json
import os
import pwd
from pathlib import Path

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid

c = get_config()  # noqa: F821 - provided by traitlets when JupyterHub loads this file
STATE = Path(os.environ["DLSYS_HUB_STATE"])
CLASS = json.loads((STATE / "class.json").read_text())
COURSE = Path(CLASS["course"])
VENV_BIN = Path(CLASS["python"]).parent
INSTRUCTOR = CLASS["instructor"]


class DemoClassAuthenticator(Authenticator):
    """Each user of the class with their own password, from STATE/passwords.json."""

    async def authenticate(self, handler, data):
        """The user's name when the password is theirs, else None."""
        passwords = json.loads((STATE / "passwords.json").read_text())
        name, password = data.get("username", ""), data.get("password", "")
        if name in passwords and hmac.compare_digest(passwords[name].encode(), password.encode()):
            return name
        return None


class ClassSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose instructor runs as the course's owner, in the course, with the instructor's
    settings; students run as themselves, in their homes. Both get the course's venv and Jupyter settings."""

    def unix_name(self) -> str:
        """The Unix account this hub user's server runs as."""
        return CLASS["instructor_unix"] if self.user.name == INSTRUCTOR else self.user.name

    def role(self) -> str:
        """'instructor' or 'student'."""
        return "instructor" if self.user.name == INSTRUCTOR else "student"

    def start_folder(self) -> str:
        """Where the server starts and serves files from."""
        return str(COURSE) if self.role() == "instructor" else pwd.getpwnam(self.unix_name()).pw_dir

    def make_preexec_fn(self, name):
        """Become the user, then enter the start folder."""
        become, folder = set_user_setuid(self.unix_name(), chdir=False), self.start_folder()

        def preexec():
            become()
            os.chdir(folder)
        return preexec

    def user_env(self, env):
        """The account's USER, HOME and SHELL; the course's venv first on PATH; each role's Jupyter settings."""
        account = pwd.getpwnam(self.unix_name())
        env.update(USER=account.pw_name, HOME=account.pw_dir, SHELL=account.pw_shell or "/bin/bash",
                   VIRTUAL_ENV=str(VENV_BIN.parent), PATH=f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
                   JUPYTER_CONFIG_PATH=os.pathsep.join([str(STATE / "jupyter" / self.role()),
                                                        str(Path(CLASS["repo"]) / "jupyter")]))
        if self.role() == "instructor":
            env["PYTHONPATH"] = CLASS["repo"]  # the course's `dlsys` and autograder, also for a course copy
            return env
        env["PYTHONPATH"] = str(STATE / "edition")  # the student edition's dlsys_lab, never the course's
        runtime = CLASS["student_runtime"]
        env["PATH"] = os.pathsep.join([*runtime["path"], "/usr/local/bin", "/usr/bin", "/bin"])
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([env["JUPYTER_CONFIG_PATH"], *runtime["config_path"]])
        if runtime["jupyter_path"]:
            env["JUPYTER_PATH"] = os.pathsep.join(runtime["jupyter_path"])
            env.pop("VIRTUAL_ENV", None)
        return env

    def get_env(self):
        """The environment, with the command students' servers run."""
        if self.role() == "student":
            self.cmd = CLASS["student_runtime"]["cmd"]
        return super().get_env()

    def get_args(self):
        """JupyterHub's arguments, serving the start folder."""
        self.notebook_dir = self.start_folder()
        return super().get_args()


c.JupyterHub.bind_url = f"http://127.0.0.1:{CLASS['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = CLASS["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{CLASS['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [CLASS["proxy"]]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = DemoClassAuthenticator
c.Authenticator.allowed_users = {INSTRUCTOR, *CLASS["students"]}
c.Authenticator.admin_users = {INSTRUCTOR}

c.JupyterHub.spawner_class = ClassSpawner
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
