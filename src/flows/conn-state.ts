/**
 * Zeek-style TCP endpoint state machine and conn_state, for flow records.
 *
 * Follows Zeek's TCP analyzer (src/analyzer/protocol/tcp/TCP.cc: UpdateInactiveState,
 * UpdateSYN_SentState, UpdateEstablishedState, UpdateClosedState, update_history) and its
 * conn_state() in scripts/base/protocols/conn/main.zeek, without sequence-number tracking:
 *  - an endpoint's "size" (Zeek: bytes by sequence numbers) is approximated by "sent TCP payload";
 *  - the SYN / SYN-ACK reversal flip and connection-role flipping by likely server ports are not done:
 *    the originator is always the first packet's sender;
 *  - the RSTOS0 history test /^\^?S[^HAFGIQ]*R.*$/ is tracked with bits (see HIST_*).
 *
 * conn_state values (Zeek conn.log documentation):
 *   S0 attempt seen, no reply; S1 established, not terminated; SF normal establishment and termination;
 *   REJ attempt rejected; S2 established, close attempt by originator only; S3 established, close attempt
 *   by responder only; RSTO established, originator aborted (RST); RSTR responder sent a RST;
 *   RSTOS0 originator sent SYN then RST, no SYN-ACK seen; RSTRH responder sent SYN-ACK then RST, no SYN
 *   from the originator; SH originator sent SYN then FIN, no SYN-ACK; SHR responder sent SYN-ACK then FIN,
 *   no SYN from the originator; OTH no SYN seen, midstream traffic. UDP: SF both sides sent, S0 only the
 *   originator, SHR only the responder, OTH none. Other protocols (ICMP included): OTH.
 */

/** Zeek TCP endpoint states (TCP_ENDPOINT_*). */
export const enum TcpState {
  INACTIVE = 0,
  SYN_SENT = 1,
  SYN_ACK_SENT = 2,
  PARTIAL = 3,
  ESTABLISHED = 4,
  CLOSED = 5,
  RESET = 6,
}

/** TCP flag bits. */
export const enum TcpFlag {
  FIN = 0x01,
  SYN = 0x02,
  RST = 0x04,
  PSH = 0x08,
  ACK = 0x10,
  URG = 0x20,
  ECE = 0x40,
  CWR = 0x80,
}

/** Per-flow history bits (one byte per flow). */
export const enum Hist {
  /** Some history letter has been recorded. */
  STARTED = 0x01,
  /** The first letter was the originator's 'S' (pure SYN). */
  S_FIRST = 0x02,
  /** The originator produced one of H A F I Q (G, content gaps, is not tracked). */
  ORIG_BLOCK = 0x04,
  /** An originator 'R' came after the leading 'S' with no H A F I Q between: history matches RSTOS0. */
  RSTOS0 = 0x08,
  /** The originator sent TCP payload. */
  ORIG_DATA = 0x10,
  /** The responder sent TCP payload. */
  RESP_DATA = 0x20,
}

/** Zeek history letters pfw records, by code (the originator's in upper case, the responder's in lower). */
export const enum HistLetter {
  S = 0,
  H = 1,
  A = 2,
  D = 3,
  F = 4,
  R = 5,
  Q = 6,
  I = 7,
}

/** Letters of HistLetter codes 0..7. */
export const HIST_LETTERS = "SHADFRQI";

/**
 * The Zeek history letter of one TCP segment (Zeek's update_history, the letters pfw tracks): S a SYN,
 * H a SYN-ACK, F a FIN, R a RST, Q several of SYN/FIN/RST, I FIN with RST, else D with payload, A a pure
 * ACK; -1 for none. (C, G, T, W and ^ need checksums, sequence tracking or windows: not recorded.)
 */
export function historyLetter(flags: number, payloadLen: number): number {
  const syn = (flags & TcpFlag.SYN) !== 0;
  const fin = (flags & TcpFlag.FIN) !== 0;
  const rst = (flags & TcpFlag.RST) !== 0;
  const n = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (n > 1) return fin && rst ? HistLetter.I : HistLetter.Q;
  if (n === 1)
    return syn
      ? (flags & TcpFlag.ACK) !== 0
        ? HistLetter.H
        : HistLetter.S
      : fin
        ? HistLetter.F
        : HistLetter.R;
  if (payloadLen > 0) return HistLetter.D;
  if ((flags & TcpFlag.ACK) !== 0) return HistLetter.A;
  return -1;
}

/** The history string of a flow's history words (see FlowStore.histW). */
export function historyText(w0: number, w1: number, w2: number): string {
  const n = w0 >>> 16;
  let s = "";
  for (let i = 0; i < n; i++) {
    const code = ((i < 8 ? w1 : w2) >>> ((i & 7) * 4)) & 0xf;
    const ch = HIST_LETTERS[code & 7] ?? "?";
    s += code >= 8 ? ch.toLowerCase() : ch;
  }
  return s;
}

/**
 * Advance the endpoint states for one TCP segment. st holds [origState, origPrev, respState, respPrev]
 * at base; hist is the flow's Hist bits; returns the new Hist bits. Hot path: no allocation.
 */
