/**
 * `--write-flagged OUT.pcap` as an engine sink: every flagged packet (BLOCKED, ALERT, UNKNOWN) is copied
 * to one classic pcap. A pcap file has one link type, so packets of a second link type (and those with a
 * time stamp past 2106) are counted, not written. Reads only the record, never the decoded packet. With
 * nothing flagged the file is still written: a valid capture with no packets. Mode 0600: it holds payload.
 */
import { OutputFile } from "../capture/output-file.js";
import { PcapWriter } from "../capture/writer.js";
import type { PacketEvent, Sink } from "../engine/sink.js";

/** Writes flagged packets to a pcap file, opened at the first one. */
export class FlaggedPcapSink implements Sink {
  readonly packetRank = 1;
  readonly rawOnly = true;
  /** Packets written. */
  written = 0;
  /** Flagged packets not written (another link type, or a time stamp pcap cannot hold). */
  skipped = 0;
  private pcap: PcapWriter | null = null;
  private linktype = -1;

  /** emptyLinktype: the link type written when nothing was flagged (the file is then a valid empty capture). */
  /** Opens the file now (under a temporary name): a bad path fails before the first packet. */
  constructor(
    readonly path: string,
    private readonly emptyLinktype: () => number = () => 1,
  ) {
    this.file = new OutputFile(path, { mode: 0o600 });
  }

  private readonly file: OutputFile;

  onPacket(ev: PacketEvent): void {
    const rec = ev.rec;
    if (!this.pcap) {
      this.linktype = rec.linktype;
      this.pcap = new PcapWriter(this.path, { linktype: rec.linktype, file: this.file });
    }
    if (rec.linktype !== this.linktype || rec.tsSec > 0xffffffff) {
      this.skipped++;
      return;
    }
    this.pcap.writeRecord(rec.buf, rec.off, rec.caplen, rec.origLen, rec.tsSec, rec.tsNsec);
    this.written++;
  }

  close(): void {
    this.pcap ??= new PcapWriter(this.path, { linktype: this.emptyLinktype(), file: this.file });
    this.pcap.close();
  }

  /** The write error as a sentence naming the file, or null. */
  get errorMessage(): string | null {
    return this.file.errorMessage();
  }

  /** Remove the file (a second signal). */
  abandon(): void {
    this.file.abandon();
  }
}
