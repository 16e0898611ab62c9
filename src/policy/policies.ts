import {idc} from './idc.js'
import {none} from './none.js'
import {sandpiper} from './sandpiper.js'
import type {Policy} from './cluster-view.js'
import {violin} from './violin.js'

/** Every policy by the name `--policy` takes; `adapt` and `simulate` both pick from here. */
export const POLICIES: Record<string, Policy> = {violin, idc, sandpiper, none}

export const POLICY_NAMES = Object.keys(POLICIES)
