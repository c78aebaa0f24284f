"""The graded regions marked in dlsys_lab's source: each is the whole body of the function it names, and the
reference inside passes the framework's own tests (run by the other test files).

Every marked piece is listed here, so a marker that is lost or moved shows up as a failure.
"""
import ast
import re
from pathlib import Path

import pytest

import dlsys_lab

PACKAGE = Path(dlsys_lab.__file__).parent
BEGIN = re.compile(r"^(\s*)# BEGIN LAB (\w+) (\S+)\s*$")
END = re.compile(r"^(\s*)# END LAB (\w+)\s*$")

EXPECTED = {
    "lab01_models": {"softmax", "cross_entropy", "cross_entropy_grad", "sgd_epoch", "mlp_forward", "mlp_backward",
                     "SoftmaxCrossEntropy.forward", "SoftmaxCrossEntropy.backward"},
    "lab02_autodiff": {f"{op}.backward" for op in ("Add", "Mul", "Div", "PowerScalar", "Exp", "Log", "Tanh", "ReLU",
                                                   "MatMul", "LogSumExp", "Reshape", "BroadcastTo", "Transpose")}
    | {"grad_to_input", "topological_order", "accumulate_gradients"},
    "lab03_nn": {"Module.named_members", "Module._named_state", "Module.modules", "Module.train", "Module.eval",
                 "Module.state_dict", "Module.load_state_dict", "Linear.forward", "BatchNorm1d.forward",
                 "BatchNorm1d._update_running", "LayerNorm.forward", "Dropout.forward", "Residual.forward",
                 "SGD.update", "_moving_average", "Adam.update", "DataLoader.__len__", "DataLoader.__iter__"},
    "lab04_benchmarking": {"percentile", "time_calls", "gemv_cost", "layernorm_cost", "classify",
                           "bootstrap_ratio_ci"},
    "lab05_kernels": {"estimate"},  # and matmul_tiled, a C++ region: this file reads the Python ones
    "lab06_parallel": {"ring_all_reduce", "group_into_buckets"},
    "lab07_memory": {"value_lifetimes", "checkpoint_peak", "segments_for_budget", "first_fit_offset",
                     "first_conflict"},
    "lab08_export": {"lower_scalar_op", "lower_reduction", "foldable_nodes", "fusion_groups"},
    "lab09_optimization": {"weight_scales", "activation_scale", "quantize_symmetric", "dequantize_symmetric",
                           "plan_batches"},
    "lab10_hpo_uq": {"halving_rungs", "calibration_bins", "fit_temperature"},
}

# Pieces a lab's answers reach that its notebook does not write (lab01 is NumPy-only, while the autodiff's fused
# loss is its softmax and gradient in Tensor form): the student edition gets them when the lab is unlocked.
UNLOCKED_ONLY = {"lab01_models": {"SoftmaxCrossEntropy.forward", "SoftmaxCrossEntropy.backward"}}


def functions_by_qualname(tree):
    """{qualname: FunctionDef} of a module, methods as Class.method."""
    found = {}

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + child.name] = child
            elif isinstance(child, ast.ClassDef):
                walk(child, prefix + child.name + ".")

    walk(tree, "")
    return found


def marked_regions():
    """(lab, qualname, path, begin line, end line) of every region in the package (1-based lines)."""
    regions = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "student.py":  # its docstring shows the syntax
            continue
        lines = path.read_text().splitlines()
        open_region = None
        for number, line in enumerate(lines, 1):
            if (begin := BEGIN.match(line)) is not None:
                assert open_region is None, f"{path}:{number}: a region opens inside another"
                open_region = (begin.group(2), begin.group(3), number)
            elif (end := END.match(line)) is not None:
                assert open_region is not None and end.group(2) == open_region[0], f"{path}:{number}: stray END"
                regions.append((open_region[0], open_region[1], path, open_region[2], number))
                open_region = None
        assert open_region is None, f"{path}: region {open_region} never ends"
    return regions


REGIONS = marked_regions()


def test_every_expected_piece_is_marked_once():
    found = {}
    for lab, name, path, *_ in REGIONS:
        assert (lab, name) not in found, f"{lab} {name} marked twice: {found[(lab, name)]} and {path}"
        found[(lab, name)] = path
    assert {lab for lab, _ in found} == set(EXPECTED), "a lab with marked pieces is missing from EXPECTED"
    assert {lab: {n for (l, n) in found if l == lab} for lab in EXPECTED} == EXPECTED


@pytest.mark.parametrize("lab, name, path, begin, end", REGIONS,
                         ids=[f"{r[0]}:{r[1]}" for r in REGIONS])
def test_region_is_the_whole_body_after_the_docstring(lab, name, path, begin, end):
    function = functions_by_qualname(ast.parse(path.read_text())).get(name)
    assert function is not None, f"{path}: the region names {name}, which is no function or method there"
    body = function.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    assert body[0].lineno == begin + 1 and body[-1].end_lineno == end - 1, (
        f"{path}: the region of {name} (lines {begin}-{end}) is not exactly its body "
        f"(lines {body[0].lineno}-{body[-1].end_lineno})")


def registered_in_notebook(lab):
    """Names the solution cells of source/<lab> register with @student.implements("<lab>", name=...)."""
    import nbformat

    names = set()
    nb = nbformat.read(PACKAGE.parent / "source" / lab / f"{lab}.ipynb", as_version=4)
    for cell in nb.cells:
        if not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "student.implements":
                    assert ast.literal_eval(decorator.args[0]) == lab, f"{lab}: {node.name} registers for another lab"
                    given = [k.value for k in decorator.keywords if k.arg == "name"]
                    names.add(ast.literal_eval(given[0]) if given else node.name)
    return names


@pytest.mark.parametrize("lab", ["lab01_models", "lab02_autodiff", "lab03_nn", "lab04_benchmarking", "lab05_kernels",
                                 "lab06_parallel", "lab08_export", "lab09_optimization", "lab10_hpo_uq"])
def test_the_graded_notebook_registers_every_marked_piece_of_its_lab(lab):
    assert registered_in_notebook(lab) == EXPECTED[lab] - UNLOCKED_ONLY.get(lab, set())
