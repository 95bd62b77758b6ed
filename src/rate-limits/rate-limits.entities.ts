import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Hits per bucket per fixed window, shared by every app process through PostgreSQL. */
@Entity('rate_limit_windows')
export class RateLimitWindow {
  /** `<purpose>:<keyed hash of the client>`; never a raw address. */
  @PrimaryColumn({ type: 'varchar', length: 100, primaryKeyConstraintName: 'pk_rate_limit_windows' })
  bucket: string;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'pk_rate_limit_windows' })
  windowStart: Date;

  @Column({ type: 'integer' })
  hits: number;
}
