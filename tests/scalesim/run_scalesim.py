"""Runs SCALE-Sim v3 on GEMMs and prints its compute cycles and overall utilization as JSON (one list).

Run by the .venv-scalesim interpreter (SCALE-Sim 3.0.0 needs NumPy 2.3), from tests/test_hardware_scalesim.py:
    .venv-scalesim/bin/python tests/scalesim/run_scalesim.py '[{"M":128,"N":256,"K":64,"rows":32,"cols":32,"dataflow":"os"}]'
Each case gets scale.cfg with its array size and dataflow, and a topology CSV `Layer, M, N, K,` (A = M x K,
B = K x N); the run keeps no traces (save_disk_space=True) and writes its reports to a temporary folder.
"""
import configparser
import contextlib
import csv
import io
import json
import sys
import tempfile
from pathlib import Path

from scalesim.scale_sim import scalesim

HERE = Path(__file__).resolve().parent


def run_case(case, folder: Path) -> dict:
    """SCALE-Sim's compute report for one GEMM on one array with one dataflow."""
    config = configparser.ConfigParser()
    config.optionxform = str
    config.read(HERE / "scale.cfg")
    config["architecture_presets"].update(ArrayHeight=str(case["rows"]), ArrayWidth=str(case["cols"]),
                                          Dataflow=case["dataflow"])
    cfg, topology = folder / "scale.cfg", folder / "gemm.csv"
    with open(cfg, "w") as f:
        config.write(f)
    topology.write_text(f"Layer, M, N, K,\ngemm, {case['M']}, {case['N']}, {case['K']},\n")
    sim = scalesim(save_disk_space=True, verbose=False, config=str(cfg), topology=str(topology),
                   layout=str(HERE / "layout.csv"), input_type_gemm=True)
    with contextlib.redirect_stdout(io.StringIO()):  # SCALE-Sim prints progress even when not verbose
        sim.run_scale(top_path=str(folder))
    with open(folder / config["general"]["run_name"] / "COMPUTE_REPORT.csv") as f:
        row = next(csv.DictReader(f, skipinitialspace=True))
    return dict(case, cycles=int(row["Total Cycles"]), stall_cycles=int(row["Stall Cycles"]),
                utilization=float(row["Overall Util %"]) / 100)


def main():
    cases = json.loads(sys.argv[1])
    results = []
    for case in cases:
        with tempfile.TemporaryDirectory() as folder:
            results.append(run_case(case, Path(folder)))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
