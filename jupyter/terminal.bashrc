# A JupyterLab terminal of the course (see jupyter_server_config.py): the user's usual settings, then the course's
# venv first on PATH (`make lab` sets VIRTUAL_ENV), so `dlsys`, `python` and `jupyter` are the course's.
[ -f ~/.bashrc ] && . ~/.bashrc
[ -n "$VIRTUAL_ENV" ] && PATH="$VIRTUAL_ENV/bin:$PATH"
