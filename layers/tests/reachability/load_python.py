# Imports a handler module the way Lambda's Python runtime does at init (no
# invocation) and writes, as JSON to the path in $OUT, every file Python's
# path finder found for an import, including imports that then failed. When
# the module fails to import (a package this Python cannot run), each of its
# top-level import statements is then run on its own, so one failure does not
# hide what the others load.
import importlib.machinery
import json
import os
import sys

found = []


class Recorder:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.origin not in (None, "built-in", "frozen"):
            found.append(spec.origin)
        return spec


sys.meta_path.insert(len(sys.meta_path) - 1, Recorder)
root, module = sys.argv[1], sys.argv[2]
sys.path[:0] = [root]
error = None
try:
    __import__(module)
except BaseException as e:  # the runtime here may not run every extension
    error = f"{type(e).__name__}: {e}"
    import ast

    source = open(os.path.join(root, *module.split(".")) + ".py").read()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            try:
                exec(compile(ast.Module([node], []), "<import>", "exec"), {})
            except BaseException:
                pass
with open(os.environ["OUT"], "w") as out:
    json.dump({"loaded": found, "error": error}, out)
