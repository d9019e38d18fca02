/** Media-type matching: optional whitespace around `;`, case-insensitive, extra parameters ignored. */

interface MediaType {
  type: string
  version: string | undefined
}

function parse(value: string): MediaType {
  const [type = '', ...params] = value.split(';').map((part) => part.trim().toLowerCase())
  const version = params
    .map((p) => /^version\s*=\s*"?([^"]*)"?$/.exec(p)?.[1])
    .find((v) => v !== undefined)
  return { type, version }
}

/**
 * Whether a response's Content-Type is the expected media type. A missing `version` parameter is
 * tolerated (the main type already says TAXII/STIX); a different version is not.
 */
export function isMediaType(contentType: string | null, expected: string): boolean {
  if (contentType === null) return false
  const got = parse(contentType)
  const want = parse(expected)
  return got.type === want.type && (got.version === undefined || got.version === want.version)
}
