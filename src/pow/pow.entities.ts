import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Each proof-of-work solution accepted, until its challenge expires: a solution is good for one
 * post only, across every app process.
 */
@Entity('pow_solutions')
export class PowSolution {
  /** The challenge's random nonce (hex), which its HMAC signature covers. */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_pow_solutions' })
  challengeId: string;

  /** The challenge's own expiry: after it the solution would be refused anyway, and the row goes. */
  @Index('ix_pow_solutions_expires_at')
  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
