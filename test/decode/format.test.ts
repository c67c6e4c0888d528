/** A decoded packet's address and flag text as tshark 4.0 prints it (address text itself: test/net/addr.test.ts). */
import { describe, expect, it } from "vitest";
import { dstAddrString, srcAddrString, tcpFlagsHex } from "../../src/decode/format.js";
import { DecodedPacket } from "../../src/decode/packet.js";

describe("src/dst strings, tcpFlagsHex", () => {
  it("src/dst follow the decoded IP version, empty without IP", () => {
    const p = new DecodedPacket();
    expect([srcAddrString(p), dstAddrString(p)]).toEqual(["", ""]);
  });
  it("flags as tshark prints tcp.flags", () => {
    expect(tcpFlagsHex(0x18)).toBe("0x0018");
    expect(tcpFlagsHex(0x002)).toBe("0x0002");
    expect(tcpFlagsHex(0xfff)).toBe("0x0fff");
    expect(tcpFlagsHex(-1)).toBe("");
  });
});
