#!/usr/bin/python3
"""Writes the .npy/.npz files the npy tests read, with real NumPy.

Run from this directory with Debian's python3-numpy:  /usr/bin/python3 make_testdata.py
expected.json records each good file's shape and values (as float32, C order).
"""
import json
import numpy as np

rng = np.random.default_rng(7)
expected = {}


def keep(name, arr):
    a = np.asarray(arr)
    expected[name] = {"shape": list(a.shape),
                      "values": [float(v) for v in np.ascontiguousarray(a).astype(np.float32).ravel()]}


def save(name, arr, version=None):
    with open(name, "wb") as f:
        np.lib.format.write_array(f, arr, version=version, allow_pickle=True)
    keep(name, arr)


save("f4_2x3.npy", rng.standard_normal((2, 3)).astype("<f4"))
save("f8_2x3x4.npy", rng.standard_normal((2, 3, 4)).astype("<f8"))
save("f8_big_endian.npy", rng.standard_normal((3, 2)).astype(">f8"))
save("f2_5.npy", np.array([0.5, -2.0, 65504.0, 6.1e-5, 1e-7], dtype="<f2"))
save("i1_4.npy", np.array([-128, -1, 0, 127], dtype="i1"))
save("i2_3.npy", np.array([-32768, 7, 32767], dtype="<i2"))
save("i4_2x2.npy", np.array([[-5, 6], [7, -2147483648]], dtype="<i4"))
save("i8_3.npy", np.array([-9, 0, 1 << 40], dtype="<i8"))
save("u1_2x3.npy", np.array([[0, 1, 255], [3, 4, 5]], dtype="u1"))
save("u2_3.npy", np.array([0, 65535, 9], dtype="<u2"))
save("u4_2.npy", np.array([4294967295, 1], dtype="<u4"))
save("b1_4.npy", np.array([True, False, False, True]))
save("fortran_3x4.npy", np.asfortranarray(np.arange(12, dtype="<f8").reshape(3, 4) * 1.5))
save("fortran_2x3x4.npy", np.asfortranarray(rng.standard_normal((2, 3, 4)).astype("<f4")))
save("v2_header.npy", rng.standard_normal((4, 3)).astype("<f4"), version=(2, 0))
save("v3_header.npy", rng.standard_normal((3,)).astype("<f4"), version=(3, 0))
save("scalar.npy", np.array(3.25, dtype="<f8"))
save("empty_0x3.npy", np.zeros((0, 3), dtype="<f4"))

# Refused dtypes (no expected values).
for name, arr in [("bad_object.npy", np.array([1, "a", None], dtype=object)),
                  ("bad_unicode.npy", np.array(["ab", "c"])),
                  ("bad_complex.npy", np.array([1 + 2j])),
                  ("bad_structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))]:
    with open(name, "wb") as f:
        np.lib.format.write_array(f, arr, allow_pickle=True)

x = rng.standard_normal((5, 7, 2)).astype("<f4")
y = np.array([0, 1, 2, 1, 0], dtype="<i8")
np.savez("savez_positional.npz", x, y)
keep("savez_positional.npz/arr_0", x)
keep("savez_positional.npz/arr_1", y)
np.savez_compressed("savez_compressed_named.npz", x=x, y=y.astype("<f8"))
keep("savez_compressed_named.npz/x", x)
keep("savez_compressed_named.npz/y", y)
many = [np.full((2,), i, dtype="<f4") for i in range(12)]
np.savez("savez_12.npz", *many)
for i, a in enumerate(many):
    keep("savez_12.npz/arr_%d" % i, a)

with open("expected.json", "w") as f:
    json.dump(expected, f, indent=0, sort_keys=True)
