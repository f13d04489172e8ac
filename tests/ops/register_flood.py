#!/usr/bin/env python3
"""tests/ops/register_flood.py — registers customers over HTTP from several threads (send
code, read it from the outbox, register) and, once the flood runs, runs a command in the
middle of it (a backup). Writes the loginNames acknowledged (code "0") before the command
started, one a line, to ACKED; prints counts. Bounded by --seconds and --max."""
import argparse, json, subprocess, threading, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--outbox", required=True)
p.add_argument("--acked", required=True)
p.add_argument("--threads", type=int, default=4)
p.add_argument("--seconds", type=float, default=4.0)
p.add_argument("--max", type=int, default=5000)
p.add_argument("--command-at", type=float, default=1.5)
p.add_argument("command", nargs="+")
a = p.parse_args()

H = {"companyId": "1", "lang": "en-US", "Content-Type": "application/json"}
codes, codes_cv = {}, threading.Condition()
acks, acks_lock = [], threading.Lock()
stop = threading.Event()
tail_stop = threading.Event()  # the tail outlives the workers: one may wait for a code
errors = []


def post(path, body):
    req = urllib.request.Request(a.url + path, json.dumps(body).encode(), H)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def tail_outbox():
    pos = 0
    while not tail_stop.is_set():
        try:
            with open(a.outbox) as f:
                f.seek(pos)
                chunk = f.read()
        except FileNotFoundError:
            chunk = ""
        lines = chunk.split("\n")
        pos += len(chunk) - len(lines[-1])
        with codes_cv:
            for line in lines[:-1]:
                row = json.loads(line)
                codes[row["to"]] = row["code"]
            codes_cv.notify_all()
        time.sleep(0.005)


def register(name):
    r = post("/api/global/message.app.VerificationApiService.verifyCodeSend",
             {"bizType": "EMAIL_REGISTER_VERIFICATION_CODE", "toUser": name})
    if r["code"] != "0":
        raise RuntimeError(f"verifyCodeSend {name}: {r}")
    with codes_cv:
        if not codes_cv.wait_for(lambda: name in codes, timeout=10):
            raise RuntimeError(f"no code for {name} in the outbox")
        code = codes[name]
    r = post("/api/register/customer.app.CustomerWebApiService.register",
             {"type": 1, "loginName": name, "country": "CN", "verifyCode": code,
              "sendToken": r["data"]["token"], "registerSource": 1,
              "pwd": "e10adc3949ba59abbe56e057f20f883e"})
    if r["code"] != "0":
        raise RuntimeError(f"register {name}: {r}")
    return time.monotonic()


def worker(k):
    i = 0
    try:
        while not stop.is_set():
            i += 1
            name = f"flood{k}-{i}@example.com"
            t = register(name)
            with acks_lock:
                acks.append((t, name))
                if len(acks) >= a.max:
                    stop.set()
    except Exception as e:  # noqa: BLE001 — reported, fails the test
        errors.append(str(e))
        stop.set()


threads = [threading.Thread(target=tail_outbox)]
threads += [threading.Thread(target=worker, args=(k,)) for k in range(a.threads)]
for t in threads:
    t.start()
end = time.monotonic() + a.seconds
time.sleep(a.command_at)
t0 = time.monotonic()
with acks_lock:
    before = [n for t, n in acks if t < t0]
cmd = subprocess.run(a.command, capture_output=True, text=True, timeout=60)
t1 = time.monotonic()
while time.monotonic() < end and not stop.is_set():
    time.sleep(0.05)
stop.set()
for t in threads[1:]:
    t.join()
tail_stop.set()
threads[0].join()
with open(a.acked, "w") as f:
    f.write("".join(n + "\n" for n in before))
during = sum(1 for t, _ in acks if t0 <= t < t1)
print(f"flood: {len(acks)} registered, {len(before)} before the command, {during} during it "
      f"({(t1 - t0) * 1000:.0f} ms); command rc={cmd.returncode}: {cmd.stdout.strip()} {cmd.stderr.strip()}")
if errors:
    raise SystemExit("flood failed: " + errors[0])
raise SystemExit(cmd.returncode)
