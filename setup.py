"""The compiled modules of the package: processes._tree_scan, the BPMN scan's element loops, and
modeler._json_walk, strict_json's walk of a parsed document, in C.

Everything else is in pyproject.toml. _tree_scan is built against the lxml of the environment it
is installed into (bin/setup installs lxml, then builds without build isolation), because it
reads lxml's elements through lxml's public C API; processes.bpmn checks the version it was built
against and runs its Python loops when the module is missing or was built for another lxml.
"""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension("processes._tree_scan", ["processes/_tree_scan.pyx"], include_dirs=lxml.get_include()),
            Extension("modeler._json_walk", ["modeler/_json_walk.pyx"]),
        ],
        compiler_directives={"language_level": "3"},
    )
)
