"""dlsys_lab.notebooks.execute_notebook: runs in memory, leaves the file alone, and names a slow cell."""
import re

import nbformat
import pytest

from dlsys_lab.notebooks import execute_notebook


@pytest.mark.notebook
def test_a_slow_cell_is_named_in_a_warning_and_the_file_is_untouched(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("import time\ntime.sleep(0.5)")]
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    with pytest.warns(UserWarning) as caught:
        executed = execute_notebook(path, slow_cell_s=0.3)
    slow = [str(w.message) for w in caught if "took" in str(w.message)]
    assert len(slow) == 1 and re.fullmatch(r"slow.ipynb: cell 1 took \d+ s \('import time'\)", slow[0]), slow
    assert path.read_bytes() == before
    assert all(cell.outputs == [] for cell in executed.cells)  # ran, printed nothing
