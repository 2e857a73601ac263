import { sqliteTable, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { namedColumns } from './teams';

export const themes = sqliteTable('themes', namedColumns(), (t) => [uniqueIndex('themes_key_unique').on(t.key)]);
