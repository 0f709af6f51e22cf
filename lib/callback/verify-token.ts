import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `candidate` equals one of the accepted callback tokens, in constant time: both sides are
 * hashed to 32 bytes (so lengths never leak and timingSafeEqual gets equal lengths), and every token
 * is compared without an early exit (so the position of a match does not leak either).
 * An empty token list accepts nothing.
 * @example verifyToken(segment, config.LIVEWATCH_CALLBACK_TOKENS) // → true / false
 */
export function verifyToken(candidate: string, tokens: readonly string[]): boolean {
  const digest = sha256(candidate);
  let matched = false;
  for (const token of tokens) {
    // The comparison comes first, so every token is compared even after a match.
    matched = timingSafeEqual(digest, tokenDigest(token)) || matched;
  }
  return matched;
}

/**
 * The accepted tokens' digests, computed once per token (they come from the settings, never from a
 * request, so this holds as many entries as tokens were configured): only the candidate is hashed per
 * request.
 */
const tokenDigests = new Map<string, Buffer>();

function tokenDigest(token: string): Buffer {
  let digest = tokenDigests.get(token);
  if (digest === undefined) {
    digest = sha256(token);
    tokenDigests.set(token, digest);
  }
  return digest;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
