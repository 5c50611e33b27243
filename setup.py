"""Package discovery: every package under provenance/, and those under callbacks/ as `provenance.callbacks.*`.

Everything else (metadata, dependencies, the package-dir mapping) is in pyproject.toml; pyproject's own
`packages.find` cannot rename a folder, which the callbacks/ mapping needs.
"""
from setuptools import find_packages, setup

setup(packages=find_packages(include=["provenance", "provenance.*"])
      + ["provenance." + name for name in find_packages(include=["callbacks", "callbacks.*"])])
