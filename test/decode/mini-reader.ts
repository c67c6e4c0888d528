/**
 * A tiny whole-file capture reader for the decoder tests only (the product's streaming readers
 * live in src/capture/). Classic pcap (both byte orders, us/ns magic) and pcapng (EPB, SPB, the
 * obsolete packet block; IDB link types; several sections). Stops quietly at the first
 * inconsistency: the tests only need well-formed frames to mutate.
 */
import fs from "node:fs";

/** One frame: its bytes are buf[off, off + caplen). */
export interface MiniFrame {
  linktype: number;
  buf: Uint8Array;
  off: number;
  caplen: number;
}

/** All frames of a capture file (at most max). */
export function readFrames(file: string, max = Infinity): MiniFrame[] {
  const buf = new Uint8Array(fs.readFileSync(file));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: MiniFrame[] = [];
  if (buf.length < 24) return out;
  const magicLe = dv.getUint32(0, true);
  if (magicLe === 0x0a0d0d0a) return readPcapng(buf, dv, out, max);
  let le: boolean;
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d || magicLe === 0xa1b2cd34) le = true;
  else if (dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d) le = false;
  else return out;
  const linktype = dv.getUint32(20, le) & 0x0fffffff;
  const recHdr = magicLe === 0xa1b2cd34 ? 24 : 16;
  let p = 24;
  while (p + recHdr <= buf.length && out.length < max) {
    const caplen = dv.getUint32(p + 8, le);
    if (caplen > 262144 || p + recHdr + caplen > buf.length) break;
    out.push({ linktype, buf, off: p + recHdr, caplen });
    p += recHdr + caplen;
  }
  return out;
}

function readPcapng(buf: Uint8Array, dv: DataView, out: MiniFrame[], max: number): MiniFrame[] {
  let le = true;
  let ifaces: number[] = [];
  let p = 0;
  while (p + 12 <= buf.length && out.length < max) {
    let type = dv.getUint32(p, le);
    if (type === 0x0a0d0d0a) {
      le = dv.getUint32(p + 8, true) === 0x1a2b3c4d;
      type = 0x0a0d0d0a;
      ifaces = [];
    }
    const len = dv.getUint32(p + 4, le);
    if (len < 12 || len % 4 !== 0 || p + len > buf.length) break;
    if (type === 1) ifaces.push(dv.getUint16(p + 8, le));
    else if (type === 6 || type === 2) {
      const ifId = type === 6 ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
      const caplen = dv.getUint32(p + 20, le);
      const lt = ifaces[ifId];
      if (lt !== undefined && 28 + caplen <= len) out.push({ linktype: lt, buf, off: p + 28, caplen });
    } else if (type === 3) {
      const lt = ifaces[0];
      const caplen = Math.min(dv.getUint32(p + 8, le), len - 16);
      if (lt !== undefined) out.push({ linktype: lt, buf, off: p + 12, caplen });
    }
    p += len;
  }
  return out;
}
