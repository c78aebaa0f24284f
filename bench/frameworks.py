"""One training step of the same MLP, CNN and Transformer in every framework, measured honestly (see
dlsys_lab.bench.frameworks). Usage: python bench/frameworks.py [--fast] [--json OUT] [--plot PNG]"""
from dlsys_lab.bench.frameworks.__main__ import main

if __name__ == "__main__":
    main()
