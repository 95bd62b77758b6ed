import anyAscii from 'any-ascii';

// Emoji and their joiners/selectors carry no name a bank could print; any-ascii would spell
// them out as ":grinning:", which is worse than dropping them.
const PICTOGRAPHS = /[\p{Extended_Pictographic}\p{Emoji_Modifier}]|\u200d|\ufe0e|\ufe0f|\u20e3/gu;
const CONTROLS = /[\p{Cc}\p{Zl}\p{Zp}]/gu;

/** Any Unicode text → plain ASCII (Zoë Ørsted-Łukasz → Zoe Orsted-Lukasz), controls as spaces. */
export function toAscii(text: string): string {
  return anyAscii(text.normalize('NFC').replace(PICTOGRAPHS, '').replace(CONTROLS, ' '));
}

function squeeze(text: string): string {
  return text.replace(/ {2,}/g, ' ').trim();
}

/**
 * UK bank character set (Bacs and Faster Payments: A–Z 0–9 space . - / &): upper-cased,
 * transliterated, anything else dropped, cut to `width`. Never longer than `width`.
 */
export function ukBankText(text: string, width: number): string {
  const ascii = toAscii(text)
    .toUpperCase()
    .replace(/[^A-Z0-9 .\-/&]/g, '');
  return squeeze(ascii).slice(0, width).trimEnd();
}

/** SEPA's Latin character set (EPC: a–z A–Z 0–9 / - ? : ( ) . , ' + space), cut to `width`. */
export function sepaText(text: string, width: number): string {
  const ascii = toAscii(text).replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, '');
  return squeeze(ascii).slice(0, width).trimEnd();
}
