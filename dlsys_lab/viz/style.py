"""What every control of our widgets shares: its label shown in full (ipywidgets cuts descriptions at about
80 pixels by default: "learning r...")."""
FULL_LABEL = {"description_width": "initial"}
