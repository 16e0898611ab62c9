import {createHmac, timingSafeEqual} from 'node:crypto'

/**
 * The switches' control plane (JISA 2011, section 2.1.2): a new switch contacts any known
 * member, gets the member list back, and announces itself to each; members say hello
 * periodically (with their member lists, so concurrent joins converge) and one not heard
 * from for a while is dropped, so floods stop going to it.
 * It runs on its own UDP port, apart from the data plane (a kernel VXLAN peer never sees it).
 *
 * Datagram: "VC1" magic, one flag byte (1 = authenticated), then with a key a 32-byte
 * HMAC-SHA256 of the rest, then the message as JSON. With a pre-shared key, messages
 * without a valid HMAC, too old or too far in the future, or replayed, are dropped.
 */
export const CONTROL_MAGIC = Buffer.from('VC1')
const HMAC_BYTES = 32
/** Messages whose clock is further than this from ours are dropped (replay window). */
export const MAX_SKEW_MS = 30_000

export interface Member {
  address: string
  dataPort: number
  controlPort: number
}

export type ControlMessage =
  | {type: 'join'; vni: number; from: Member; seq: number; sentMs: number}
  | {type: 'members'; vni: number; from: Member; members: Member[]; seq: number; sentMs: number}
  | {type: 'announce'; vni: number; from: Member; seq: number; sentMs: number}
  | {type: 'hello'; vni: number; from: Member; members: Member[]; seq: number; sentMs: number}
  | {type: 'leave'; vni: number; from: Member; seq: number; sentMs: number}

const TYPES = new Set(['join', 'members', 'announce', 'hello', 'leave'])

export function encodeControl(message: ControlMessage, key?: Buffer): Buffer {
  const body = Buffer.from(JSON.stringify(message))
  if (!key) return Buffer.concat([CONTROL_MAGIC, Buffer.from([0]), body])
  const mac = createHmac('sha256', key).update(body).digest()
  return Buffer.concat([CONTROL_MAGIC, Buffer.from([1]), mac, body])
}

export type ControlDecoded = {ok: true; message: ControlMessage} | {ok: false; reason: 'malformed' | 'unauthenticated'}

export function isMember(x: unknown): x is Member {
  const m = x as Member
  const port = (p: unknown) => Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.address === 'string' &&
    m.address.length > 0 &&
    m.address.length < 64 &&
    port(m.dataPort) &&
    port(m.controlPort)
  )
}

/** Parses and (with a key) authenticates a control datagram; never throws. */
export function decodeControl(datagram: Buffer, key?: Buffer): ControlDecoded {
  if (datagram.length < CONTROL_MAGIC.length + 1 || !datagram.subarray(0, CONTROL_MAGIC.length).equals(CONTROL_MAGIC))
    return {ok: false, reason: 'malformed'}
  const authenticated = datagram[CONTROL_MAGIC.length] === 1
  let body = datagram.subarray(CONTROL_MAGIC.length + 1)
  if (key) {
    if (!authenticated || body.length < HMAC_BYTES) return {ok: false, reason: 'unauthenticated'}
    const mac = body.subarray(0, HMAC_BYTES)
    body = body.subarray(HMAC_BYTES)
    if (!timingSafeEqual(mac, createHmac('sha256', key).update(body).digest())) return {ok: false, reason: 'unauthenticated'}
  } else if (authenticated) {
    body = body.subarray(HMAC_BYTES)
  }
  let message: ControlMessage
  try {
    message = JSON.parse(body.toString('utf8')) as ControlMessage
  } catch {
    return {ok: false, reason: 'malformed'}
  }
  const m = message as Partial<ControlMessage> & {members?: unknown}
  if (typeof m !== 'object' || m === null || !TYPES.has(m.type as string) || !Number.isInteger(m.vni) || !isMember(m.from))
    return {ok: false, reason: 'malformed'}
  if (!Number.isInteger(m.seq) || typeof m.sentMs !== 'number') return {ok: false, reason: 'malformed'}
  if ((m.type === 'members' || m.type === 'hello') && !(Array.isArray(m.members) && m.members.length <= 1024 && m.members.every(isMember)))
    return {ok: false, reason: 'malformed'}
  return {ok: true, message}
}

/** The environment a datagram claims to be for, read before authenticating it (to pick the key). */
export function peekVni(datagram: Buffer): number | undefined {
  if (datagram.length < CONTROL_MAGIC.length + 1 || !datagram.subarray(0, CONTROL_MAGIC.length).equals(CONTROL_MAGIC)) return undefined
  const body = datagram.subarray(CONTROL_MAGIC.length + 1 + (datagram[CONTROL_MAGIC.length] === 1 ? HMAC_BYTES : 0))
  const m = /"vni":(\d{1,8})[,}]/.exec(body.toString('latin1'))
  return m ? Number(m[1]) : undefined
}

