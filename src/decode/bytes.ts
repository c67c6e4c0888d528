/**
 * Tiny byte readers for the decoders. Hot path.
 * Guarantee: none. Callers must have checked that [o, o + width) lies inside the frame
 * (a read past the buffer gives `undefined`, which bit operations silently turn into 0).
 */

/** Byte at o. */
export function u8(b: Uint8Array, o: number): number {
  return b[o] as number;
}

/** Big-endian (network order) uint16 at o. */
export function u16be(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}

/** Big-endian (network order) uint32 at o, as an unsigned number. */
export function u32be(b: Uint8Array, o: number): number {
  return (
    (((b[o] as number) << 24) |
      ((b[o + 1] as number) << 16) |
      ((b[o + 2] as number) << 8) |
      (b[o + 3] as number)) >>>
    0
  );
}

/** Little-endian uint16 at o. */
export function u16le(b: Uint8Array, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}

/** Little-endian uint32 at o, as an unsigned number. */
export function u32le(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) |
      ((b[o + 1] as number) << 8) |
      ((b[o + 2] as number) << 16) |
      ((b[o + 3] as number) << 24)) >>>
    0
  );
}
