#!/bin/sh
# pre_build_commands: generate a module before the wheel is built (run in the project folder).
set -e
printf 'LABEL = "%s"\n' "$TUNED_BUILD_LABEL" > src/tuned_demo/_build_info.py
echo "wrote src/tuned_demo/_build_info.py"
