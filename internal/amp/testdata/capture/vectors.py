#!/usr/bin/env python3
"""Write the pickle test vectors of internal/amp: testdata/pickles/NAME.pickle.

Usage: vectors.py OUTDIR   (run with Evennia's Python, 3.11)

Each vector is what Python's pickle writes for a value, at the protocol
Evennia uses (pickle.HIGHEST_PROTOCOL, 5 on Python 3.11) unless the name
says otherwise. pickle_test.go holds the Go value each must decode to, or
the error.
"""

import datetime
import os
import pickle
import sys

shared_str = "shared" * 3
shared_list = [1, 2]
shared_dict = {"a": 1}
recursive = []
recursive.append(recursive)
cyclic = {}
cyclic["self"] = cyclic

VECTORS = {
    "none": None,
    "bools": (True, False),
    "ints": [0, 255, 256, 65535, 65536, -1, 2**31 - 1, -2**31, 2**31, -2**31 - 1,
             2**63 - 1, -2**63, 2**64, -2**64, 2**100],
    "floats": [0.0, 1.5, -2.25, 1e300, float("inf")],
    "strs": ["", "hi", "\u00e5\u2202\u00df", "x" * 300],
    "bytes": [b"", b"\x00\xff", b"y" * 300],
    "tuples": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
    "nested": [1, [2, [3, []]], {}],
    "dict": {"b": 1, "a": [1], 3: None, "nested": {"x": (1,)}},
    "shared_str": [shared_str, shared_str, {"k": shared_str}],
    "shared_dict": [shared_dict, shared_dict],
    "long_list": list(range(1001)),
    "msg": (5, {"text": [["look"], {"options": {}}]}),
    "shared_list": [shared_list, shared_list],
    "recursive_list": recursive,
    "cyclic_dict": cyclic,
    "global": datetime.date(2026, 12, 7),
    "set": {1, 2},
    "frozenset": frozenset([1]),
    "bytearray": bytearray(b"ab"),
}

PROTOCOLS = {
    "proto0_list": ([1, "a"], 0),
    "proto2_bytes": (b"abc", 2),
    "proto4_tuple": ((1, "x"), 4),
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, value in VECTORS.items():
        with open(os.path.join(out, name + ".pickle"), "wb") as f:
            f.write(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    for name, (value, proto) in PROTOCOLS.items():
        with open(os.path.join(out, name + ".pickle"), "wb") as f:
            f.write(pickle.dumps(value, proto))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
