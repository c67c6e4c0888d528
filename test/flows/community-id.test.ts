/**
 * Community ID v1 against published vectors:
 *  - corelight/community-id-spec baseline/README.md tables (defaults, seed=1) and
 *    baseline/baseline_deflt.json / baseline_seed1.json (commit c4ec2bc40d65ddbcbdd642582bf5609797a80772);
 *  - corelight/pycommunityid tests/communityid_test.py (one-way ICMP, ICMPv6 direction, ordering edge cases).
 * In the baseline JSON, sport/dport of ICMP rows are the port equivalents (type, counterpart-or-code);
 * feeding them as (type, code) gives the same id because the mapping is idempotent on them.
 */
import { describe, expect, it } from "vitest";
import { communityIdOfTuple, communityIdV1 } from "../../src/flows/community-id.js";
import { parseIpv4, parseIpv6 } from "../../src/rules/addr.js";

function words(text: string): { v: 4 | 6; w: number[] } {
  if (text.includes(":")) {
    const w = parseIpv6(text);
    if (!w) throw new Error(`bad v6 ${text}`);
    return { v: 6, w: [...w] };
  }
  const n = parseIpv4(text);
  if (n < 0) throw new Error(`bad v4 ${text}`);
  return { v: 4, w: [n] };
}

type Vec = [
  proto: number,
  saddr: string,
  daddr: string,
  sport: number | null,
  dport: number | null,
  id: string,
];

function cid(v: Vec, seed: number): string {
  const [proto, s, d, sp, dp] = v;
  const a = words(s);
  const b = words(d);
  return communityIdOfTuple(a.v, proto, a.w, b.w, sp ?? -1, dp ?? -1, seed);
}

