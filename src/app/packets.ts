/**
 * `pfw packets`: one line per frame, for users and for conformance with tshark -T fields.
 * Output is batched into large writes; a capture error is reported after every readable frame was printed.
 * Folders are expanded as `pfw scan` expands them; several captures get a `file` column.
 */
import { readCaptureFile, readCaptureStream } from "../capture/reader.js";
import type { CaptureRecord } from "../capture/types.js";
import { decodeFrame } from "../decode/frame.js";
import { DecodedPacket } from "../decode/packet.js";
import { packetFields, PACKET_FIELDS } from "../report/packet-fields.js";
import { BufferedOut } from "../report/out.js";
import { ioReason } from "./errno.js";
import { expandInputs } from "./scan.js";

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

/** A file name as one CSV cell (RFC 4180 quoting) or one tab-separated cell (tabs and newlines as spaces). */
function fileCell(name: string, csv: boolean): string {
  if (!csv) return name.replace(/[\t\r\n]/g, " ");
  return /[",\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/**
 * Print every frame of the given captures (files, folders — the captures inside, by magic, as `pfw scan`
 * reads them — and "-" for standard input). With more than one capture, a last column `file` names it.
 */
export async function listPackets(inputs: string[], opts: ListPacketsOptions): Promise<ListPacketsResult> {
  const out = opts.out ?? new BufferedOut(1);
  const pkt = new DecodedPacket();
  const { files, errors: inputErrors } = expandInputs(inputs.filter((i) => i !== "-"));
  if (inputs.includes("-")) files.splice(inputs.indexOf("-"), 0, "-");
  const errors: string[] = inputErrors.map((e) => e.message);
  let frames = 0;
  const withFile = files.length > 1;
  const head = withFile ? [...PACKET_FIELDS, "file"] : [...PACKET_FIELDS];
  const sep = opts.csv ? "," : "\t";
  out.write(head.join(sep) + "\n");
  for (const file of files) {
    const tail = withFile ? sep + fileCell(file, opts.csv) + "\n" : "\n";
    const sink = (rec: CaptureRecord): void => {
      decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
      out.write(packetFields(rec, pkt).join(sep) + tail);
      frames++;
    };
    try {
      const res =
        file === "-" ? await readCaptureStream(file, process.stdin, sink) : await readCaptureFile(file, sink);
      if (res.error) errors.push(res.error.message);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      errors.push(code ? `${file}: cannot read capture: ${ioReason(e)}` : (e as Error).message);
    }
  }
  out.flush();
  return { frames, errors };
}
