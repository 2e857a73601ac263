/**
 * `npm run backup -- <file> [--force]`: an online, consistent copy of the database at
 * DATABASE_PATH (read like the server reads it), safe to run while the server writes
 * (src/db/backup.ts). `npm run backup` bundles this file with esbuild, a dependency that
 * `npm start` needs too, and runs it with plain node: no TypeScript loader is needed in production.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { backupDatabase } from '../src/db/backup';

const USAGE = 'usage: npm run backup -- <file> [--force]   (the database is DATABASE_PATH; --force replaces an existing file)\n';

function main(): number {
  let args;
  try {
    args = parseArgs({ options: { force: { type: 'boolean', default: false } }, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  try {
    const { DATABASE_PATH } = loadConfig(process.env);
    // npm runs scripts in the project folder; a file named on the command line is relative to where it was typed.
    const target = resolve(process.env.INIT_CWD ?? process.cwd(), file);
    const result = backupDatabase({ source: DATABASE_PATH, target, force: args.values.force });
    process.stdout.write(
      `Backed up ${resolve(DATABASE_PATH)} to ${result.target}: ${(result.bytes / 1_048_576).toFixed(1)} MB, integrity checked, in ${(result.ms / 1000).toFixed(1)} s.\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`Backup failed: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = main();
