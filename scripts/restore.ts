/**
 * `npm run restore -- <file>`: puts a backup made by `npm run backup` in place of the database at
 * DATABASE_PATH (src/db/restore.ts). Refuses while a server has that database open, and refuses a
 * file that is not a sound Roadworks database; the database it replaces is kept aside as
 * <DATABASE_PATH>.before-restore-<time>. Bundled and run like scripts/backup.ts.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { restoreDatabase } from '../src/db/restore';

const USAGE = 'usage: npm run restore -- <backup file>   (restores into DATABASE_PATH; stop the server first)\n';

function main(): number {
  let args;
  try {
    args = parseArgs({ allowPositionals: true });
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
    const backup = resolve(process.env.INIT_CWD ?? process.cwd(), file);
    const result = restoreDatabase({ backup, target: DATABASE_PATH });
    const aside = result.keptAside.length > 0 ? ` The database it replaced is kept as ${result.keptAside.join(', ')}.` : '';
    process.stdout.write(`Restored ${backup} into ${result.target}.${aside} Start the server to use it.\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`Restore failed: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = main();
