#!/usr/bin/env python3
# bench/held_lock.py - issue 13's held-lock figure: while `sqlite3 DB` holds BEGIN EXCLUSIVE
# for 40 s, time /healthz, findCustomerInfo and /readyz every 50 ms and three writes every
# second; print p50/p99/max and how every write answered. Start a server first, then
# HL_URL=http://127.0.0.1:PORT HL_DB=path.db HL_DELIVERY=outbox.jsonl bench/held_lock.py
import json, subprocess, threading, time, urllib.request
import os, sys
B=os.environ["HL_URL"]          # the server under test
DB=os.environ["HL_DB"]          # its SQLite file
DL=os.environ["HL_DELIVERY"]    # its delivery log
def post(path, body, hdr={}, timeout=60):
    req=urllib.request.Request(B+path, data=json.dumps(body).encode(), headers=dict({"companyId":"1","Content-Type":"application/json"}, **hdr))
    t=time.time()
    with urllib.request.urlopen(req, timeout=timeout) as r: d=json.loads(r.read())
    return d, (time.time()-t)*1000
def get(path):
    t=time.time()
    try:
        with urllib.request.urlopen(B+path, timeout=60) as r: st=r.status
    except urllib.error.HTTPError as e: st=e.code
    return st, (time.time()-t)*1000
# register a customer
d,_=post("/api/cats-gateway/global/message.app.VerificationApiService.verifyCodeSend", {"bizType":"EMAIL_REGISTER_VERIFICATION_CODE","toUser":"m2@example.com"})
tok=d["data"]["token"]; time.sleep(0.5)
code=[json.loads(l) for l in open(DL)][-1]["code"]
d,_=post("/api/cats-gateway/register/customer.app.CustomerWebApiService.register", {"type":1,"loginName":"m2@example.com","country":"CN","verifyCode":code,"sendToken":tok,"registerSource":1,"pwd":"e10adc3949ba59abbe56e057f20f883e"})
token=d["data"]["token"]
holder=subprocess.Popen("(echo 'BEGIN EXCLUSIVE;'; sleep 40; echo 'ROLLBACK;') | sqlite3 "+DB, shell=True)
time.sleep(0.5)
writes=[]
def w(i):
    try:
        d,ms=post("/api/cats-gateway/global/message.app.VerificationApiService.verifyCodeSend", {"bizType":"EMAIL_REGISTER_VERIFICATION_CODE","toUser":"w%d@example.com"%i})
        writes.append((d["code"],ms))
    except Exception as e: writes.append((str(e),0))
t0=time.time(); worst={"healthz":0,"info":0,"readyz":0}; L={"healthz":[],"info":[],"readyz":[]}; ready503=0; n=0
while time.time()-t0 < 38:
    if n % 20 == 0:
        for i in range(3): threading.Thread(target=w, args=(n+i,)).start()
    st,ms=get("/healthz"); worst["healthz"]=max(worst["healthz"],ms); L["healthz"].append(ms)
    d,ms=post("/api/cats-gateway/global/customer.app.CustomerWebApiService.findCustomerInfo", {}, {"token":token}); assert d["code"]=="0"; worst["info"]=max(worst["info"],ms); L["info"].append(ms)
    st,ms=get("/readyz"); worst["readyz"]=max(worst["readyz"],ms); L["readyz"].append(ms); ready503 += st==503
    n+=1; time.sleep(0.05)
time.sleep(3)
holder.wait()
for k,v in L.items():
    v=sorted(v); print(k, "p50 %.1f p99 %.1f max %.1f" % (v[len(v)//2], v[int(len(v)*0.99)], v[-1]))
print("iterations", n, "worst ms", {k:round(v,1) for k,v in worst.items()}, "readyz 503:", ready503)
codes={}
for c,ms in writes: codes[c]=codes.get(c,0)+1
print("writes", len(writes), codes, "worst write ms", round(max(ms for c,ms in writes),1))
d,ms=post("/api/cats-gateway/global/message.app.VerificationApiService.verifyCodeSend", {"bizType":"EMAIL_REGISTER_VERIFICATION_CODE","toUser":"after@example.com"})
print("after release:", d["code"], round(ms,1), "ms; readyz", get("/readyz"))
