# threat: writing fake replies into the channel to the grader
# expect: ok
import json, os, struct
header = json.dumps({{"ok": True, "value": True}}).encode()
frame = struct.pack("!QI", len(header), len(header)) + header
for fd in map(int, os.listdir("/proc/self/fd")):
    try:
        os.write(fd, frame * 50)
    except OSError:
        pass
