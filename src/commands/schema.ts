import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../base-command.js'
import {KIND_NAMES, SCHEMA_KINDS} from '../schema/kinds.js'

export default class Schema extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Print the JSON Schema of a file you write by hand, for your editor to check it as you type.'
  static override description = `Kinds:
${KIND_NAMES.map((k) => `  ${k.padEnd(9)} ${SCHEMA_KINDS[k].what}`).join('\n')}

The schema is the one violin checks the file with; what it cannot say (max_memory at least memory, a host that exists) violin still checks when it reads the file. Any mistake is reported as FILE:LINE:COL: FIELD: expected ..., found ... (exit 3). With the YAML language server (VS Code's YAML extension, Neovim's yamlls), save the schema and name it on the file's first line:

  violin schema env-file > ~/.config/violin/env-file.schema.json
  # yaml-language-server: $schema=/home/me/.config/violin/env-file.schema.json`

  static override examples = [
    '<%= config.bin %> schema env-file > env-file.schema.json',
    '<%= config.bin %> schema scenario | jq .properties.hosts',
  ]

  static override args = {
    kind: Args.string({description: 'Which file: env-file, scenario or cluster.', required: true, options: KIND_NAMES}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {args} = await this.parse(Schema)
    const {jsonSchemaOf} = await import('../schema/json-schema.js')
    const schema = await jsonSchemaOf(args.kind as (typeof KIND_NAMES)[number])
    if (!this.jsonEnabled()) this.log(JSON.stringify(schema, null, 2))
    return schema
  }
}
