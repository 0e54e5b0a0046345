#!/usr/bin/env python3
"""Real SQL engines for `iamwhy athena query` (crates/iamwhy/tests/athena_sql.rs).

layout SRC... --out DIR
    Lays the CloudTrail records of SRC (files or folders, read where they lie) out as an
    organization trail delivers them: DIR/AWSLogs/o-exampleorg1/ACCOUNT/CloudTrail/REGION/
    YYYY/MM/DD/FILE.json, one `{"Records": [...]}` file per partition and source file. ACCOUNT
    is `recipientAccountId` (else the caller's account), REGION `awsRegion`, the day that of
    `eventTime`. Records whose `eventTime` is not CloudTrail's `yyyy-MM-ddTHH:mm:ssZ` form (data
    lake exports) are not what a trail writes to S3 and are left out, and so is a record whose
    `eventID` an earlier, different record has (made-up samples). Prints a JSON summary.

run --ddl FILE --sql FILE --root DIR --csv OUT
    Reads the whole DDL (Hive, as Athena runs it) with sqlglot, turns its column types into
    DuckDB types, loads every record under ROOT (the bucket) into a DuckDB table of those types,
    with the partition columns taken from each file's key by the DDL's
    `storage.location.template`, as partition projection does (a file the template does not
    match, or a value outside an `enum` projection, is an error), parses the SQL with sqlglot in the Trino dialect, transpiles it to DuckDB,
    runs it, and writes the result as Athena writes its CSV: a quoted header, every value
    quoted, a null empty, a struct as `{name=value, ...}`, an array as `[a, b]`. Prints a JSON
    summary with the transpiled SQL and the row count. `--narrow` makes every
    `errormessage LIKE` term FALSE first (in sqlglot's tree): the query without its widening.
"""
import argparse
import gzip
import json
import os
import re
import sys
import tempfile

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ORG = "o-exampleorg1"


def read_records(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        doc = json.loads(data)
    except ValueError:
        out = []
        for line in data.splitlines():
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out
    if isinstance(doc, dict) and isinstance(doc.get("Records"), list):
        return doc["Records"]
    if isinstance(doc, dict) and isinstance(doc.get("Events"), list):
        return [json.loads(e["CloudTrailEvent"]) for e in doc["Events"] if "CloudTrailEvent" in e]
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        return [doc]
    return []


def files_of(sources):
    for src in sources:
        if os.path.isdir(src):
            for base, _, names in sorted(os.walk(src)):
                for n in sorted(names):
                    if n.endswith((".json", ".gz", ".jsonl")) and "Digest" not in base:
                        yield os.path.join(base, n)
        else:
            yield src


def layout(args):
    written = {}
    kept = skipped = reused = 0
    # A trail gives each event one id (copies of a record, from two trails, are the same
    # record). Some samples reuse one made-up id for different records; which of them a reader
    # keeps depends on the order it reads them, which SQL does not fix. Keep the first.
    first = {}
    for i, path in enumerate(files_of(args.sources)):
        for r in read_records(path):
            if not isinstance(r, dict):
                continue
            t = r.get("eventTime")
            if not isinstance(t, str) or not ISO.match(t) or "eventSource" not in r or "eventName" not in r:
                skipped += 1
                continue
            eid = r.get("eventID")
            if isinstance(eid, str):
                if first.setdefault(eid, r) is not r and first[eid] != r:
                    reused += 1
                    continue
            ident = r.get("userIdentity") if isinstance(r.get("userIdentity"), dict) else {}
            account = r.get("recipientAccountId") or ident.get("accountId") or "000000000000"
            if not re.fullmatch(r"\d{12}", str(account)):
                account = "000000000000"
            region = r.get("awsRegion") or "us-east-1"
            day = t[:10].replace("-", "/")
            folder = os.path.join(args.out, "AWSLogs", ORG, account, "CloudTrail", region, day)
            written.setdefault((folder, i), []).append(r)
            kept += 1
    for (folder, i), records in sorted(written.items()):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"part{i:04d}.json"), "w") as f:
            json.dump({"Records": records}, f)
    print(json.dumps({"records": kept, "skipped": skipped, "reused_ids": reused, "files": len(written)}))


# --- run -----------------------------------------------------------------------------------

