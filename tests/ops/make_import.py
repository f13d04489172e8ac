#!/usr/bin/env python3
"""tests/ops/make_import.py KIND OUT — writes an import file for tests/ops/test-import.sh.
KIND "mixed": one customer per hash kind (password = MD5 hex of "pw-<kind>"), then bad lines
(their numbers and reasons are what the test expects). KIND "bulk N": N bcrypt customers."""
import crypt, ctypes, hashlib, json, sys

sodium = ctypes.CDLL("libsodium.so.23")
assert sodium.sodium_init() >= 0


def md5hex(s):
    return hashlib.md5(s.encode()).hexdigest()


def sodium_str(fn, strbytes, pw, ops, mem):
    out = ctypes.create_string_buffer(strbytes)
    pwb = pw.encode()
    assert fn(out, pwb, ctypes.c_ulonglong(len(pwb)), ctypes.c_ulonglong(ops), ctypes.c_size_t(mem)) == 0
    return out.value.decode()


def hashes():
    pw = {k: md5hex("pw-" + k) for k in ("argon2id", "bcrypt", "scrypt", "md5crypt")}
    return pw, {
        "argon2id": sodium_str(sodium.crypto_pwhash_str, 128, pw["argon2id"], 1, 1 << 20),
        "bcrypt": crypt.crypt(pw["bcrypt"], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5)),
        "scrypt": sodium_str(sodium.crypto_pwhash_scryptsalsa208sha256_str, 102, pw["scrypt"],
                             1 << 15, 1 << 24),
        "md5crypt": crypt.crypt(pw["md5crypt"], crypt.mksalt(crypt.METHOD_MD5)),
    }


def mixed(out):
    pw, h = hashes()
    json.dump(pw, open(out + ".passwords", "w"))
    rows = []
    for i, kind in enumerate(("argon2id", "bcrypt", "scrypt", "md5crypt")):
        rows.append({"companyId": 1, "customerNo": f"8650000{i + 1}", "email": f"{kind}@old.example",
                     "country": "CN", "lang": "zh-CN", "createTime": 1600000000000 + i,
                     "passwordHash": h[kind], "accounts": [{"tradeType": 5, "currency": "USDT"}]})
    rows.append({"companyId": 1, "customerNo": "86500005", "phoneArea": "86", "phone": "13800000005",
                 "country": "HK", "status": -1, "passwordHash": h["bcrypt"]})
    good = [json.dumps(r) for r in rows]
    bad = [
        '{"companyId":1,"customerNo":"86500010",',                       # 6: JSON
        json.dumps({**rows[0], "customerNo": "86500011", "email": "x@old.example", "nick": "y"}),  # 7
        json.dumps({**rows[0], "customerNo": "86500012", "email": "not-an-address"}),  # 8
        json.dumps({**rows[0], "customerNo": "86500013"}),                # 9: email taken
        json.dumps({**rows[0], "customerNo": "86500014", "email": "h@old.example",
                    "passwordHash": "{SSHA}abc"}),                        # 10: hash kind
        json.dumps({**rows[0], "customerNo": "86500015", "email": "o@old.example",
                    "accounts": [{"tradeType": 9, "currency": "DOGE"}]}), # 11: not offered
        json.dumps({"companyId": 1, "customerNo": "86500016", "email": "c@old.example"}),  # 12
        json.dumps({**rows[0], "companyId": 99, "customerNo": "86500017"}),  # 13: company
    ]
    open(out, "w").write("\n".join(good + bad) + "\n")


def bulk(out, n):
    h = crypt.crypt(md5hex("bulk"), crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 4))
    with open(out, "w") as f:
        for i in range(n):
            f.write(json.dumps({"companyId": 1, "customerNo": f"87{i:08d}",
                                "email": f"bulk{i}@old.example", "country": "CN",
                                "createTime": 1600000000000 + i, "passwordHash": h}) + "\n")


if sys.argv[1] == "mixed":
    mixed(sys.argv[2])
else:
    bulk(sys.argv[3], int(sys.argv[2]))
