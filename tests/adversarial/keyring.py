# threat: leaving a key in the uid's keyring for the next submission to find
# expect: ok
# score: 4
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
KEY_SPEC_USER_KEYRING = -4
added = libc.syscall(248 if __import__("platform").machine() == "x86_64" else 217, b"user", b"dlsys-left-behind",
                     b"secret", 6, KEY_SPEC_USER_KEYRING)
if added == -1 and ctypes.get_errno() == 1:  # the call was made and refused (EPERM)
    SOLUTION