export const memberKey = (m: Member) => `${m.address}:${m.controlPort}`

/** What the membership wants done: datagrams to send, and peers to add to or drop from the data plane. */
export interface ControlActions {
  send: Array<{to: Member; message: ControlMessage}>
  added: Member[]
  removed: Member[]
}

const none = (): ControlActions => ({send: [], added: [], removed: []})

/**
 * One environment's membership on one switch, as a pure state machine: inputs are
 * received messages and clock ticks, outputs are actions. The daemon does the I/O.
 */
export class Membership {
  private readonly members = new Map<string, {member: Member; lastSeenMs: number}>()
  private readonly lastSeq = new Map<string, number>()
  /** Members dropped for silence, and until when others may not vouch for them. */
  private readonly dead = new Map<string, number>()
  private seq = 0

  constructor(
    readonly vni: number,
    readonly self: Member,
    readonly options: {helloMs: number; deadMs: number},
  ) {}

  peers(): Member[] {
    return [...this.members.values()].map((m) => m.member)
  }

  /** Each member with how long ago it was last heard from itself (liveness, for `switch status`). */
  liveness(nowMs: number): Array<{member: Member; silentMs: number}> {
    return [...this.members.values()].map((m) => ({member: m.member, silentMs: nowMs - m.lastSeenMs}))
  }

  private message<T extends ControlMessage['type']>(type: T, nowMs: number, extra: object = {}): ControlMessage {
    return {type, vni: this.vni, from: this.self, seq: ++this.seq, sentMs: nowMs, ...extra} as ControlMessage
  }

  /**
   * Adds a member. Only a message from the member itself proves it alive (`direct`); one
   * named by another switch is taken on trust for deadMs, and not at all if it was just
   * dropped for silence: otherwise the survivors' hellos would bring a dead switch back to
   * each other forever.
   */
  private add(member: Member, nowMs: number, actions: ControlActions, direct: boolean): boolean {
    const key = memberKey(member)
    if (key === memberKey(this.self)) return false
    if (direct) this.dead.delete(key)
    else if ((this.dead.get(key) ?? 0) > nowMs) return false
    const known = this.members.get(key)
    if (known) {
      if (direct) known.lastSeenMs = nowMs
      return false
    }
    this.members.set(key, {member, lastSeenMs: nowMs})
    actions.added.push(member)
    return true
  }

  /** Starts joining through a known member. */
  join(known: Member, nowMs: number): ControlActions {
    const actions = none()
    actions.send.push({to: known, message: this.message('join', nowMs)})
    return actions
  }

  /** Says goodbye to every member and forgets them. */
  leave(nowMs: number): ControlActions {
    const actions = none()
    for (const member of this.peers()) actions.send.push({to: member, message: this.message('leave', nowMs)})
    actions.removed.push(...this.peers())
    this.members.clear()
    return actions
  }

  receive(message: ControlMessage, nowMs: number): ControlActions {
    const actions = none()
    if (message.vni !== this.vni || Math.abs(nowMs - message.sentMs) > MAX_SKEW_MS) return actions
    const sender = memberKey(message.from)
    // A restarted switch counts from 1 again: it announces itself by join/announce, which resets its sequence.
    const fresh = message.type === 'join' || message.type === 'announce'
    if (!fresh && message.seq <= (this.lastSeq.get(sender) ?? 0)) return actions
    this.lastSeq.set(sender, message.seq)
    switch (message.type) {
      case 'join':
        this.add(message.from, nowMs, actions, true)
        actions.send.push({
          to: message.from,
          message: this.message('members', nowMs, {members: [this.self, ...this.peers().filter((p) => memberKey(p) !== sender)]}),
        })
        break
      // A hello carries the sender's members too: two switches that joined through
      // different members at the same moment learn of each other within one hello.
      case 'members':
      case 'hello':
        this.add(message.from, nowMs, actions, true)
        for (const member of message.members) {
          if (this.add(member, nowMs, actions, false)) actions.send.push({to: member, message: this.message('announce', nowMs)})
        }
        break
      case 'announce':
        this.add(message.from, nowMs, actions, true)
        break
      case 'leave':
        if (this.members.delete(sender)) actions.removed.push(message.from)
        break
    }
    return actions
  }

  /** Every helloMs: hellos to all members, and members silent for deadMs dropped. */
  tick(nowMs: number): ControlActions {
    const actions = none()
    for (const [key, {member, lastSeenMs}] of this.members) {
      if (nowMs - lastSeenMs > this.options.deadMs) {
        this.members.delete(key)
        this.dead.set(key, nowMs + 2 * this.options.deadMs)
        actions.removed.push(member)
      } else
        actions.send.push({to: member, message: this.message('hello', nowMs, {members: this.peers().filter((p) => memberKey(p) !== key)})})
    }
    return actions
  }
}
