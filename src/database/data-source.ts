// Entry point for the TypeORM CLI (`npm run migration:*`); needs DATABASE_URL.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';

const config = loadConfig();
if (!config.DATABASE_URL) {
  throw new Error('The migration commands need DATABASE_URL (the app itself applies migrations at start-up).');
}
export default new DataSource(dataSourceOptions(config.DATABASE_URL));
