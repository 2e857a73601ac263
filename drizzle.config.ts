import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations from src/db/schema. Never use `drizzle-kit push`:
// migrations are applied by src/db/migrate.ts with foreign keys off.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema/index.ts',
  out: './migrations',
});
