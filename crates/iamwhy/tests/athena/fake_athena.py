#!/usr/bin/env python3
"""A scripted Athena endpoint for what moto's Athena cannot do: pages (moto returns every row
at once), FAILED (moto's queries never fail) and a record of the request sequence.
crates/iamwhy/tests/athena_moto.rs runs it beside moto.

fake_athena.py PORT_FILE LOG MODE CSV PAGE

Speaks the AWS JSON 1.1 protocol of the Athena API (`X-Amz-Target: AmazonAthena.OPERATION`,
https://docs.aws.amazon.com/athena/latest/APIReference/Welcome.html) on a free loopback port,
written to PORT_FILE. The query is RUNNING for two polls, then MODE (SUCCEEDED, FAILED or
CANCELLED). GetQueryResults gives the rows of CSV (header first) PAGE at a time, with a
NextToken while rows remain. Every request is a line of LOG: the operation and its NextToken.
"""
import csv
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT_FILE, LOG, MODE, CSV, PAGE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
with open(CSV, newline="") as f:
    ROWS = [
        {"Data": [{"VarCharValue": v} if v != "" else {} for v in line]}
        for line in csv.reader(f.read().splitlines(True))
    ]
POLLS = {"n": 0}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        op = self.headers.get("X-Amz-Target", "").split(".")[-1]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        with open(LOG, "a") as log:
            log.write(json.dumps({"op": op, "token": body.get("NextToken"), "workgroup": body.get("WorkGroup"), "query": body.get("QueryString")}) + "\n")
        if op == "StartQueryExecution":
            return self.reply(200, {"QueryExecutionId": "fake-query-1"})
        if op == "GetQueryExecution":
            POLLS["n"] += 1
            state = "RUNNING" if POLLS["n"] <= 2 else MODE
            status = {"State": state}
            if state == "FAILED":
                status["StateChangeReason"] = "TABLE_NOT_FOUND: line 13:6: Table 'awsdatacatalog.default.cloudtrail_logs' does not exist"
                status["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1301, "ErrorMessage": "Table not found"}
            if state == "CANCELLED":
                status["StateChangeReason"] = "Query cancelled by user"
            return self.reply(200, {"QueryExecution": {
                "QueryExecutionId": "fake-query-1",
                "Status": status,
                "Statistics": {"DataScannedInBytes": 123456789, "EngineExecutionTimeInMillis": 4321},
                "ResultConfiguration": {"OutputLocation": "s3://results/fake-query-1.csv"},
            }})
        if op == "GetQueryResults":
            start = int(body.get("NextToken") or 0)
            size = min(PAGE, int(body.get("MaxResults", 1000)))
            page = {"ResultSet": {"Rows": ROWS[start:start + size], "ResultSetMetadata": {"ColumnInfo": []}}}
            if start + size < len(ROWS):
                page["NextToken"] = str(start + size)
            return self.reply(200, page)
        if op == "StopQueryExecution":
            return self.reply(200, {})
        return self.reply(400, {"__type": "InvalidRequestException", "Message": f"unknown operation {op}"})


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
