"""Runs parliament's analysis over every `.json` file of a directory in one process, as a
user linting a repository of policies would, and counts findings and crashes.

parliament's own `--directory` stops at the first policy it cannot analyse (version 1.6.4
raises "Unknown data format: ArrayOfARN" on current condition-key types), so the loop
catches each policy's exception and goes on.
"""

import json
import pathlib
import sys

from parliament import analyze_policy_string

findings = crashes = files = 0
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    files += 1
    try:
        policy = analyze_policy_string(path.read_text(encoding="utf-8"))
        findings += len(policy.findings)
    except Exception:  # noqa: BLE001 - parliament raises bare Exception
        crashes += 1
print(json.dumps({"files": files, "findings": findings, "crashes": crashes}))
