# threat: flooding the output
# expect: output
import sys
chunk = "x" * (1 << 20)
for _ in range(1 << 12):
    sys.stdout.write(chunk)
