"""Makes the weight files and expected predictions of the keras tests.

Pure Python (no NumPy or Keras on the build machine): the .npz files are
written as numpy.savez(path, *model.get_weights()) writes them (a stored zip
of format 1.0 '<f4' .npy arrays arr_0, arr_1, ...), and the predictions
come from a plain-Python forward pass with Keras' semantics (Conv1D kernel
(kernel_size, in_channels, filters), TF 'same' padding, channels-last).

    python3 make_testdata.py
"""
import json
import math
import random
import struct
import zipfile


def npy_bytes(shape, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % (
        "".join("%d, " % d for d in shape) if len(shape) != 1 else "%d," % shape[0])
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    out = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1")
    return out + struct.pack("<%df" % len(values), *values)


def savez(path, arrays):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for i, (shape, values) in enumerate(arrays):
            z.writestr("arr_%d.npy" % i, npy_bytes(shape, values))


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def rand_array(rng, shape, scale=0.5):
    n = 1
    for d in shape:
        n *= d
    return (shape, [f32(rng.uniform(-scale, scale)) for _ in range(n)])


def conv1d(x, steps, cin, kernel, bias, k, cout, stride, padding, act):
    if padding == "same":
        out = -(-steps // stride)
        total = max((out - 1) * stride + k - steps, 0)
        left = total // 2
    else:
        out = (steps - k) // stride + 1
        left = 0
    y = []
    for t in range(out):
        for f in range(cout):
            s = bias[f]
            for j in range(k):
                p = t * stride + j - left
                if 0 <= p < steps:
                    for c in range(cin):
                        s += x[p * cin + c] * kernel[(j * cin + c) * cout + f]
            y.append(act(s))
    return y, out


def dense(x, kernel, bias, units, act):
    return [act(bias[u] + sum(x[i] * kernel[i * units + u] for i in range(len(x)))) for u in range(units)]


relu = lambda v: max(v, 0.0)
sigmoid = lambda v: 1 / (1 + math.exp(-v))


def keras2_sequential_conv1d():
    rng = random.Random(5)
    w = [rand_array(rng, (3, 3, 4)), rand_array(rng, (4,)), rand_array(rng, (2, 4, 2)), rand_array(rng, (2,)),
         rand_array(rng, (18, 1)), rand_array(rng, (1,))]
    savez("keras2_sequential_conv1d_weights.npz", w)
    xs, ys = [], []
    for _ in range(3):
        x = [rng.uniform(-1, 1) for _ in range(20 * 3)]
        h, n = conv1d(x, 20, 3, w[0][1], w[1][1], 3, 4, 1, "valid", relu)
        h, n = conv1d(h, n, 4, w[2][1], w[3][1], 2, 2, 2, "same", math.tanh)
        y = dense(h, w[4][1], w[5][1], 1, sigmoid)
        xs.append(x)
        ys.append(y)
    json.dump({"x_shape": [3, 20, 3], "x": sum(xs, []), "y_shape": [3, 1], "y": sum(ys, [])},
              open("keras2_sequential_conv1d_expected.json", "w"))


def keras3_functional_concat():
    # get_weights() order of the Keras model: conv1d, conv1d_1, conv1d_2, dense.
    rng = random.Random(7)
    w = [rand_array(rng, (3, 4, 4)), rand_array(rng, (4,)), rand_array(rng, (5, 4, 6)), rand_array(rng, (6,)),
         rand_array(rng, (3, 4, 4)), rand_array(rng, (4,)), rand_array(rng, (10, 1)), rand_array(rng, (1,))]
    savez("keras3_functional_concat_weights.npz", w)
    xs, ys = [], []
    for _ in range(2):
        x = [rng.uniform(-1, 1) for _ in range(30 * 4)]
        a, n = conv1d(x, 30, 4, w[0][1], w[1][1], 3, 4, 1, "valid", relu)
        a, n = conv1d(a, n, 4, w[4][1], w[5][1], 3, 4, 1, "valid", relu)
        pa = [max(a[t * 4 + c] for t in range(n)) for c in range(4)]
        b, m = conv1d(x, 30, 4, w[2][1], w[3][1], 5, 6, 1, "valid", relu)
        pb = [max(b[t * 6 + c] for t in range(m)) for c in range(6)]
        y = dense(pb + pa, w[6][1], w[7][1], 1, sigmoid)
        xs.append(x)
        ys.append(y)
    json.dump({"x_shape": [2, 30, 4], "x": sum(xs, []), "y_shape": [2, 1], "y": sum(ys, [])},
              open("keras3_functional_concat_expected.json", "w"))


keras2_sequential_conv1d()
keras3_functional_concat()
