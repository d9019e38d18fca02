/** A STIX object cannot be built as asked (e.g. STIX 2.0 without labels): a configuration problem. */
export class StixError extends Error {
  override readonly name = 'StixError'
}
