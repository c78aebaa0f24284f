# threat: scanning its own memory for an earlier submission's task, tests or results
# expect: ok
# score: 4
import ctypes, hashlib, re
PREFIX = b"CANARY" + b"-"
def hits():
    found = set()
    for line in open("/proc/self/maps"):
        fields = line.split()
        if "r" not in fields[1] or (len(fields) > 5 and not fields[5].startswith("[heap")):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        for base in range(start, end, 1 << 26):
            data = ctypes.string_at(base, min(1 << 26, end - base))
            found |= {{hashlib.sha256(m.group(0)).hexdigest() for m in re.finditer(re.escape(PREFIX) + rb"[0-9a-f]{{32}}", data)}}
    return found
mine = PREFIX + "".join(reversed("{own_canary}")).encode()
if hashlib.sha256(mine).hexdigest() in hits() and "{canary_hash}" not in hits():  # the scan works, and finds no one else's
    SOLUTION
