// Runs every DIR/NAME.onnx in ONNX Runtime (onnxruntime-node) on the input
// in DIR/NAME.json and writes the outputs back into that file as
// "reference". Used by scripts/onnx-check.sh.
//
//   node ort-run.js DIR
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

async function main() {
  const dir = process.argv[2];
  const version = require('onnxruntime-node/package.json').version;
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort()) {
    const name = f.slice(0, -5);
    const jpath = path.join(dir, name + '.json');
    const g = JSON.parse(fs.readFileSync(jpath, 'utf8'));
    const sess = await ort.InferenceSession.create(path.join(dir, f));
    const x = g.input;
    const t = x.int
      ? new ort.Tensor('int64', BigInt64Array.from(x.data.map((v) => BigInt(Math.round(v)))), x.shape)
      : new ort.Tensor('float32', Float32Array.from(x.data), x.shape);
    const out = await sess.run({ [sess.inputNames[0]]: t });
    g.reference = sess.outputNames.map((n) => ({ shape: out[n].dims.map(Number), data: Array.from(out[n].data, Number) }));
    g.by = 'onnxruntime-node ' + version;
    fs.writeFileSync(jpath, JSON.stringify(g));
    let worst = 0;
    let worstAbs = 0;
    g.reference.forEach((r, i) => {
      const s = g.seqnet[i].data;
      r.data.forEach((v, k) => {
        const d = Math.abs(v - s[k]);
        worstAbs = Math.max(worstAbs, d);
        if (v !== 0) worst = Math.max(worst, d / Math.abs(v));
      });
    });
    console.log(`${name}: seqnet vs onnxruntime: max abs diff ${worstAbs.toExponential(2)}, max rel diff ${worst.toExponential(2)}`);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
