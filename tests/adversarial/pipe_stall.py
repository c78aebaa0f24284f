# threat: stop reading the channel so that the judge blocks writing a large request
# expect: timeout
# score: 4
import fcntl, os, select, stat, termios, time
import autograder.wire as wire
for fd in map(int, os.listdir("/proc/self/fd")):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            fcntl.fcntl(fd, 1031, 4096)  # F_SETPIPE_SZ: the judge's requests now block beyond 4 KB
    except OSError:
        pass
_receive = wire.receive
def receive(fd, *args, **kwargs):
    select.select([fd], [], [])
    time.sleep(0.01)
    if int.from_bytes(fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"), "little") >= 4096:
        time.sleep(3600)  # a large request is waiting: never read it
    return _receive(fd, *args, **kwargs)
wire.receive = receive
def sgd_epoch(W, b, X, y, lr, batch_size):
    return W, b
if True:
    SOLUTION
