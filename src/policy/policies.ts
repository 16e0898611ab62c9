import {idc} from './idc.js'
import {none} from './none.js'
import {obeyingRules} from './obey-rules.js'
import {sandpiper} from './sandpiper.js'
import type {Policy} from './cluster-view.js'
import {violin} from './violin.js'

/**
 * Every policy by the name `--policy` takes; `adapt` and `simulate` both pick from here.
 * Each obeys the operator's rules; `none` only reports the ones broken, as it reports all else.
 */
export const POLICIES: Record<string, Policy> = {
  violin: obeyingRules(violin),
  idc: obeyingRules(idc),
  sandpiper: obeyingRules(sandpiper),
  none: obeyingRules(none, {mend: false}),
}

export const POLICY_NAMES = Object.keys(POLICIES)
