/**
 * Memory layout of the flow table's per-flow records (./store.ts), shared by the table, its key code and
 * the record view: offsets into the key record (Uint32 x Key.STRIDE per flow), the key's info bits, offsets
 * into the 64-byte hot record (viewed as Float64 stride 8, Int32 stride 16 and Uint8 stride 64), the
 * protocol classes of the idle lists and the IPv6 pool's chunking.
 * Guarantees: const enums only, so every use compiles to the plain number (no module-cell load on the
 * hot path); classOf allocates nothing.
 */
import { IpProto } from "../net/protocols.js";

/** Key record: Uint32 x STRIDE per flow. */
export const enum Key {
  STRIDE = 5,
  HASH = 0,
  /** IPv4 address, or the IPv6 address's top word. */
  ORIG = 1,
  RESP = 2,
  /** origPort << 16 | respPort. */
  PORTS = 3,
  /** proto | info << 8. */
  PROTO = 4,
}

/** Bits of the key's info byte (Key.PROTO >>> 8). */
export const enum Info {
  V6 = 1,
  PORTS = 2,
  ONEWAY = 4,
}

/** Hot record: 64 bytes per flow; F_ offsets in Float64 units (stride 8), I_ in Int32 (16), B_ in bytes (64). */
export const enum Hot {
  /** First packet time, ns since the table's epoch. */
  F_FIRST = 0,
  F_LAST = 1,
  F_PKTS_O = 2,
  F_PKTS_R = 3,
  F_BYTES_O = 4,
  F_BYTES_R = 5,
  /** First rule index. */
  I_RULE0 = 12,
  /** 4 bytes: origState, origPrev, respState, respPrev. */
  B_TCP = 52,
  B_FLAGS_O = 56,
  B_FLAGS_R = 57,
  B_HIST = 58,
  /** Verdict rank + 1 (0 = none). */
  B_VERDICT = 59,
  B_RULEN = 60,
  /** 3 bytes: index of the flow's IPv6 words in the IPv6 pool (compact pool only). */
  B_V6 = 61,
}

/** Protocol classes, one idle list (and idle timeout) each. */
export const enum FlowClass {
  TCP = 0,
  UDP = 1,
  OTHER = 2,
}

/** The IPv6 pool's chunks: 2^BITS entries each. */
export const enum V6Chunk {
  BITS = 16,
  MASK = (1 << 16) - 1,
}

/** Frame numbers: frame0's value meaning "see frameBig" (also any frame number that is not a uint32 below it). */
export const enum Frame {
  BIG = 0xffffffff,
}

/** Protocol class of an IP protocol number. */
export function classOf(proto: number): number {
  return proto === IpProto.TCP ? FlowClass.TCP : proto === IpProto.UDP ? FlowClass.UDP : FlowClass.OTHER;
}
