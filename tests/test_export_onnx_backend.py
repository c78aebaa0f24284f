"""ONNX's own node conformance tests (onnx.backend.test.BackendTest) against dlsys_lab.export.onnx_backend.

Every node test whose graph uses only ops of the import table runs; expected failures are listed with their
reasons in dlsys_lab/export/conformance.py and run as xfails (an unexpected pass is an error).
"""
import re
import warnings

import onnx.backend.test

from dlsys_lab.export import conformance, onnx_backend

with warnings.catch_warnings():  # generating the node tests' data warns about casts to tiny types
    warnings.simplefilter("ignore")
    _CASES = conformance.node_tests()
    _backend_test = onnx.backend.test.BackendTest(onnx_backend, __name__)

for _case in _CASES:
    _backend_test.include(f"^{re.escape(_case.name)}_cpu$")
for _pattern in conformance.EXPECTED_FAILURES:
    _backend_test.xfail(_pattern.rstrip("$") + r".*_cpu$")

globals().update(_backend_test.test_cases)
