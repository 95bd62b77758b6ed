// Loaded at the first sign-in or password change: a process that only takes tips never needs it.
const argon2 = () => import('@node-rs/argon2');

// @node-rs/argon2 ships prebuilt N-API binaries in per-platform packages (no install script, no
// compiler). Its default algorithm is argon2id; the cost is OWASP's minimum (19 MiB, 2 passes),
// about 50 ms here. Verification reads the parameters from the stored hash, so raising them
// later only changes new hashes.
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
// argon2 takes any length, but a megabyte of "password" is an attack, not a password.
export const PASSWORD_MAX_LENGTH = 256;

export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password, ARGON2_OPTIONS);
}

export async function passwordMatches(passwordHash: string, password: string): Promise<boolean> {
  const { verify } = await argon2();
  return verify(passwordHash, password).catch(() => false);
}

/** Why a new password is not acceptable, or undefined when it is. */
export function passwordProblem(password: string, email?: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters`;
  if (email && password.toLowerCase().includes(email.toLowerCase().split('@')[0]) && email.split('@')[0].length >= 4) {
    return 'Do not use your email address in your password';
  }
  if (new Set(password).size < 5) return 'Use more different characters';
  return undefined;
}
