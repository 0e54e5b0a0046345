#!/usr/bin/env python3
"""Drives moto's Athena for crates/iamwhy/tests/athena_moto.rs, through moto's documented
test endpoints (http://docs.getmoto.org/en/latest/docs/services/athena.html,
http://docs.getmoto.org/en/latest/docs/configuration/state_transition/).

seed URL CSV            queue the rows of CSV (header first, as GetQueryResults gives them)
                        as the result of the next query
stall URL               keep new queries QUEUED (manual progression, never advancing)
cancel URL SECONDS      wait until a query is QUEUED or RUNNING, then StopQueryExecution it
executions URL          print every query execution (id, state, workgroup, query) as JSON
"""
import csv
import json
import sys
import time
import urllib.request

import boto3


def post(url, path, body):
    req = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req) as r:
        assert r.status in (200, 201), r.status


def client(url):
    return boto3.client(
        "athena",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def main():
    cmd, url = sys.argv[1], sys.argv[2]
    if cmd == "seed":
        with open(sys.argv[3], newline="") as f:
            text = f.read()
        rows = []
        for line in csv.reader(text.splitlines(True)):
            rows.append({"Data": [{"VarCharValue": v} if v != "" else {} for v in line]})
        # Athena leaves a null out of the CSV (empty, unquoted) and gives no VarCharValue for it.
        post(url, "/moto-api/static/athena/query-results", {"results": [{"rows": rows, "column_info": []}]})
    elif cmd == "stall":
        post(
            url,
            "/moto-api/state-manager/set-transition",
            {"model_name": "athena::execution", "transition": {"progression": "manual", "times": 1000000}},
        )
    elif cmd == "cancel":
        c = client(url)
        deadline = time.time() + float(sys.argv[3])
        while time.time() < deadline:
            for qid in c.list_query_executions().get("QueryExecutionIds", []):
                state = c.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
                if state in ("QUEUED", "RUNNING"):
                    c.stop_query_execution(QueryExecutionId=qid)
                    print(qid)
                    return
            time.sleep(0.05)
        sys.exit("no query to cancel")
    elif cmd == "executions":
        c = client(url)
        out = []
        for qid in c.list_query_executions().get("QueryExecutionIds", []):
            q = c.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
            out.append({"id": qid, "state": q["Status"]["State"], "workgroup": q.get("WorkGroup"), "query": q["Query"]})
        print(json.dumps(out))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
