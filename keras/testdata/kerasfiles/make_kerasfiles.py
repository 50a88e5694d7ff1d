"""Makes the .keras and .h5 fixtures of the keras package's file tests.

Needs Debian's h5py and NumPy, no Keras:

    apt-get install python3-h5py python3-numpy
    cd keras/testdata/kerasfiles && /usr/bin/python3 make_kerasfiles.py

Every model is written four ways with the same random weights:

  NAME.keras         Keras 3 model.save("NAME.keras"): a zip of config.json,
                     metadata.json and model.weights.h5, the weights at
                     layers/<snake_case class>[_N]/vars/<i> and, for
                     recurrent layers, layers/<name>/cell/vars/<i>
                     (keras/src/saving/saving_lib.py: _save_state,
                     _save_container_state, H5Entry).
  NAME.h5            Keras 2 model.save("NAME.h5"): the model_config
                     attribute and model_weights/<layer>/<weight name>
                     datasets listed by the layer_names and weight_names
                     attributes (keras/src/legacy/saving/legacy_h5_format.py,
                     tf.keras hdf5_format.py).
  NAME.json, NAME.npz  the model.to_json() + numpy.savez(*get_weights())
                     route, which the tests compare against.

and, for some models, NAME_latest.keras / NAME_latest.h5 written with
h5py's libver='latest' (newer object headers and, in groups of more than 8
members, dense link storage).
"""
import io
import json
import zipfile

import h5py
import numpy as np

ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def snake(cls):
    """keras.src.utils.naming.to_snake_case for the classes used here."""
    import re
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", cls)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# ---- layer specs: (class, name, config, weights) ----
# weights: list of (keras2 variable path under the layer, shape); a
# recurrent layer's variables live in a cell.

