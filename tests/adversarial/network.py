# threat: reaching the network
# expect: ok
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"leak")
    SOLUTION
except OSError:
    pass
