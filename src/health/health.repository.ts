import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GenerateSql, SqlRepository } from '../database/generate-sql.js';

/** The readiness probe's one statement: is the database answering? (No table is read.) */
@Injectable()
@SqlRepository(import.meta.url)
export class HealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  @GenerateSql()
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
