// Evaluates JSONata expressions with the reference implementation (npm jsonata), for the
// engine's differential test (jsonata_reference_test.go). argv[2] is the jsonata package's
// directory. stdin: a JSON array of {"expr", "bindings"}; stdout: a JSON array of
// {"value"} | {"undefined": true} | {"error": "code: message"}, in the same order.
const jsonata = require(process.argv[2]);

async function evaluate(c) {
  try {
    const v = await jsonata(c.expr).evaluate(null, c.bindings);
    if (v === undefined) return { undefined: true };
    // A function or a non-finite number is no JSON value: Step Functions fails such a
    // result, where JSON.stringify would drop it or write null.
    const text = JSON.stringify(v, (k, x) => {
      if (typeof x === 'function') throw { code: 'non-JSON', message: 'a function' };
      if (typeof x === 'number' && !isFinite(x)) throw { code: 'non-JSON', message: String(x) };
      return x;
    });
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: (e.code || '') + ': ' + e.message };
  }
}

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', async () => {
  const out = [];
  for (const c of JSON.parse(input)) out.push(await evaluate(c));
  process.stdout.write(JSON.stringify(out));
});
