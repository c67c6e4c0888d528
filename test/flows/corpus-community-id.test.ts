/**
 * Community IDs of real flows against Wireshark: for each capture, the set of distinct Community IDs
 * pfw's flow table gives (decoder + flow table) equals the set TShark 4.0.17 prints, compared by count
 * and by SHA-256 of the sorted ids joined with "\n". Truth made with:
 *   tshark -r FILE --enable-protocol communityid -T fields -e communityid | tr ',' '\n' | grep -v '^$' | sort -u
 * The corpus is referenced by path (never copied): PFW_CORPUS or ../shared/corpus beside the repo.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readCaptureFileSync } from "../../src/capture/reader.js";
import { decodeFrame } from "../../src/decode/frame.js";
import { DecodedPacket } from "../../src/decode/packet.js";
import { FlowTable } from "../../src/flows/table.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = process.env.PFW_CORPUS ?? path.resolve(repoRoot, "../shared/corpus");

const TRUTH: [file: string, count: number, sha256: string][] = [
  ["large/ftp-crack.pcap", 714, "f10fb3ac85d14f6e417ba9c2696e7560d7f7a2080fa122f020e0ed324eb65cf3"],
  ["large/tls2.pcap", 334, "fbb61ada118589b708a272684ae01f5774c4515eb17d8ba9d3793b5896b07184"],
  ["large/echo-connections.pcap", 500, "2ccac2737b2d63395336ad6fbdbe9d6c153e86a003b6bd62e1d1d6f0eba7803e"],
  ["traffic/DnsPackets.pcap", 219, "c7c478de76bf7bb97797622e447bf7585dd88c8d0ed1f66b646a07767c2fd1bd"],
  ["large/many-protocols.pcap", 257, "50f2aab7086c9e77d305f1eb5513cec10be5c5cabaa9fcda829ae8e09d87c456"],
];

describe("community id of corpus flows equals tshark's", () => {
  it.each(TRUTH)("%s", (file, count, sha) => {
    const p = path.join(corpus, file);
    expect(fs.existsSync(p), `corpus file ${p} (set PFW_CORPUS)`).toBe(true);
    const ids = new Set<string>();
    let packets = 0;
    let inFlows = 0;
    const t = new FlowTable({
      maxFlows: 4096,
      idleTimeoutSec: { tcp: 1e9, udp: 1e9, other: 1e9 },
      onEvict: (f) => {
        inFlows += f.origPkts + f.respPkts;
        if (f.communityId) ids.add(f.communityId);
      },
    });
    const pkt = new DecodedPacket();
    readCaptureFileSync(p, (rec) => {
      decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
      if (t.update(pkt, rec.tsSec, rec.tsNsec, rec.origLen, -1, -2, rec.frame, 0)) packets++;
    });
    t.flushAll();
    expect(inFlows).toBe(packets);
    const sorted = [...ids].sort();
    expect(sorted.length).toBe(count);
    expect(createHash("sha256").update(sorted.join("\n")).digest("hex")).toBe(sha);
  });
});
