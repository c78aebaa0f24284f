"""dlsys_lab: the framework of the Deep Learning Systems course kit."""
__version__ = "0.1.0"