export function tcpAdvance(
  st: Uint8Array,
  base: number,
  isOrig: boolean,
  flags: number,
  payloadLen: number,
  hist: number,
): number {
  const syn = (flags & TcpFlag.SYN) !== 0;
  const fin = (flags & TcpFlag.FIN) !== 0;
  const rst = (flags & TcpFlag.RST) !== 0;
  const ack = (flags & TcpFlag.ACK) !== 0;

  // History letters (Zeek update_history): only what RSTOS0 and the REJ size test need.
  const nbits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  let letter = 0; // char code, 0 = none
  if (nbits > 1) letter = fin && rst ? 73 /* I */ : 81; /* Q */
  else if (nbits === 1) letter = syn ? (ack ? 72 /* H */ : 83 /* S */) : fin ? 70 /* F */ : 82; /* R */
  else if (payloadLen > 0) letter = 68; /* D */
  else if (ack) letter = 65; /* A */
  if (letter !== 0) {
    if ((hist & Hist.STARTED) === 0) {
      hist |= Hist.STARTED;
      if (isOrig && letter === 83) hist |= Hist.S_FIRST;
    }
    if (isOrig) {
      if (letter === 72 || letter === 65 || letter === 70 || letter === 73 || letter === 81)
        hist |= Hist.ORIG_BLOCK;
      else if (letter === 82 && (hist & (Hist.S_FIRST | Hist.ORIG_BLOCK)) === Hist.S_FIRST)
        hist |= Hist.RSTOS0;
    }
  }
  if (payloadLen > 0 && !rst) hist |= isOrig ? Hist.ORIG_DATA : Hist.RESP_DATA;

  const e = isOrig ? base : base + 2;
  const p = isOrig ? base + 2 : base;
  switch (st[e]) {
    case TcpState.INACTIVE: {
      if (syn) {
        if (isOrig) setState(st, e, ack ? TcpState.SYN_ACK_SENT : TcpState.SYN_SENT);
        else {
          if (st[p] === TcpState.SYN_SENT) setState(st, p, TcpState.ESTABLISHED);
          setState(st, e, TcpState.ESTABLISHED);
        }
      }
      if (fin) setState(st, e, TcpState.CLOSED);
      if (rst) setState(st, e, TcpState.RESET);
      if (st[e] === TcpState.INACTIVE) {
        // Some stacks ACK an initial SYN before replying: not a partial connection.
        if (!isOrig && payloadLen === 0 && st[base] === TcpState.SYN_SENT) {
          /* stays inactive */
        } else if (ack && st[p] === TcpState.ESTABLISHED) setState(st, e, TcpState.ESTABLISHED);
        else setState(st, e, TcpState.PARTIAL);
      }
      break;
    }
    case TcpState.SYN_SENT:
    case TcpState.SYN_ACK_SENT:
      if (fin) setState(st, e, TcpState.CLOSED);
      if (rst) setState(st, e, TcpState.RESET);
      break;
    case TcpState.ESTABLISHED:
    case TcpState.PARTIAL:
      if (syn && st[e] === TcpState.PARTIAL && st[p] === TcpState.INACTIVE && !ack)
        setState(st, e, TcpState.SYN_SENT);
      if (fin && !rst) {
        setState(st, e, TcpState.CLOSED);
        // The peer's FIN followed by its RST was a normal termination.
        if (st[p] === TcpState.RESET && st[p + 1] === TcpState.CLOSED) setState(st, p, TcpState.CLOSED);
      }
      if (rst) setState(st, e, TcpState.RESET);
      break;
    case TcpState.CLOSED:
      if (rst && st[p] !== TcpState.CLOSED) setState(st, e, TcpState.RESET);
      break;
    default:
      break; // RESET: nothing changes
  }
  return hist;
}

function setState(st: Uint8Array, i: number, s: number): void {
  const cur = st[i] ?? 0;
  if (cur !== s) {
    st[i + 1] = cur;
    st[i] = s;
  }
}

/** Zeek's conn_state() for a TCP flow from its endpoint states and history bits. */
export function tcpConnState(os: number, rs: number, hist: number): string {
  const oInactive = os === TcpState.INACTIVE || os === TcpState.PARTIAL;
  const rInactive = rs === TcpState.INACTIVE || rs === TcpState.PARTIAL;
  if (rs === TcpState.RESET) {
    const noData = (hist & (Hist.ORIG_DATA | Hist.RESP_DATA)) === 0;
    if (os === TcpState.SYN_SENT || os === TcpState.SYN_ACK_SENT || (os === TcpState.RESET && noData))
      return "REJ";
    return oInactive ? "RSTRH" : "RSTR";
  }
  if (os === TcpState.RESET) {
    if (rInactive) return (hist & Hist.RSTOS0) !== 0 ? "RSTOS0" : "OTH";
    return "RSTO";
  }
  if (rs === TcpState.CLOSED && os === TcpState.CLOSED) return "SF";
  if (os === TcpState.CLOSED) return rInactive ? "SH" : "S2";
  if (rs === TcpState.CLOSED) return oInactive ? "SHR" : "S3";
  if (os === TcpState.SYN_SENT && rs === TcpState.INACTIVE) return "S0";
  if (os === TcpState.ESTABLISHED && rs === TcpState.ESTABLISHED) return "S1";
  return "OTH";
}

/** Zeek's conn_state() for UDP: by which sides sent packets. */
export function udpConnState(origPkts: number, respPkts: number): string {
  if (origPkts > 0) return respPkts > 0 ? "SF" : "S0";
  return respPkts > 0 ? "SHR" : "OTH";
}

/** True when a TCP connection is over (both sides closed/reset or idle), so a new SYN starts a new flow. */
export function tcpFinished(os: number, rs: number): boolean {
  const oDone = os === TcpState.CLOSED || os === TcpState.RESET;
  const rDone = rs === TcpState.CLOSED || rs === TcpState.RESET;
  return (oDone || rDone) && (oDone || os === TcpState.INACTIVE) && (rDone || rs === TcpState.INACTIVE);
}
