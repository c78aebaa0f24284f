"""nbgrader's configuration for the repository as a course directory (loaded by ../nbgrader_config.py).
nbgrader's working folders, the gradebook and grades/ are created at grading time and git-ignored."""
import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file
COURSE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

c.CourseDirectory.course_id = "dlsys-lab"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.ExecutePreprocessor.kernel_name = "dlsys-lab"
c.Execute.kernel_name = "dlsys-lab"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.enforce_metadata = True
# Mutants are near-solutions: never copy them (or caches) into a student release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "mutants"]
# The exchange (release, fetch, submit through JupyterLab's Assignments panel) lives inside the course, not in
# /usr/local/share; `make lab` creates it. Students of a course served to each from their own copy hand in their
# notebook through the course's LMS instead (README: "Hand in a lab").
c.Exchange.root = os.path.join(COURSE_ROOT, "exchange")
