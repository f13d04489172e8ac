#!/usr/bin/python3
# tests/support/receivers/smtp_sink.py — a real SMTP server on 127.0.0.1 for transport tests.
# Stores each accepted message as msg-N.eml (raw) and msg-N.json (decoded by Python's own
# email package, an implementation independent of ours); can refuse at RCPT or DATA.
#
# usage: smtp_sink.py --dir DIR [--port N] [--fail-rcpt 451|550] [--fail-data 451|550]
#                     [--auth USER:PASSWORD] [--hold-rcpt NAME]
# --hold-rcpt: every RCPT waits (up to 30 s) until DIR/NAME exists, so a test can look at the
# sender's state during its first attempt without racing it.
# With --port 0 (the default) the kernel picks a free port. The port is printed on stdout
# and written to DIR/port once the server listens (written via rename: never half a file).
# Needs Debian's python3-aiosmtpd, hence /usr/bin/python3.

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import logging
import os
import signal
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REPLIES = {
    451: "451 4.3.0 Mailbox busy, try again later",
    550: "550 5.1.1 Mailbox unavailable",
}


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Handler:
    def __init__(self, args):
        self.args = args
        self.seq = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.hold_rcpt:
            go = os.path.join(self.args.dir, self.args.hold_rcpt)
            for _ in range(3000):
                if os.path.exists(go):
                    break
                await asyncio.sleep(0.01)
        if self.args.fail_rcpt:
            return REPLIES[self.args.fail_rcpt]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.fail_data:
            return REPLIES[self.args.fail_data]
        n = next(self.seq)
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        defects = [type(d).__name__ for d in msg.defects]
        for name in msg.keys():
            defects += [type(d).__name__ for d in getattr(msg[name], "defects", ())]
        payload = msg.get_payload(decode=True)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "login": session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword) else None,
            "headers": {k: str(v) for k, v in msg.items()},
            "header_names": list(msg.keys()),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "body": payload.decode("utf-8") if payload is not None else None,
            "defects": defects,
        }
        base = os.path.join(self.args.dir, "msg-%d" % n)
        write_atomic(base + ".eml", raw)
        write_atomic(base + ".json", json.dumps(record, ensure_ascii=False).encode())
        return "250 2.0.0 Message accepted"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-rcpt", type=int, choices=sorted(REPLIES))
    ap.add_argument("--fail-data", type=int, choices=sorted(REPLIES))
    ap.add_argument("--auth", help="USER:PASSWORD; AUTH becomes required")
    ap.add_argument("--hold-rcpt", help="NAME: each RCPT waits until DIR/NAME exists")
    args = ap.parse_args()
    # aiosmtpd warns about plain-text AUTH and its own deprecated fields; the test
    # output is the C side's, keep it readable.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, _, password = args.auth.partition(":")
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def factory():
        kw = {}
        if args.auth:
            # Plain-text AUTH is fine on loopback in a test; production uses STARTTLS.
            kw = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
        return SMTP(Handler_instance, hostname="sink.test", **kw)

    Handler_instance = Handler(args)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", args.port))
    port = server.sockets[0].getsockname()[1]
    write_atomic(os.path.join(args.dir, "port"), str(port).encode())
    print(port, flush=True)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
