import { Injectable } from '@nestjs/common';
import type { PayoutDto } from './dto/payouts.dto.js';
import type { PayoutState } from './payouts.entities.js';
import { PayoutsService } from './payouts.service.js';

/** A batch's payouts can only be in these states: still in it, or settled by it. */
const IN_OR_SETTLED_BY_A_BATCH: PayoutState[] = ['batched', 'paid', 'failed'];
/** How many of each state's newest payouts are looked through (as the batch page always has). */
const NEWEST_PER_STATE = 100;

/**
 * The payouts of one batch, for accounting's batch page: those still in it and those it paid or
 * failed, newest first. (Read from each state's newest payouts, so the page and the API list
 * agree; a query by batch id belongs in the payouts repository once there is one to hold it.)
 */
@Injectable()
export class BatchPayoutsReadModel {
  constructor(private readonly payouts: PayoutsService) {}

  async forBatch(batchId: string): Promise<PayoutDto[]> {
    const lists = await Promise.all(IN_OR_SETTLED_BY_A_BATCH.map((state) => this.payouts.list({ state, limit: NEWEST_PER_STATE })));
    return lists.flatMap((list) => list.items).filter((payout) => payout.batchId === batchId);
  }
}
