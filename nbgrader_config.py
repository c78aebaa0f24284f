"""nbgrader reads this file from the course root; the settings live in autograder/nbgrader_config.py."""
load_subconfig("autograder/nbgrader_config.py")  # noqa: F821 - provided by traitlets
