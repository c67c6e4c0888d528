/**
 * `pfw packets`: one line per frame, for users and for conformance with tshark -T fields.
 * Output is batched into large writes; a capture error is reported after every readable frame was printed.
 */
import { readCaptureFile } from "../capture/reader.js";
import type { CaptureRecord } from "../capture/types.js";
import { decodeFrame } from "../decode/frame.js";
import { DecodedPacket } from "../decode/packet.js";
import { packetFields, PACKET_FIELDS } from "../report/packet-fields.js";
import { BufferedOut } from "../report/out.js";

export interface ListPacketsOptions {
  csv: boolean;
  /** Where lines go (default: stdout). */
  out?: BufferedOut;
}

/** Result: frames listed and the errors met (file name + reason). */
export interface ListPacketsResult {
  frames: number;
  errors: string[];
}

/** Print every frame of the given captures. */
export async function listPackets(files: string[], opts: ListPacketsOptions): Promise<ListPacketsResult> {
  const out = opts.out ?? new BufferedOut(1);
  const pkt = new DecodedPacket();
  const errors: string[] = [];
  let frames = 0;
  if (opts.csv) out.write(PACKET_FIELDS.join(",") + "\n");
  else out.write(PACKET_FIELDS.join("\t") + "\n");
  const sep = opts.csv ? "," : "\t";
  for (const file of files) {
    const sink = (rec: CaptureRecord): void => {
      decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
      out.write(packetFields(rec, pkt).join(sep) + "\n");
      frames++;
    };
    try {
      const res = await readCaptureFile(file, sink);
      if (res.error) errors.push(res.error.message);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  out.flush();
  return { frames, errors };
}