class Table:
    """The DDL as sqlglot reads it whole (Hive, the dialect of Athena's DDL): the table's name,
    columns and types, partition columns, location, and partition projection properties."""

    def __init__(self, ddl):
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(ddl, read="hive")
        if not isinstance(tree, exp.Create) or not isinstance(tree.this, exp.Schema):
            raise SystemExit("sqlglot did not read a CREATE TABLE with columns")
        self.name = tree.this.this.name
        self.columns = [
            (c.name, c.args["kind"]) for c in tree.this.expressions if isinstance(c, exp.ColumnDef)
        ]
        self.partitions = []
        self.location = None
        self.properties = {}
        for prop in tree.find_all(exp.Property):
            if isinstance(prop, exp.PartitionedByProperty):
                self.partitions = [c.name for c in prop.this.expressions]
            elif isinstance(prop, exp.LocationProperty):
                self.location = prop.this.name
            elif type(prop) is exp.Property:
                self.properties[prop.this.name] = prop.args["value"].name
        if not self.columns or not self.partitions or not self.location:
            raise SystemExit("sqlglot found no columns, partitions or location in the DDL")
        if self.properties.get("projection.enabled") != "true":
            raise SystemExit("the DDL does not enable partition projection")
        template = self.properties.get("storage.location.template")
        if not template or not template.startswith(self.location):
            raise SystemExit(f"storage.location.template {template!r} is not under {self.location!r}")
        # The template as a pattern: each ${partition} one path segment (the date, three).
        pattern = re.escape(template)
        for name in self.partitions:
            kind = self.properties.get(f"projection.{name}.type")
            if kind == "date":
                if self.properties.get(f"projection.{name}.format") != "yyyy/MM/dd":
                    raise SystemExit(f"projection.{name}.format is not yyyy/MM/dd")
                group = r"\d{4}/\d{2}/\d{2}"
            elif kind in ("enum", "injected"):
                group = r"[^/]+"
            else:
                raise SystemExit(f"partition {name} has no projection type the test knows: {kind!r}")
            pattern = pattern.replace(re.escape("${" + name + "}"), f"(?P<{name}>{group})")
        self.pattern = re.compile(pattern + "/[^/]+$")

    def partitions_of(self, path, root):
        """The partition values Athena projects for the object `path` (a file under `root`, the
        bucket), checked against the projection's values."""
        bucket = re.match(r"s3://[^/]+/", self.location).group(0)
        key = bucket + os.path.relpath(path, root).replace(os.sep, "/")
        m = self.pattern.match(key)
        if not m:
            raise SystemExit(f"{key} does not match storage.location.template {self.pattern.pattern}")
        values = m.groupdict()
        for name, value in values.items():
            if self.properties.get(f"projection.{name}.type") == "enum":
                allowed = self.properties.get(f"projection.{name}.values", "").split(",")
                if value not in allowed:
                    raise SystemExit(f"{key}: {name} {value} is not among the projected values")
        return values


def shape(value, dtype):
    """A record's value as the JSON SerDe gives it for `dtype`."""
    from sqlglot import exp

    if value is None:
        return None
    t = dtype.this
    if t == exp.DataType.Type.STRUCT:
        if not isinstance(value, dict):
            return None
        lower = {k.lower(): v for k, v in value.items()}
        out = {}
        for field in dtype.expressions:
            name = field.name
            out[name] = shape(lower.get(name.lower()), field.args["kind"])
        return out
    if t == exp.DataType.Type.ARRAY:
        if not isinstance(value, list):
            return None
        inner = dtype.expressions[0]
        return [shape(v, inner) for v in value]
    if t == exp.DataType.Type.MAP:
        if not isinstance(value, dict):
            return None
        return {str(k): (v if isinstance(v, str) else json.dumps(v)) for k, v in value.items()}
    # STRING: a JSON object or array keeps its text; scalars their text.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def athena_text(v):
    """Athena's text for a value in its CSV."""
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={athena_text(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(athena_text(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def cell(v):
    if v is None:
        return ""
    text = v if isinstance(v, str) else athena_text(v)
    return '"' + text.replace('"', '""') + '"'


def without_message_terms(tree):
    """The query with every `errormessage LIKE ...` term made FALSE: what the SQL selects
    without the documented widening for what iamwhy reads from AWS's message."""
    from sqlglot import exp

    def on_message(node):
        like = node.this if isinstance(node, exp.Escape) else node
        if not isinstance(like, exp.Like):
            return False
        return "errormessage" in {c.name.lower() for c in like.this.find_all(exp.Column)}

    count = 0

    def swap(node):
        nonlocal count
        if on_message(node):
            count += 1
            return exp.false()
        return node

    out = tree.transform(swap)
    if count == 0 and "errormessage like" in tree.sql().lower():
        raise SystemExit("--narrow: no `errormessage LIKE` term was found in the parsed query")
    return out


def run(args):
    import duckdb
    import sqlglot

    ddl = open(args.ddl).read()
    sql = open(args.sql).read()
    spec = Table(ddl)
    cols, table = spec.columns, spec.name
    con = duckdb.connect()
    types = {name: dtype.sql("duckdb") for name, dtype in cols}
    types.update({name: "VARCHAR" for name in spec.partitions})
    col_sql = ", ".join(f'"{n}" {t}' for n, t in types.items())
    con.execute(f'CREATE TABLE "{table}" ({col_sql})')
    loaded = 0
    with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as rows:
        for path in files_of([args.root]):
            partitions = spec.partitions_of(path, args.root)
            for r in read_records(path):
                lower = {k.lower(): v for k, v in r.items()}
                row = {name: shape(lower.get(name), dtype) for name, dtype in cols}
                row.update(partitions)
                rows.write(json.dumps(row) + "\n")
                loaded += 1
    columns = "{" + ", ".join(f"'{n}': '{t}'" for n, t in types.items()) + "}"
    con.execute(
        f"INSERT INTO \"{table}\" SELECT * FROM read_json('{rows.name}', format='newline_delimited', columns={columns})"
    )
    os.unlink(rows.name)
    tree = sqlglot.parse_one(sql, read="trino")
    if args.narrow:
        tree = without_message_terms(tree)
    duck = tree.sql(dialect="duckdb")
    result = con.execute(duck)
    names = [d[0] for d in result.description]
    data = result.fetchall()
    with open(args.csv, "w", newline="") as f:
        f.write(",".join(cell(n) for n in names) + "\n")
        for row in data:
            f.write(",".join(cell(v) for v in row) + "\n")
    print(json.dumps({"loaded": loaded, "rows": len(data), "duckdb_sql": duck}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    lay = sub.add_parser("layout")
    lay.add_argument("sources", nargs="+")
    lay.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("--ddl", required=True)
    r.add_argument("--sql", required=True)
    r.add_argument("--root", required=True)
    r.add_argument("--csv", required=True)
    r.add_argument("--narrow", action="store_true", help="without the errormessage terms")
    a = p.parse_args()
    layout(a) if a.cmd == "layout" else run(a)


if __name__ == "__main__":
    main()
