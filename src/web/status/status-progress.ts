import type { TipStatus } from '../../tips/tips.entities.js';

/**
 * The contributor's path, in their words: received → under review → offer made → accepted →
 * payment approved → payment scheduled → paid (or "payment failed"). Pure, so every state is a
 * table row in a unit test.
 */
export const PROGRESS_STEPS = ['Received', 'Under review', 'Offer made', 'Accepted', 'Payment approved', 'Payment scheduled', 'Paid'] as const;

/** What the current step means, in a sentence. */
const STEP_TEXT = [
  'Received: an editor will look at it soon.',
  'Under review by an editor.',
  'We have made you an offer: see it below.',
  'You accepted our offer. Our accounts team will approve the payment.',
  'Your payment is approved and will go out in the next payment run.',
  'Your payment is in our next bank payment run. It can take a few working days to arrive.',
  'Paid. Thank you for your story!',
] as const;

export const PAYMENT_FAILED_TEXT = 'Payment failed – please update your details.';

// The step each live payout state stands at (declined and cancelled offers are no longer on the path).
const PAYOUT_STEP: Record<string, number> = { offered: 2, accepted: 3, held: 3, approved: 4, batched: 5, paid: 6 };
const FAILED_STEP = 5;
const CLOSED: ReadonlySet<TipStatus> = new Set(['rejected', 'spam', 'archived', 'erased']);

export type StepState = 'done' | 'current' | 'upcoming' | 'failed';

export interface ProgressStep {
  label: string;
  state: StepState;
  /** The step the tip is at now (aria-current). */
  current: boolean;
}

export interface TipProgress {
  steps: ProgressStep[];
  /** A sentence for the current step when payment has moved it on; undefined when the tip's own status says it. */
  text?: string;
  failed: boolean;
}

function payoutState(payout: unknown): string | undefined {
  const state = (payout as { state?: unknown } | null)?.state;
  return typeof state === 'string' ? state : undefined;
}

export function tipProgress(status: TipStatus, payouts: readonly unknown[]): TipProgress {
  const states = payouts.map(payoutState).filter((s): s is string => s !== undefined);
  const live = states.filter((s) => s in PAYOUT_STEP).map((s) => PAYOUT_STEP[s]);
  // A failed payout counts only until it is reissued (the new payout is live again) or another is paid.
  const failed = live.length === 0 && states.includes('failed');
  const paymentStep = live.length ? Math.max(...live) : failed ? FAILED_STEP : undefined;

  if (paymentStep === undefined && CLOSED.has(status)) {
    // Nothing further will happen: show only what did.
    return { steps: [step('Received', 'done', false), step('Under review', 'done', true)], failed: false };
  }
  const at = paymentStep ?? (status === 'new' ? 0 : 1);
  const paid = at === PROGRESS_STEPS.length - 1;
  const steps = PROGRESS_STEPS.map((label, index): ProgressStep => {
    if (index < at || (paid && index === at)) return step(label, 'done', index === at);
    if (index === at) return step(label, failed ? 'failed' : 'current', true);
    return step(label, 'upcoming', false);
  });
  const text = failed ? PAYMENT_FAILED_TEXT : paymentStep !== undefined ? STEP_TEXT[at] : undefined;
  return { steps, text, failed };
}

function step(label: string, state: StepState, current: boolean): ProgressStep {
  return { label, state, current };
}
