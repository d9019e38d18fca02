/** STIX types shared by the connector and the simulators. */

export type StixVersion = '2.0' | '2.1'

/** Any STIX object as it travels in a bundle or envelope: only `type` and `id` are guaranteed. */
export interface StixObject {
  type: string
  id: string
  [property: string]: unknown
}

export interface Bundle20 {
  type: 'bundle'
  id: string
  spec_version: '2.0'
  objects?: StixObject[]
}

export interface Bundle21 {
  type: 'bundle'
  id: string
  objects?: StixObject[]
}

export type Bundle = Bundle20 | Bundle21