// community-id-spec baseline/README.md, "Default settings" table.
const README_DEFAULT: Vec[] = [
  [6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM="],
  [6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM="],
  [17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="],
  [17, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="],
  [132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="],
  [132, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="],
  [1, "1.2.3.4", "5.6.7.8", 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="],
  [1, "5.6.7.8", "1.2.3.4", 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="],
  [1, "1.2.3.4", "5.6.7.8", 11, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk="],
  [
    58,
    "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
    128,
    0,
    "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=",
  ],
  [
    58,
    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
    "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
    129,
    0,
    "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=",
  ],
  [
    58,
    "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
    146,
    0,
    "1:fYC8+pz24E+EhANP1EZhpX0Dw10=",
  ],
  [46, "1.2.3.4", "5.6.7.8", null, null, "1:ikv3kmf89luf73WPz1jOs49S768="],
  [46, "5.6.7.8", "1.2.3.4", null, null, "1:ikv3kmf89luf73WPz1jOs49S768="],
  [
    46,
    "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
    null,
    null,
    "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=",
  ],
  [
    46,
    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
    "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
    null,
    null,
    "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=",
  ],
];

// community-id-spec baseline/README.md, "A custom seed=1 value" table.
const README_SEED1: Vec[] = [
  [6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="],
  [6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="],
  [17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:OShq+iKDAMVouh/4bMxB9Sz4amw="],
  [132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:uitchpn5MMGAQKBJh7bIr/bAr7s="],
  [1, "1.2.3.4", "5.6.7.8", 8, 0, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="],
  [1, "5.6.7.8", "1.2.3.4", 0, 0, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="],
  [1, "1.2.3.4", "5.6.7.8", 11, 0, "1:1DD7cWGC/Yg91YGsQeni8du3pIA="],
  [
    58,
    "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
    128,
    0,
    "1:IO27GQzPuCtNnwFvjWALMHu5tJE=",
  ],
  [
    58,
    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
    "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
    129,
    0,
    "1:IO27GQzPuCtNnwFvjWALMHu5tJE=",
  ],
  [
    58,
    "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
    146,
    0,
    "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=",
  ],
  [46, "1.2.3.4", "5.6.7.8", null, null, "1:/buhqeOmaRCopOZFy9HnoJd5XW8="],
  [
    46,
    "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
    "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
    null,
    null,
    "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=",
  ],
];

// community-id-spec baseline/baseline_deflt.json (seed 0), every row.
const BASELINE_DEFLT: Vec[] = [
  [58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="],
  [58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="],
  [58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck="],
  [58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:zavyT/cezQr1fmImYCwYnMXbgck="],
  [58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="],
  [
    58,
    "3ffe:501:410:0:2c0:dfff:fe47:33e",
    "3ffe:507:0:1:200:86ff:fe05:80da",
    1,
    4,
    "1:hLZd0XGWojozrvxqE0dWB1iM6R0=",
  ],
  [58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="],
  [58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="],
  [58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="],
  [58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00="],
  [1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="],
  [1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="],
  [1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="],
  [
    6,
    "2001:470:e5bf:dead:4957:2174:e82c:4887",
    "2607:f8b0:400c:c03::1a",
    63943,
    25,
    "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
  ],
  [
    6,
    "2607:f8b0:400c:c03::1a",
    "2001:470:e5bf:dead:4957:2174:e82c:4887",
    25,
    63943,
    "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
  ],
  [132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="],
  [132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="],
  [6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="],
  [6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="],
  [17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="],
  [17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="],
  [46, "10.1.12.1", "10.1.12.2", null, null, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="],
  [46, "10.1.12.2", "10.1.12.1", null, null, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="],
];

// community-id-spec baseline/baseline_seed1.json (seed 1), a selection covering every protocol.
const BASELINE_SEED1: Vec[] = [
  [58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="],
  [58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="],
  [
    58,
    "3ffe:501:410:0:2c0:dfff:fe47:33e",
    "3ffe:507:0:1:200:86ff:fe05:80da",
    1,
    4,
    "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=",
  ],
  [1, "10.0.0.1", "10.0.0.2", 11, 0, "1:XjUibYHaafLQ3pxQeiMI8g25q20="],
  [
    6,
    "2607:f8b0:400c:c03::1a",
    "2001:470:e5bf:dead:4957:2174:e82c:4887",
    25,
    63943,
    "1:eJYTW6AOzFLlSUoESovMjnu7rMw=",
  ],
  [132, "192.168.170.56", "192.168.170.8", 7, 7, "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="],
  [17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="],
  [46, "10.1.12.2", "10.1.12.1", null, null, "1:rYir8gphR31noO9iDRQmF/BteEI="],
];

// pycommunityid tests/communityid_test.py (seed 0 column): cases the baseline does not cover.
const PYCOMMUNITYID: Vec[] = [
  // type 20 has no counterpart: one-way, the code is hashed, so codes 0 and 1 differ.
  [1, "192.168.0.89", "192.168.0.1", 20, 0, "1:3o2RFccXzUgjl7zDpqmY7yJi8rI="],
  [1, "192.168.0.89", "192.168.0.1", 20, 1, "1:tz/fHIDUHs19NkixVVoOZywde+I="],
  // echo reply: the code is ignored (counterpart type is used).
  [1, "192.168.0.1", "192.168.0.89", 0, 20, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="],
  // one-way ICMPv6 from the larger address is NOT flipped: the two directions differ.
  [
    58,
    "3ffe:507:0:1:260:97ff:fe07:69ea",
    "3ffe:507:0:1:200:86ff:fe05:80da",
    3,
    0,
    "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w=",
  ],
  [
    58,
    "3ffe:507:0:1:200:86ff:fe05:80da",
    "3ffe:507:0:1:260:97ff:fe07:69ea",
    3,
    0,
    "1:/OGBt9BN1ofenrmSPWYicpij2Vc=",
  ],
  [132, "192.168.170.8", "192.168.170.56", 7, 80, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ="],
  [132, "192.168.170.56", "192.168.170.8", 80, 7, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ="],
  // pycommunityid issue #3: port ordering must compare numbers, not bytes.
  [6, "10.0.0.1", "10.0.0.2", 10, 11569, "1:SXBGMX1lBOwhhoDrZynfROxnhnM="],
  [46, "10.1.24.4", "10.1.12.1", null, null, "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4="],
  [46, "10.1.12.1", "10.1.24.4", null, null, "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4="],
];

describe("community id v1", () => {
  it.each(README_DEFAULT)("spec README default: proto %i %s -> %s", (...v) => {
    expect(cid(v, 0)).toBe(v[5]);
  });
  it.each(README_SEED1)("spec README seed=1: proto %i %s -> %s", (...v) => {
    expect(cid(v, 1)).toBe(v[5]);
  });
  it.each(BASELINE_DEFLT)("baseline_deflt.json: proto %i %s -> %s", (...v) => {
    expect(cid(v, 0)).toBe(v[5]);
  });
  it.each(BASELINE_SEED1)("baseline_seed1.json: proto %i %s -> %s", (...v) => {
    expect(cid(v, 1)).toBe(v[5]);
  });
  it.each(PYCOMMUNITYID)("pycommunityid: proto %i %s -> %s", (...v) => {
    expect(cid(v, 0)).toBe(v[5]);
  });

  it("port protocols without ports give an empty id (spec: report an empty string)", () => {
    expect(communityIdV1(4, 6, [1], 0, [2], 0, -1, -1, false)).toBe("");
    expect(communityIdV1(4, 46, [1], 0, [2], 0, -1, -1, false)).not.toBe("");
  });
});
