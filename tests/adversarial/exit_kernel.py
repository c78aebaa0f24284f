# threat: killing its own kernel mid-notebook
# expect: crashed
import os
os._exit(3)
