"""The course autograder: nbgrader pipeline, sandbox and self-checks."""
