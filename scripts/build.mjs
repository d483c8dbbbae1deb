#!/usr/bin/env node
/**
 * `npm run build` after `tsc` has type-checked: bundles the CLI and its dependencies with esbuild into dist/.
 *
 *   dist/cli.js          the launcher that `bin` runs: turns on Node's compile cache (Node >= 22.1), then
 *                        imports the bundle, so the bundle's compiled code is cached from the second run on
 *   dist/lib/main.js     the CLI's commands and options, enough for `--help` and `--version`
 *   dist/lib/*-<hash>.js chunks loaded on first use (`await import(...)` in src): each command's action (the
 *                        upload with its engine, check, status, ...), the AWS SDK with the S3 store, the
 *                        credential providers, the keyring store
 *
 * `@napi-rs/keyring` stays external: it loads a native .node binary chosen at run time, so it is resolved from
 * node_modules like any installed dependency. Code the bundle takes from CommonJS packages calls `require` for
 * Node's built-ins, which ES modules lack: each chunk gets one made by `createRequire`.
 *
 *   node scripts/build.mjs [--analyze] [--no-minify]
 *     --analyze prints what takes the room in each output file; --no-minify keeps names readable in CPU profiles
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');

const LAUNCHER = `#!/usr/bin/env node
// Built by scripts/build.mjs. The compile cache must be on before the bundle is loaded, so it is loaded from here.
import module from 'node:module';
try {
  module.enableCompileCache?.();
} catch {
  // a cache folder that cannot be written only costs speed
}
await import('./lib/main.js');
`;

const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

/**
 * Routes imports of `node:http` and `node:process` through the chunk's `require`. Node 22+ builds the ES module
 * namespace of a built-in by reading every export, which runs lazy getters: `import http from 'node:http'` loads
 * undici for `http.WebSocket` (33 ms on Node 24 against 3 ms for `require`), `node:process` creates stdin (8 ms
 * against 0.2). As a CommonJS module the built-in's named imports become property reads where they are used, so a
 * getter runs only if its export is used. The other built-ins cost the same either way (measured on Node 24).
 *
 * `node:crypto`, `node:zlib` and `node:child_process` go one step further: each becomes an object of getters that
 * loads the built-in on the first read of any export. A dry run hashes nothing and `--version` spawns nothing, yet
 * a static import loads them whatever the command (crypto 5 ms, zlib 3 ms on Node 24; commander requires
 * child_process at load for executable subcommands, which this CLI has none of). `node:readline` is read only by
 * the hidden prompt of `credentials set`, whose action shares a chunk with the upload's. The getters are named after the
 * built-in's exports in the Node that builds; code using a name missing there would read `undefined`, which the
 * type check (the same Node's types) rules out.
 */
const BY_REQUIRE = ['http', 'process'];
const ON_FIRST_USE = ['crypto', 'zlib', 'child_process', 'readline', 'v8'];

function loadOnFirstUse(name) {
  const exportNames = Object.getOwnPropertyNames(createRequire(import.meta.url)(`node:${name}`));
  return [
    'let loaded;',
    `const load = () => (loaded ??= require(${JSON.stringify(`node:${name}`)}));`,
    `for (const name of ${JSON.stringify(exportNames)}) {`,
    '  Object.defineProperty(module.exports, name, { enumerable: true, get: () => load()[name] });',
    '}',
  ].join('\n');
}

const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    const names = [...BY_REQUIRE, ...ON_FIRST_USE].join('|');
    build.onResolve({ filter: new RegExp(`^(node:)?(${names})$`) }, (args) => {
      if (args.namespace === 'builtin') return undefined;
      return { path: args.path.replace(/^node:/, ''), namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: ON_FIRST_USE.includes(args.path)
        ? loadOnFirstUse(args.path)
        : `module.exports = require(${JSON.stringify(`node:${args.path}`)});`,
      loader: 'js',
    }));
  },
};

/**
 * Bundles yaml's ES module build: its CommonJS build for Node (the `node` export) is some 80 modules, each wrapped
 * and run at start-up, whether or not the command reads a config file, and it cannot be tree-shaken. The two builds
 * are compiled from one source; they differ in how a warning is printed (the config reader asks for none) and in
 * two debugging variables (LOG_TOKENS, LOG_STREAM) only the Node build reads.
 */
const yamlAsModule = {
  name: 'yaml-as-module',
  setup(build) {
    // the package's exports map hides browser/index.js from Node's resolution, so it is found beside package.json
    const yamlRoot = path.dirname(createRequire(import.meta.url).resolve('yaml/package.json'));
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(yamlRoot, 'browser', 'index.js') }));
  },
};

async function build({ analyze, minify }) {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
  await rm(DIST, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [{ in: 'src/cli.ts', out: 'main' }],
    outdir: path.join(DIST, 'lib'),
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // ES module builds first: they tree-shake (the S3 client keeps only the commands the store sends)
    mainFields: ['module', 'main'],
    external: ['@napi-rs/keyring'],
    define: { __UPLOAD_TO_S3_VERSION__: JSON.stringify(pkg.version) },
    banner: { js: REQUIRE_SHIM },
    plugins: [builtinsByRequire, yamlAsModule],
    minify,
    // error classes name themselves after their class (errors.ts)
    keepNames: true,
    legalComments: 'linked',
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  const launcher = path.join(DIST, 'cli.js');
  await writeFile(launcher, LAUNCHER);
  await chmod(launcher, 0o755);
  if (analyze) process.stdout.write(await esbuild.analyzeMetafile(result.metafile, { verbose: false }));
}

await build({
  analyze: process.argv.includes('--analyze'),
  minify: !process.argv.includes('--no-minify'),
});