def glorot(k3):
    return ({"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None}
            if k3 else {"class_name": "GlorotUniform", "config": {"seed": None}})


def zeros(k3):
    return ({"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}
            if k3 else {"class_name": "Zeros", "config": {}})


def dtype(k3):
    if k3:
        return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    return "float32"


class L:
    def __init__(self, cls, name, cfg, weights=(), cell=None, inbound=None):
        self.cls, self.name, self.cfg, self.weights = cls, name, cfg, list(weights)
        self.cell = cell          # recurrent: the cell's Keras 2 name
        self.inbound = inbound    # functional: names of the input layers

    def config(self, k3):
        c = {"name": self.name, "trainable": True, "dtype": dtype(k3)}
        for k, v in self.cfg.items():
            c[k] = v(k3) if callable(v) else v
        return c


def conv1d(name, filters, k, act="relu", padding="valid", inbound=None):
    return L("Conv1D", name, {"filters": filters, "kernel_size": [k], "strides": [1], "padding": padding,
                              "data_format": "channels_last", "dilation_rate": [1], "groups": 1, "activation": act,
                              "use_bias": True, "kernel_initializer": glorot, "bias_initializer": zeros,
                              "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                              "kernel_constraint": None, "bias_constraint": None},
             [("kernel", None), ("bias", (filters,))], inbound=inbound)


def dense(name, units, act="linear", inbound=None):
    return L("Dense", name, {"units": units, "activation": act, "use_bias": True, "kernel_initializer": glorot,
                             "bias_initializer": zeros, "kernel_regularizer": None, "bias_regularizer": None,
                             "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None},
             [("kernel", None), ("bias", (units,))], inbound=inbound)


def embedding(name, vocab, dim, mask_zero=False, inbound=None):
    return L("Embedding", name, {"input_dim": vocab, "output_dim": dim,
                                 "embeddings_initializer": lambda k3: {"class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
                                 "embeddings_regularizer": None, "activity_regularizer": None,
                                 "embeddings_constraint": None, "mask_zero": mask_zero},
             [("embeddings", (vocab, dim))], inbound=inbound)


def batchnorm(name, inbound=None):
    return L("BatchNormalization", name, {"axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
                                          "beta_initializer": zeros, "gamma_initializer": lambda k3: {"class_name": "Ones", "config": {}},
                                          "moving_mean_initializer": zeros,
                                          "moving_variance_initializer": lambda k3: {"class_name": "Ones", "config": {}},
                                          "beta_regularizer": None, "gamma_regularizer": None,
                                          "beta_constraint": None, "gamma_constraint": None},
             [("gamma", "c"), ("beta", "c"), ("moving_mean", "c"), ("moving_variance", "c")], inbound=inbound)


def rnn_cfg(units, return_sequences, gru):
    c = {"return_sequences": return_sequences, "return_state": False, "go_backwards": False, "stateful": False,
         "unroll": False, "zero_output_for_mask": False, "units": units, "activation": "tanh",
         "recurrent_activation": "sigmoid", "use_bias": True, "kernel_initializer": glorot,
         "recurrent_initializer": lambda k3: {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
         "bias_initializer": zeros, "kernel_regularizer": None, "recurrent_regularizer": None,
         "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
         "recurrent_constraint": None, "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0}
    if gru:
        c["reset_after"] = True
    else:
        c["unit_forget_bias"] = True
    return c


def rnn(cls, name, units, return_sequences=False, inbound=None):
    gru = cls == "GRU"
    gates = {"GRU": 3, "LSTM": 4, "SimpleRNN": 1}[cls]
    bias = (2, gates * units) if gru else (gates * units,)
    cfg = rnn_cfg(units, return_sequences, gru)
    if cls == "SimpleRNN":
        del cfg["recurrent_activation"], cfg["unit_forget_bias"]
    return L(cls, name, cfg,
             [("kernel", ("in", gates * units)), ("recurrent_kernel", (units, gates * units)), ("bias", bias)],
             cell=snake(cls) + "_cell", inbound=inbound)


def bidirectional(name, inner, inbound=None):
    b = L("Bidirectional", name, {"merge_mode": "concat"}, inbound=inbound)
    b.inner = inner
    return b


class Flat(L):
    pass


def simple(cls, name, cfg=None, inbound=None):
    return L(cls, name, cfg or {}, inbound=inbound)


# ---- weights ----

def weight_shapes(layer, in_shape, out_dim):
    """The layer's weight shapes given its input's last dimension."""
    shapes = []
    for wname, s in layer.weights:
        if s is None:
            s = (layer.cfg["kernel_size"][0], in_shape, layer.cfg["filters"]) if layer.cls == "Conv1D" else (in_shape, layer.cfg["units"])
        elif s == "c":
            s = (in_shape,)
        elif s[0] == "in":
            s = (in_shape, s[1])
        shapes.append((wname, tuple(s)))
    return shapes


def rnn_weights(layer, in_dim, rng):
    out = []
    for wname, s in weight_shapes(layer, in_dim, None):
        out.append((wname, (rng.standard_normal(s) * 0.4).astype(np.float32)))
    return out


class Model:
    """A model: its layers (Sequential or Functional), each layer's input
    last dimension, and the weights, drawn once."""

    def __init__(self, name, kind, input_shape, layers, in_dims, outputs=None, int_input=False):
        self.name, self.kind, self.input_shape, self.layers = name, kind, input_shape, layers
        self.outputs = outputs or [layers[-1].name]
        self.int_input = int_input
        rng = np.random.RandomState(sum(map(ord, name)))
        self.w = {}  # layer name -> list of (keras2 weight path under the layer, array)
        for layer in layers:
            d = in_dims[layer.name]
            if layer.cls == "Bidirectional":
                inner = layer.inner
                ws = []
                for direction in ("forward", "backward"):
                    sub = "%s_%s" % (direction, inner.name)
                    for wname, a in rnn_weights(inner, d, rng):
                        ws.append(("%s/%s/%s" % (sub, inner.cell, wname), a))
                self.w[layer.name] = ws
            elif layer.cell:
                self.w[layer.name] = [("%s/%s" % (layer.cell, n), a) for n, a in rnn_weights(layer, d, rng)]
            else:
                ws = []
                for wname, s in weight_shapes(layer, d, None):
                    if wname == "moving_variance":
                        a = rng.uniform(0.5, 1.5, s)
                    else:
                        a = rng.standard_normal(s) * 0.4
                    ws.append((wname, a.astype(np.float32)))
                self.w[layer.name] = ws

    def get_weights(self):
        """Keras' get_weights(): model.layers order, each layer's weights."""
        return [a for layer in self.layers for _, a in self.w[layer.name]]

    # ---- configs ----

    def layer_config(self, layer, k3):
        if layer.cls == "Bidirectional":
            inner = layer.inner
            c = {"name": layer.name, "trainable": True, "dtype": dtype(k3), "merge_mode": "concat",
                 "layer": self.wrap(inner.cls, dict(inner.config(k3), name="forward_" + inner.name), k3)}
            bw = dict(inner.config(k3), name="backward_" + inner.name, go_backwards=True)
            c["backward_layer"] = self.wrap(inner.cls, bw, k3)
            return c
        return layer.config(k3)

    def wrap(self, cls, cfg, k3):
        if k3:
            return {"module": "keras.layers", "class_name": cls, "config": cfg, "registered_name": None}
        return {"class_name": cls, "config": cfg}

    def input_config(self, k3, name):
        shape = [None] + list(self.input_shape)
        dt = "int32" if self.int_input else "float32"
        if k3:
            return self.wrap("InputLayer", {"batch_shape": shape, "dtype": dt, "sparse": False, "ragged": False, "name": name}, k3)
        return self.wrap("InputLayer", {"batch_input_shape": shape, "dtype": dt, "sparse": False, "ragged": False, "name": name}, k3)

    def config(self, k3):
        in_name = "input_layer" if k3 else ("input_1" if self.kind == "Functional" else self.layers[0].name + "_input")
        entries = []
        if self.kind == "Sequential":
            entries.append(self.input_config(k3, in_name))
            for layer in self.layers:
                entries.append(self.wrap(layer.cls, self.layer_config(layer, k3), k3))
            cfg = {"name": "sequential", "trainable": True, "dtype": dtype(k3), "layers": entries}
            if k3:
                cfg["build_input_shape"] = [None] + list(self.input_shape)
        else:
            e = self.input_config(k3, in_name)
            e["name"] = in_name
            e["inbound_nodes"] = []
            entries.append(e)
            for layer in self.layers:
                e = self.wrap(layer.cls, self.layer_config(layer, k3), k3)
                e["name"] = layer.name
                srcs = [in_name if s == "INPUT" else s for s in layer.inbound]
                if k3:
                    tensors = [{"class_name": "__keras_tensor__", "config": {"shape": None, "dtype": "float32", "keras_history": [s, 0, 0]}} for s in srcs]
                    e["inbound_nodes"] = [{"args": [tensors if len(tensors) > 1 else tensors[0]], "kwargs": {}}]
                else:
                    e["inbound_nodes"] = [[[s, 0, 0, {}] for s in srcs]]
                entries.append(e)
            cfg = {"name": "functional" if k3 else "model", "trainable": True, "layers": entries,
                   "input_layers": [[in_name, 0, 0]], "output_layers": [[o, 0, 0] for o in self.outputs]}
        top = {"class_name": self.kind, "config": cfg}
        if k3:
            top = {"module": "keras", "class_name": self.kind, "config": cfg, "registered_name": None,
                   "build_config": {"input_shape": [None] + list(self.input_shape)},
                   "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                                                    "config": {"name": "adam", "learning_rate": 0.001}, "registered_name": None},
                                      "loss": "mse", "metrics": None}}
        else:
            top["keras_version"] = "2.13.1"
            top["backend"] = "tensorflow"
        return top

    # ---- writers ----

    def write_json_npz(self):
        with open(self.name + ".json", "w") as f:
            json.dump(self.config(k3=True), f, indent=1)
            f.write("\n")
        np.savez(self.name + ".npz", *self.get_weights())

    def keras3_weights(self, h5):
        """The state tree Keras 3's _save_state writes for the model."""
        h5.create_group("vars")  # the model's own (none)
        used = {}
        seq = self.kind == "Sequential"
        # model.layers: a Functional model lists its InputLayer too.
        names = ([] if seq else [("InputLayer", None)]) + [(l.cls, l) for l in self.layers]
        for cls, layer in names:
            n = snake(cls)
            if n in used:
                used[n] += 1
                n = "%s_%d" % (n, used[n])
            else:
                used[n] = 0
            path = "layers/" + n
            g = h5.create_group(path + "/vars")
            if layer is None:
                continue
            ws = [a for _, a in self.w[layer.name]]
            if layer.cls == "Bidirectional":
                half = len(ws) // 2
                for sub, part in (("forward_layer", ws[:half]), ("backward_layer", ws[half:])):
                    h5.create_group("%s/%s/vars" % (path, sub))
                    cg = h5.create_group("%s/%s/cell/vars" % (path, sub))
                    for i, a in enumerate(part):
                        cg[str(i)] = a
            elif layer.cell:
                cg = h5.create_group(path + "/cell/vars")
                for i, a in enumerate(ws):
                    cg[str(i)] = a
            else:
                for i, a in enumerate(ws):
                    g[str(i)] = a

    def write_keras(self, suffix="", libver=None, optimizer=False):
        buf = io.BytesIO()
        with h5py.File(buf, "w", libver=libver or "earliest") as h5:
            self.keras3_weights(h5)
            if optimizer:
                # Adam's state: iterations, learning_rate, then m and v per weight.
                og = h5.create_group("optimizer/vars")
                og["0"] = np.array(7, dtype=np.int64)
                og["1"] = np.array(0.001, dtype=np.float32)
                i = 2
                for a in self.get_weights():
                    for _ in range(2):
                        og[str(i)] = np.zeros_like(a)
                        i += 1
        with zipfile.ZipFile(self.name + suffix + ".keras", "w") as z:
            for name, data in (("metadata.json", json.dumps({"keras_version": "3.8.0", "date_saved": "2025-01-01@00:00:00"})),
                               ("config.json", json.dumps(self.config(k3=True))),
                               ("model.weights.h5", buf.getvalue())):
                z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data)

    def write_h5(self, suffix="", libver=None, optimizer=False, chunks=1, weights_only=False):
        """Keras 2's model.save (or, weights_only, model.save_weights). With
        chunks > 1 the name lists are split as save_attributes_to_hdf5_group
        splits lists too long for an HDF5 object header."""
        def put(group, name, data):
            data = np.asarray(data)
            if chunks > 1 and len(data) > 1:
                for i, part in enumerate(np.array_split(data, chunks)):
                    group.attrs["%s%d" % (name, i)] = part
            else:
                group.attrs[name] = data

        with h5py.File(self.name + suffix + ".h5", "w", libver=libver or "earliest") as f:
            f.attrs["backend"] = b"tensorflow"
            f.attrs["keras_version"] = b"2.13.1"
            if weights_only:
                mw = f
            else:
                f.attrs["model_config"] = json.dumps(self.config(k3=False)).encode("utf8")
                mw = f.create_group("model_weights")
            # model.layers: Keras 2 lists a Functional model's InputLayer too.
            names = [l.name for l in self.layers]
            if self.kind == "Functional":
                names = ["input_1"] + names
            mw.attrs["backend"] = b"tensorflow"
            mw.attrs["keras_version"] = b"2.13.1"
            put(mw, "layer_names", [n.encode("utf8") for n in names])
            for n in sorted(names):
                g = mw.create_group(n)
                ws = self.w.get(n, [])
                wn = ["%s/%s:0" % (n, p) for p, _ in ws]
                put(g, "weight_names", [s.encode("utf8") for s in wn])
                for s, (_, a) in zip(wn, ws):
                    g.create_dataset(s, data=a)
            if optimizer:
                f.attrs["training_config"] = json.dumps({"loss": "mse", "optimizer_config": {"class_name": "Adam", "config": {"learning_rate": 0.001}}}).encode("utf8")
                og = f.create_group("optimizer_weights")
                og.attrs["weight_names"] = np.array([b"Adam/iter:0"])
                og.create_dataset("Adam/iter:0", data=np.array(7, dtype=np.int64))


def conv_common(act="linear"):
    return {"strides": [1], "padding": "same", "data_format": "channels_last", "dilation_rate": [1],
            "activation": act, "use_bias": True, "bias_initializer": zeros, "bias_regularizer": None,
            "activity_regularizer": None, "bias_constraint": None}


def zoo():
    """Every other layer seqnet reads, in one functional model."""
    ls = []

    def add(layer, *inbound):
        layer.inbound = list(inbound)
        ls.append(layer)
        return layer.name
    x = add(conv1d("conv1d", 6, 3, padding="same"), "INPUT")
    dw = add(L("DepthwiseConv1D", "depthwise_conv1d", dict(conv_common(), kernel_size=[3], depth_multiplier=2,
                                                            depthwise_initializer=glorot, depthwise_regularizer=None,
                                                            depthwise_constraint=None),
               [("depthwise_kernel", (3, 6, 2)), ("bias", (12,))]), x)
    sp = add(L("SeparableConv1D", "separable_conv1d", dict(conv_common("relu"), filters=6, kernel_size=[3], depth_multiplier=1,
                                                            depthwise_initializer=glorot, pointwise_initializer=glorot,
                                                            depthwise_regularizer=None, pointwise_regularizer=None,
                                                            depthwise_constraint=None, pointwise_constraint=None),
               [("depthwise_kernel", (3, 12, 1)), ("pointwise_kernel", (1, 12, 6)), ("bias", (6,))]), dw)
    tr = add(L("Conv1DTranspose", "conv1d_transpose", dict(conv_common(), filters=6, kernel_size=[3], output_padding=None,
                                                            kernel_initializer=glorot, kernel_regularizer=None,
                                                            kernel_constraint=None),
               [("kernel", (3, 6, 6)), ("bias", (6,))]), sp)
    ln = add(L("LayerNormalization", "layer_normalization", {"axis": [-1], "epsilon": 0.001, "center": True, "scale": True,
                                                             "beta_initializer": zeros, "gamma_initializer": lambda k3: {"class_name": "Ones", "config": {}},
                                                             "beta_regularizer": None, "gamma_regularizer": None,
                                                             "beta_constraint": None, "gamma_constraint": None},
               [("gamma", (6,)), ("beta", (6,))]), tr)
    dr = add(simple("Dropout", "dropout", {"rate": 0.2, "seed": None, "noise_shape": None}), ln)
    sd = add(simple("SpatialDropout1D", "spatial_dropout1d", {"rate": 0.2, "seed": None}), x)
    a = add(simple("Add", "add"), dr, sd)
    b = add(simple("Subtract", "subtract"), tr, sp)
    c = add(simple("Multiply", "multiply"), a, b)
    d = add(simple("Average", "average"), c, x)
    zp = add(simple("ZeroPadding1D", "zero_padding1d", {"padding": [1, 1]}), d)
    cr = add(simple("Cropping1D", "cropping1d", {"cropping": [1, 1]}), zp)
    up = add(simple("UpSampling1D", "up_sampling1d", {"size": 2}), cr)
    ap = add(simple("AveragePooling1D", "average_pooling1d", {"pool_size": [2], "padding": "valid", "strides": [2],
                                                              "data_format": "channels_last"}), up)
    r = add(rnn("SimpleRNN", "simple_rnn", 5, return_sequences=True), ap)
    ac = add(simple("Activation", "activation", {"activation": "tanh"}), r)
    rs = add(simple("Reshape", "reshape", {"target_shape": [8, 10]}), ac)
    gp = add(simple("GlobalAveragePooling1D", "global_average_pooling1d", {"data_format": "channels_last", "keepdims": False}), rs)
    add(dense("dense", 3), gp)
    dims = {l.name: 6 for l in ls}
    dims.update({"conv1d": 4, "simple_rnn": 6, "dense": 10})
    return Model("zoo", "Functional", (16, 4), ls, dims)


def models():
    # A Kim-style text CNN: Embedding, two Conv1D branches, global max
    # pooling, Concatenate, Dense.
    textcnn = Model("textcnn", "Functional", (12,), [
        embedding("embedding", 30, 8, inbound=["INPUT"]),
        conv1d("conv1d", 6, 3, inbound=["embedding"]),
        conv1d("conv1d_1", 4, 5, padding="same", inbound=["embedding"]),
        simple("GlobalMaxPooling1D", "global_max_pooling1d", {"data_format": "channels_last", "keepdims": False}, inbound=["conv1d"]),
        simple("GlobalMaxPooling1D", "global_max_pooling1d_1", {"data_format": "channels_last", "keepdims": False}, inbound=["conv1d_1"]),
        simple("Concatenate", "concatenate", {"axis": -1}, inbound=["global_max_pooling1d", "global_max_pooling1d_1"]),
        dense("dense", 3, "softmax", inbound=["concatenate"]),
    ], {"embedding": 1, "conv1d": 8, "conv1d_1": 8, "global_max_pooling1d": 6, "global_max_pooling1d_1": 4,
        "concatenate": 10, "dense": 10}, int_input=True)
    # A time-series CNN with BatchNormalization and Dense layers.
    convbn = Model("convbn", "Sequential", (16, 4), [
        conv1d("conv1d", 5, 3),
        batchnorm("batch_normalization"),
        simple("MaxPooling1D", "max_pooling1d", {"pool_size": [2], "padding": "valid", "strides": [2], "data_format": "channels_last"}),
        simple("Flatten", "flatten", {"data_format": "channels_last"}),
        dense("dense", 8, "relu"),
        dense("dense_1", 2),
    ], {"conv1d": 4, "batch_normalization": 5, "max_pooling1d": 5, "flatten": 5, "dense": 35, "dense_1": 8})
    # Masked Embedding -> LSTM -> GRU -> Dense.
    rnns = Model("rnns", "Sequential", (10,), [
        embedding("embedding", 20, 6, mask_zero=True),
        rnn("LSTM", "lstm", 7, return_sequences=True),
        rnn("GRU", "gru", 5),
        dense("dense", 1, "sigmoid"),
    ], {"embedding": 1, "lstm": 6, "gru": 7, "dense": 5}, int_input=True)
    # Bidirectional LSTM and GRU.
    bidir = Model("bidir", "Sequential", (9, 3), [
        bidirectional("bidirectional", rnn("LSTM", "lstm", 4, return_sequences=True)),
        bidirectional("bidirectional_1", rnn("GRU", "gru", 3)),
        dense("dense", 2),
    ], {"bidirectional": 3, "bidirectional_1": 8, "dense": 6})
    # Twelve Dense layers: layers/ holds more than 8 groups, which
    # libver='latest' stores as dense links.
    deep = [dense("dense" if i == 0 else "dense_%d" % i, 3, "tanh") for i in range(12)]
    deep = Model("deep", "Sequential", (4, 3), deep, {l.name: 3 for l in deep})
    return textcnn, convbn, rnns, bidir, deep, zoo()


def main():
    for m in models():
        m.write_json_npz()
        m.write_keras(optimizer=m.name == "convbn")
        m.write_h5(optimizer=m.name == "convbn")
        if m.name == "convbn":
            m.write_h5("_chunked", chunks=2)
            m.write_h5("_weights_only", weights_only=True)
        if m.name in ("convbn", "bidir", "deep"):
            m.write_keras("_latest", libver="latest")
            m.write_h5("_latest", libver="latest")


if __name__ == "__main__":
    main()
