/** Fixed sentences a redirect can ask for with `?notice=`: the page never echoes text from the address. */
export const NOTICES = {
  'signed-out': 'You have signed out.',
  'session-ended': 'Your session has ended. Please sign in again.',
  welcome: 'Your admin account is ready. Set up two-factor sign-in now, then add your colleagues on the Staff page.',
  'password-changed': 'Your password has been changed. Any other browser signed in as you has been signed out.',
  'staff-added': 'The account has been made. They can sign in now with the first password.',
  'role-changed': 'The role has been changed. They have been signed out, and sign in again with the new role.',
  'staff-disabled': 'The account has been disabled and signed out everywhere.',
  'staff-enabled': 'The account has been enabled again.',
  'two-factor-reset': 'Two-factor sign-in has been reset. They sign in with their password and set it up again.',
  'staff-unlocked': 'The account has been unlocked.',
  'password-set':
    'The new password is set, they have been signed out everywhere, and any sign-in lock is lifted. Give them the password in person or by phone.',
  'queue-empty': 'No new tips are waiting to be claimed. Check back soon.',
  claimed: 'This tip is yours now.',
  saved: 'Saved.',
  'status-changed': 'Status changed.',
  'note-added': 'Note added.',
  'message-sent': 'Message sent to the contributor.',
  'waiver-granted': 'Done: that person may now offer on this tip; each payout they offer will carry LOGGED_BY_OFFERER for its approver.',
  'phone-tip-logged': 'The call is logged as a tip. Read the reference and secret below to the caller now: the secret is not shown again.',
  'files-added': 'Files added.',
  'offer-made': 'Offer made. The contributor sees it on their status page (and gets a short email if they gave an address).',
  'offer-cancelled': 'Offer cancelled.',
  'not-for-your-role': 'That page is not part of your role’s work, so here is your own start page.',
  'settings-saved': 'Paper settings saved.',
  'logo-saved': 'Logo saved.',
  'logo-removed': 'Logo removed.',
  'payer-proposed': 'Change to the paying account proposed. It takes effect when another admin approves it.',
  'payer-approved': 'Change to the paying account approved: bank files use it from now on.',
  'payer-rejected': 'Change to the paying account rejected: nothing changed.',
  'legal-hold-placed': 'The tip is on legal hold: nothing on it can be erased until the hold is lifted.',
  'legal-hold-lifted': 'The legal hold is lifted.',
  'tip-erased': 'The tip is erased. Its certificate is ready to download below.',
  'erasure-declined': 'The request is declined; the contributor sees why on their status page.',
  'payer-withdrawn': 'Your change to the paying account was withdrawn: nothing changed.',
} as const satisfies Record<string, string>;
export type Notice = keyof typeof NOTICES;

export function noticeText(code: unknown): string | undefined {
  return typeof code === 'string' && Object.hasOwn(NOTICES, code) ? NOTICES[code as Notice] : undefined;
}
