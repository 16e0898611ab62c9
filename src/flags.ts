import {Flags} from '@oclif/core'

import {FORMATS, type Format} from './render/table.js'

export const selectionFlags = {
  host: Flags.string({char: 'H', summary: 'Only this host (repeat for several).', multiple: true, helpValue: 'HOST'}),
  site: Flags.string({char: 's', summary: 'Only the hosts of this site.', helpValue: 'SITE'}),
}

export const vmHostFlag = {
  host: Flags.string({char: 'H', summary: 'The host the VM is on (when the name alone is ambiguous).', multiple: true, helpValue: 'HOST'}),
}

export const formatFlags = {
  format: Flags.option({options: FORMATS, summary: 'Output format (json is the same as --json).', default: 'table' as Format})(),
}
