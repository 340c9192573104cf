# -*- Python -*-
# lit configuration of the hybridc regression tests (check-hybridc).

import os
import platform

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "HYBRIDC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".json", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.hybridc_obj_root, "test")
# Inputs/ holds files that tests read; unittests/ is GoogleTest's, run by ctest.
config.excludes = ["Inputs", "CMakeLists.txt", "README.txt", "LICENSE.txt",
                   "lit.cfg.py", "lit.site.cfg.py", "unittests", "fixtures"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%hybridc_src_root", config.hybridc_src_root))
config.substitutions.append(("%fixtures", os.path.join(config.hybridc_src_root, "test", "fixtures")))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.hybridc_tools_dir, config.llvm_tools_dir]
tools = ["hybrid-opt", "hybridc", "hybrid-run", "fixture-check"]
llvm_config.add_tool_substitutions(
    [ToolSubst(t, unresolved="ignore") for t in tools], tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.hybridc_tools_dir, append_path=True)

# The host's architecture, for tests of names only it has (--cpu): host=x86_64.
config.available_features.add("host=" + platform.machine())

# Features: which tools were built, and whether a CUDA device is present.
for t in tools:
    if os.path.exists(os.path.join(config.hybridc_tools_dir, t)):
        config.available_features.add(t)
