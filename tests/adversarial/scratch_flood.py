# threat: filling the sandbox's temporary storage until writes fail
# expect: storage
# score: 4
if True:
    SOLUTION
for i in range(100000):
    with open(f"/tmp/flood{{i}}", "wb") as handle:
        handle.write(b"x" * (1 << 20))
