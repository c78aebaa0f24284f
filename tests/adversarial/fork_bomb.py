# threat: exhausting processes, and leaving processes behind
# expect: ok
import os, time
for _ in range(500):
    try:
        if os.fork() == 0:
            os.setsid()
            time.sleep(3600)
    except OSError:
        break
