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
    matched = timingSafeEqual(digest, sha256(token)) || matched;
  }
  return matched;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
