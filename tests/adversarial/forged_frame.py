# threat: a forged frame header over the size limit, then exit: the status must name the frame, not the exit
# expect: output
import fcntl, os, stat, struct
def softmax(logits):
    for fd in map(int, os.listdir("/proc/self/fd")):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                os.write(fd, struct.pack("!QI", 100 << 20, 10))
        except OSError:
            pass
    os._exit(0)
