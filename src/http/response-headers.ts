/** Response headers read the way callers read web `Headers`, straight over undici's header object. */

export interface ResponseHeaders {
  /** The header's value (name in any case), repeated fields joined with ', '; null if absent. */
  get(name: string): string | null
}

/** undici gives lower-case names and an array for a repeated field. */
export function responseHeaders(
  raw: Readonly<Record<string, string | string[] | undefined>>,
): ResponseHeaders {
  return {
    get(name) {
      const value = raw[name.toLowerCase()]
      if (value === undefined) return null
      return typeof value === 'string' ? value : value.join(', ')
    },
  }
}
