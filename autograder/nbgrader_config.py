"""nbgrader's configuration for the repository as a course directory (loaded by ../nbgrader_config.py).
nbgrader's working folders, the gradebook and grades/ are created at grading time and git-ignored."""
c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

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
