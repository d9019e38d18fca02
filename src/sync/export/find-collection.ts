/** Finding AED's TAXII collection by its title (the `aed_collection` option). */
import { ConfigError } from '../../errors.js'
import { RemoteError } from '../../http/errors.js'
import type { TaxiiClient, TaxiiCollection } from '../../taxii/client.js'

/** [I: A-TAXII-ROOT] Finds the AED collection by title on the default API root, then on the others. */
export async function findTaxiiCollection(
  taxii: TaxiiClient,
  title: string,
): Promise<TaxiiCollection> {
  const discovery = await taxii.discover()
  const roots = [
    ...new Set(
      [discovery.default, ...(discovery.api_roots ?? [])].filter(
        (r): r is string => r !== undefined,
      ),
    ),
  ]
  if (roots.length === 0) throw new Error('the TAXII discovery resource lists no API roots')
  let lastError: unknown
  const elsewhere: string[] = []
  for (const root of roots) {
    try {
      return await taxii.collection(root, title)
    } catch (error) {
      // A root on another origin was not requested (http/origin.ts); the others are still tried.
      if (error instanceof RemoteError && error.kind === 'origin') elsewhere.push(error.url)
      else lastError = error
    }
  }
  if (lastError === undefined && elsewhere.length > 0) {
    // Only the operator can say the AED's TAXII service lives there: a configuration matter.
    throw new ConfigError(
      `the AED's TAXII discovery names API roots only on another origin (${elsewhere.join(', ')}): not used, so that the TAXII credentials and the export are not sent there; if AED's TAXII service is there, set the hostname option to it`,
      { option: 'hostname' },
    )
  }
  throw lastError
}
