import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Hits per bucket per fixed window, shared by every app process through PostgreSQL. */
@Entity('rate_limit_windows')
export class RateLimitWindow {
  /** `<purpose>:<HMAC of the client under its window's pepper>`; never a raw address. */
  @PrimaryColumn({ type: 'varchar', length: 100, primaryKeyConstraintName: 'pk_rate_limit_windows' })
  bucket: string;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'pk_rate_limit_windows' })
  windowStart: Date;

  @Column({ type: 'integer' })
  hits: number;
}

/**
 * The random key of one window (per window length): made by the first hit of the window, shared by
 * every process, deleted when the window closes. With it gone, no bucket of that window can be
 * recomputed from an address, not even by someone holding the database and every server key.
 */
@Entity('rate_limit_peppers')
export class RateLimitPepper {
  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_rate_limit_peppers' })
  windowSeconds: number;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'pk_rate_limit_peppers' })
  windowStart: Date;

  @Column({ type: 'bytea' })
  pepper: Buffer;
}
