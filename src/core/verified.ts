// A type brand for data whose signatures this node has checked, so unverified input cannot reach storage by type.
// Only the verification functions in consensus/ and critical/ mint it (nostr-tools' VerifiedEvent idea).

declare const verifiedBrand: unique symbol;
export type Verified<T> = T & { readonly [verifiedBrand]: true };

/** The single place a value becomes Verified; call it only after every check has passed. */
export function markVerified<T>(value: T): Verified<T> {
  return value as Verified<T>;
}
