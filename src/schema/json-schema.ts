import {toJsonSchema} from '@valibot/to-json-schema'

import {SCHEMA_KINDS, type SchemaKind} from './kinds.js'

/**
 * The JSON Schema of a kind of file, from the same schema violin checks it with. What a
 * file says is described (typeMode input: sizes are text or numbers, defaults optional);
 * the checks across fields (max_memory at least memory...) are violin's alone.
 */
export async function jsonSchemaOf(kind: SchemaKind): Promise<Record<string, unknown>> {
  const schema = await SCHEMA_KINDS[kind].load()
  // errorMode ignore: the transforms (a size to MiB) have no JSON Schema; the input's grammar is described.
  const {$schema, ...rest} = toJsonSchema(schema, {typeMode: 'input', errorMode: 'ignore'}) as Record<string, unknown>
  return {$schema, ...rest}
}
