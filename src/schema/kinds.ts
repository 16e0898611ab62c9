/**
 * The files people write by hand, whose JSON Schema `violin schema KIND` prints for their
 * editors. The inventory, history and calibration are violin's own (written by commands),
 * so they are not offered, though they are checked with schemas all the same.
 */
import type * as v from 'valibot'

export const SCHEMA_KINDS = {
  'env-file': {
    what: 'an environment file (violin env define --file FILE)',
    load: async (): Promise<v.GenericSchema> => (await import('./env-file.js')).envFileSchema,
  },
  scenario: {
    what: 'a simulation scenario (violin simulate FILE, --connect sim:FILE)',
    load: async (): Promise<v.GenericSchema> => (await import('./scenario.js')).scenarioSchema,
  },
  cluster: {
    what: 'a simulated cluster (--connect sim:FILE)',
    load: async (): Promise<v.GenericSchema> => (await import('./cluster.js')).clusterSchema,
  },
} as const

export type SchemaKind = keyof typeof SCHEMA_KINDS

export const KIND_NAMES = Object.keys(SCHEMA_KINDS) as SchemaKind[]
