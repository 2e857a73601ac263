/**
 * Builds the server and its dependencies into one JavaScript file (dist/bin/server.js) that
 * `npm start` runs with plain node. `npm ci` builds through the `prepare` script; `npm start` runs this with --if-stale first,
 * which rebuilds only when a source file or the lockfile is newer than the bundle.
 * Plain JavaScript, so that the check costs a node start and not a TypeScript loader's.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/bin/server.js');

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function stale() {
  if (!existsSync(outfile)) return true;
  const built = statSync(outfile).mtimeMs;
  return ['src', 'package.json', 'package-lock.json'].some((p) => newestMtime(join(root, p)) > built);
}

/** The production build's options, shared with the tests that run the server as a child process. */
export const serverBuildOptions = (out) => ({
  absWorkingDir: root,
  entryPoints: ['src/server.ts'],
  // The dependencies too: resolving and loading some four hundred modules one by one was most of a
  // cold start. Left out: the native SQLite binding, and swagger-ui, which serves files from its
  // own folder.
  bundle: true,
  external: ['better-sqlite3', '@fastify/swagger-ui'],
  // CommonJS dependencies call require(); an ES module bundle has none of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  // Whitespace and syntax only (names stay, for stack traces): the smaller script measured a
  // lower peak RSS under the benchmark (bench/RESULTS.md, Analysis).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  outfile: out,
});

// Run as a script (not imported for its options); paths compared resolved, in case of symlinks.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  if (!process.argv.includes('--if-stale') || stale()) {
    const { build } = await import('esbuild');
    await build(serverBuildOptions(outfile));
  }
}
