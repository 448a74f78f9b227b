// Loads a handler module the way Lambda's Node.js runtime does at init (no
// invocation) and writes every file the module loaders loaded, as JSON, to
// the path in $OUT. CommonJS loads are seen through Module._load and the
// require cache (which also holds CommonJS packages an ES module imports).
const Module = require('module');
const fs = require('fs');
const url = require('url');
const loaded = new Set();
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try {
    loaded.add(Module._resolveFilename(request, parent, isMain));
  } catch (_) {}
  return load.apply(this, arguments);
};
const entry = process.argv[2];
const done = (error) => {
  for (const file of Object.keys(require.cache)) loaded.add(file);
  fs.writeFileSync(process.env.OUT, JSON.stringify({ loaded: [...loaded], error: error ? String(error) : null }));
};
import(url.pathToFileURL(entry).href).then(() => done(null), done);
