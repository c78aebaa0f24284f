"""Interactive figures for the lecture notebooks (ipywidgets + matplotlib), one widget per file.

Import the submodule you need (e.g. `from dlsys_lab.viz.decision_boundary import DecisionBoundaryExplorer`).
"""
