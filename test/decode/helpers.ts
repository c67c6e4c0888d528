/** Shared helpers for the decoder tests. */
import { expect } from "vitest";
import { DECODE_EVENT_NAMES } from "../../src/decode/events.js";
import { decodeFrame } from "../../src/decode/frame.js";
import { DecodedPacket } from "../../src/decode/packet.js";

/** Bytes of a hex string (whitespace ignored). */
export function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, "");
  if (t.length % 2 !== 0 || /[^0-9a-f]/i.test(t)) throw new Error(`bad hex: ${s}`);
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const shared = new DecodedPacket();

/** Decode a whole byte array as one frame; returns the (shared, reused) packet. */
export function decode(bytes: Uint8Array, linktype: number): DecodedPacket {
  decodeFrame(shared, bytes, 0, bytes.length, linktype);
  return shared;
}

/** Name of the packet's event ("" if none). */
export function eventName(pkt: DecodedPacket): string {
  return DECODE_EVENT_NAMES[pkt.event] ?? `?${pkt.event}`;
}

/** The number fields of a packet (everything except buf), for comparing two decodes. */
export function snapshot(pkt: DecodedPacket): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(pkt)) if (typeof v === "number") out[k] = v;
  return out;
}

/** Offsets relative to frameOff (so decodes of the same frame at different places compare equal). */
export function relSnapshot(pkt: DecodedPacket): Record<string, number> {
  const s = snapshot(pkt);
  for (const k of ["frameOff", "frameEnd", "l3Off", "l4Off", "payloadOff", "eventOff"]) {
    const v = s[k] as number;
    if (v >= 0) s[k] = v - pkt.frameOff;
  }
  return s;
}

/** Problems with the offsets of a decoded packet (empty = all within [frameOff, frameEnd]). */
export function boundsProblems(pkt: DecodedPacket, off: number, end: number): string[] {
  const p: string[] = [];
  if (pkt.frameOff !== off || pkt.frameEnd !== end) p.push(`frame ${pkt.frameOff}-${pkt.frameEnd}`);
  for (const k of ["l3Off", "l4Off", "payloadOff", "eventOff"] as const) {
    const v = pkt[k];
    if (!Number.isInteger(v) || (v !== -1 && (v < off || v > end))) p.push(`${k}=${v}`);
  }
  if (
    pkt.payloadOff === -1 ? pkt.payloadLen !== 0 : pkt.payloadLen < 0 || pkt.payloadOff + pkt.payloadLen > end
  )
    p.push(`payload ${pkt.payloadOff}+${pkt.payloadLen}`);
  if ((pkt.event === 0) !== (pkt.eventOff === -1)) p.push(`event ${pkt.event} at ${pkt.eventOff}`);
  if (pkt.event < 0 || pkt.event >= DECODE_EVENT_NAMES.length) p.push(`event code ${pkt.event}`);
  return p;
}

/**
 * Decode buf[off, end) twice: in place (bytes beyond end are whatever buf holds) and copied into a
 * buffer whose bytes outside the frame are `fill`. Equal results prove no byte outside the frame
 * was read (a read past end would see different bytes in the two buffers).
 */
export function decodeIsolated(buf: Uint8Array, off: number, end: number, linktype: number, fill = 0xff) {
  const pkt = new DecodedPacket();
  decodeFrame(pkt, buf, off, end, linktype);
  const inPlace = relSnapshot(pkt);
  const problems = boundsProblems(pkt, off, end);
  const pad = 7;
  const copy = new Uint8Array(end - off + 2 * pad).fill(fill);
  copy.set(buf.subarray(off, end), pad);
  decodeFrame(pkt, copy, pad, pad + end - off, linktype);
  return {
    inPlace,
    copied: relSnapshot(pkt),
    problems: problems.concat(boundsProblems(pkt, pad, pad + end - off)),
  };
}

/**
 * Every proper prefix of a frame (each length shorter than the frame, so each length shorter than
 * each of its headers): never throws, offsets in bounds, no read past the prefix's end.
 * Returns the event names met, by prefix length.
 */
export function expectPrefixesSafe(bytes: Uint8Array, linktype: number): string[] {
  const events: string[] = [];
  for (let n = 0; n < bytes.length; n++) {
    const r = decodeIsolated(bytes, 0, n, linktype);
    expect(r.problems, `prefix ${n}`).toEqual([]);
    expect(r.copied, `prefix ${n} read outside the frame`).toEqual(r.inPlace);
    events.push(DECODE_EVENT_NAMES[r.inPlace.event as number] ?? "?");
  }
  return events;
}
