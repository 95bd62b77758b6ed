import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';
import { SnakeNamingStrategy } from './naming-strategy.js';

/** The app's own pool (DATABASE_POOL_SIZE); see connection-budget.ts for every pool a process opens. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

/** The one definition of the database connection, shared by the app, the migration CLI and the tests. */
export function dataSourceOptions(url: string, poolSize = DEFAULT_DATABASE_POOL_SIZE): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+, so no extension (or superuser) is needed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // `findOneBy({ id: undefined })` must fail, never return the first row.
    invalidWhereValuesBehavior: { null: 'throw', undefined: 'throw' },
    extra: { max: poolSize, application_name: 'tipdesk' },
  };
}
