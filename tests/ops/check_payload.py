#!/usr/bin/env python3
"""tests/ops/check_payload.py OPENAPI SCHEMA FILE... — validates each JSON answer in FILE
(one envelope per file) against the OpenAPI document: the envelope, its data against
components.schemas[SCHEMA] when code is "0", and code against the operation's enum when
given as FILE:PATH. Exits 1 naming the first mismatch."""
import json, sys
import jsonschema

doc = json.load(open(sys.argv[1]))
schemas = doc["components"]["schemas"]
for arg in sys.argv[2:]:
    name, _, rest = arg.partition("=")
    path, _, route = rest.partition("@")
    env = json.load(open(path))
    jsonschema.Draft202012Validator(schemas["Envelope"]).validate(env)
    if route:
        op = doc["paths"][route]["post"]
        codes = op["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]
        allowed = codes["properties"]["code"]["enum"]
        if env["code"] not in allowed:
            sys.exit(f"{path}: code {env['code']} is not among {route}'s codes {allowed}")
    if env["code"] == "0" and name != "-":
        try:
            jsonschema.Draft202012Validator(schemas[name]).validate(env["data"])
        except jsonschema.ValidationError as e:
            sys.exit(f"{path}: data does not fit {name}: {e.message} at {list(e.absolute_path)}")
    print(f"ok: {path} ({env['code']})")
