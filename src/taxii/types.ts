/** TAXII 2.0 / 2.1 resource shapes and media types, shared by the client and the AED simulator. */

export type TaxiiVersion = '2.0' | '2.1'

export const MEDIA_TYPES = {
  '2.0': {
    taxii: 'application/vnd.oasis.taxii+json; version=2.0',
    stix: 'application/vnd.oasis.stix+json; version=2.0',
  },
  '2.1': {
    taxii: 'application/taxii+json;version=2.1',
    // TAXII 2.1 has no STIX media type: objects travel in TAXII envelopes.
    stix: 'application/taxii+json;version=2.1',
  },
} as const satisfies Record<TaxiiVersion, { taxii: string; stix: string }>

/** Discovery path per version (2.1 moved it from /taxii/ to /taxii2/). */
export const DISCOVERY_PATH: Record<TaxiiVersion, string> = { '2.0': '/taxii/', '2.1': '/taxii2/' }

/** `versions` value an API root advertises. */
export const API_ROOT_VERSION: Record<TaxiiVersion, string> = {
  '2.0': 'taxii-2.0',
  '2.1': 'application/taxii+json;version=2.1',
}

export interface Discovery {
  title: string
  description?: string
  contact?: string
  default?: string
  api_roots?: string[]
}

export interface ApiRootInfo {
  title: string
  description?: string
  versions: string[]
  max_content_length: number
}

export interface CollectionInfo {
  id: string
  title: string
  description?: string
  alias?: string
  can_read: boolean
  can_write: boolean
  media_types?: string[]
}

/** 2.0 lists successes/pendings as ids and failures as {id, message}; 2.1 uses {id, version, message?}. */
export interface StatusDetail {
  id: string
  version?: string
  message?: string
}

export interface StatusResource {
  id: string
  status: 'pending' | 'complete'
  request_timestamp?: string
  total_count: number
  success_count: number
  failure_count: number
  pending_count: number
  successes?: (string | StatusDetail)[]
  failures?: StatusDetail[]
  pendings?: (string | StatusDetail)[]
}

export interface ManifestEntry {
  id: string
  date_added: string
  /** 2.0: every version of the object; 2.1: one entry per version in `version`. */
  versions?: string[]
  version?: string
  media_types?: string[]
  media_type?: string
}
