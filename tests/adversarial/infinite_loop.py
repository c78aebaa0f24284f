# threat: stalling grading with a cell that never ends
# expect: timeout
while True:
    pass
