/**
 * ISO 20022 external return reason codes a bank puts in RtrInf/Rsn/Cd, in words for the payout's
 * failure reason (the EPC's SEPA list and the codes UK banks use for Faster Payments returns).
 */
export const RETURN_REASONS: Readonly<Record<string, string>> = {
  AC01: 'the account number is wrong',
  AC03: 'the creditor account number is not valid',
  AC04: 'the account is closed',
  AC06: 'the account is blocked',
  AC13: 'the account is a consumer account that cannot take this payment',
  AG01: 'the account cannot take this kind of payment',
  AG02: 'the bank operation code is wrong',
  AM04: 'insufficient funds',
  AM05: 'a duplicate payment',
  BE04: 'the payee’s address is missing',
  BE05: 'the party who started the payment is not recognised',
  CNOR: 'the payee’s bank is not registered for this scheme',
  DNOR: 'the payer’s bank is not registered for this scheme',
  ERIN: 'the extended remittance information option is not supported',
  FF01: 'the file format is not valid',
  MD07: 'the account holder has died',
  MS02: 'refused by the payee, no reason given',
  MS03: 'refused by the bank, no reason given',
  RC01: 'the bank identifier (BIC) is wrong',
  RR01: 'the payer’s account or identification is missing',
  RR02: 'the payer’s name or address is missing',
  RR03: 'the payee’s name or address is missing',
  RR04: 'a regulatory reason',
  SL01: 'a service the payee’s bank offers refused it',
};

/** `Returned by the bank: the account is closed (AC04)`, with the bank's own words if it gave any. */
export function returnReasonText(code: string | null, info: string | null): string {
  const words = code ? (RETURN_REASONS[code] ?? 'a reason the bank coded') : 'no reason given';
  return `Returned by the bank: ${words}${code ? ` (${code})` : ''}${info ? ` – ${info}` : ''}`.slice(0, 500);
}
