"""Runs a notebook's cells in a real Jupyter kernel (nbclient, ipykernel), in the order given, and
prints what each produced as JSON: run as a script, so the whole run can be another user's.

    python run_notebook.py NOTEBOOK KERNEL_PYTHON CWD [ORDER]    (ORDER: cell indexes, "2,0,1")
"""

import json
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> None:
    notebook_path, python, cwd = sys.argv[1:4]
    order = [int(i) for i in sys.argv[4].split(",")] if len(sys.argv) > 4 else None
    nb = nbformat.read(notebook_path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="autograder-kernels-") as kernels:
        spec_dir = Path(kernels) / "kernels" / "under-test"
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(json.dumps({
            "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "under test", "language": "python"}))
        specs = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)])
        client = NotebookClient(nb, kernel_name="under-test", timeout=900, resources={"metadata": {"path": cwd}},
                                kernel_manager_class=_manager(specs), allow_errors=True)
        with client.setup_kernel():
            for index in order if order is not None else range(len(nb.cells)):
                try:
                    client.execute_cell(nb.cells[index], index)
                except CellExecutionError:
                    pass
    print(json.dumps([cell.get("outputs", []) for cell in nb.cells]))


def _manager(specs: KernelSpecManager):
    from jupyter_client.manager import KernelManager

    class Manager(KernelManager):
        def _kernel_spec_manager_default(self):
            return specs

    return Manager


if __name__ == "__main__":
    main()
