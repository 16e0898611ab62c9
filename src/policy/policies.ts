import {none} from './none.js'
import type {Policy} from './view.js'
import {violin} from './violin.js'

/** Every policy by the name `--policy` takes; `adapt` and `simulate` both pick from here. */
export const POLICIES: Record<string, Policy> = {none, violin}

export const POLICY_NAMES = Object.keys(POLICIES)
