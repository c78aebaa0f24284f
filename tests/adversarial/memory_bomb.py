# threat: exhausting memory
# expect: memory
hog = bytearray(8 << 30)
