/**
 * The one tag=value list reader (src/tag-list.ts) and its callers: DKIM key
 * records (RFC 6376 3.2: folding whitespace, names exact, a duplicate refuses
 * the record), DMARC records (RFC 7489 6.4: spaces and tabs, names in any
 * case, a duplicate's first value counts) and the p= check-plan and verify read.
 */
import { parseKeyRecord, publicKeyOf } from "../src/dkim/record";
import { isDmarcRecord, looksLikeDmarc, parseDmarc } from "../src/dmarc/parse";
import { DKIM_TAGS, DMARC_TAGS, parseTagList } from "../src/tag-list";

describe("parseTagList", () => {
  test("items split on ';', whitespace around names and values removed, empty items skipped but counted", () => {
    const list = parseTagList(" v = DKIM1 ;; k=rsa;\tp=AB CD ;", DKIM_TAGS);
    expect(list.tags).toEqual([
      { name: "v", value: "DKIM1", index: 0 },
      { name: "k", value: "rsa", index: 2 },
      { name: "p", value: "AB CD", index: 3 },
    ]);
    expect(list.problems).toEqual([]);
    expect(list.get("p")).toBe("AB CD");
    expect(list.get("x")).toBeUndefined();
  });

  test.each([
    ["DKIM: line breaks are folding whitespace", DKIM_TAGS, "v=DKIM1;\r\n p=A", "p", "A"],
    ["DMARC: a line break is no whitespace, the item is no tag", DMARC_TAGS, "v=DMARC1;\r\n p=none", "p", undefined],
    ["DKIM: names are exact (P is not p)", DKIM_TAGS, "v=DKIM1; P=A", "p", undefined],
    ["DMARC: names in any case, given lower-cased", DMARC_TAGS, "V=DMARC1; P=none", "p", "none"],
    ["a value keeps its '='", DKIM_TAGS, "p=abc=", "p", "abc="],
    ["an empty value", DKIM_TAGS, "v=DKIM1; p=", "p", ""],
  ])("%s", (_, syntax, text, name, value) => {
    expect(parseTagList(text, syntax).get(name)).toBe(value);
  });

  test("every problem, in list order, at most one per item; the first of a duplicate name counts", () => {
    const list = parseTagList("v=1; junk; 9x=2; p=a; p=b; P=c; =d", DKIM_TAGS);
    expect(list.problems).toEqual([
      { kind: "no-equals", text: "junk", index: 1 },
      { kind: "bad-name", name: "9x", text: "9x=2", index: 2 },
      { kind: "duplicate", name: "p", value: "b", first: "a", index: 4 },
      { kind: "bad-name", name: "", text: "=d", index: 6 },
    ]);
    expect(list.tags.map((t) => `${t.name}=${t.value}`)).toEqual(["v=1", "p=a", "P=c"]);
    expect(parseTagList("p=a; P=c", DMARC_TAGS).problems).toEqual([{ kind: "duplicate", name: "p", value: "c", first: "a", index: 1 }]);
  });
});

describe("its callers read the same list", () => {
  test.each([
    ["v=DKIM1; p=AB CD", "ABCD"],
    ["v=DKIM1; p=; p=X", ""],
    ["k=rsa;p\t=\tA\r\n B", "AB"],
    ["v=DKIM1; k=rsa", undefined],
    ["v=DKIM1; P=A", undefined],
    ["v=DMARC1; p=reject", "reject"],
  ])("publicKeyOf(%j) is %j", (value, key) => {
    expect(publicKeyOf(value)).toBe(key);
  });

  test("a DKIM key record refuses the first bad item, with its reason", () => {
    expect(parseKeyRecord("v=DKIM1; junk; p=")).toEqual({ ok: false, reason: "has 'junk' where a tag=value pair belongs" });
    expect(parseKeyRecord("v=DKIM1; 9x=1; p=")).toEqual({ ok: false, reason: "has an invalid tag name '9x'" });
    expect(parseKeyRecord("v=DKIM1; p=; p=")).toEqual({ ok: false, reason: "has the tag 'p=' twice (RFC 6376 3.2 forbids duplicates)" });
    expect(parseKeyRecord("v=DKIM1; p=")).toMatchObject({
      ok: true,
      tags: [
        ["v", "DKIM1"],
        ["p", ""],
      ],
      publicKey: "",
    });
  });

  test("a DMARC record: v=DMARC1 first and exact; each bad item ignored with a problem", () => {
    expect(isDmarcRecord(" V = DMARC1 ; p=none")).toBe(true);
    expect(isDmarcRecord("; v=DMARC1; p=none")).toBe(false);
    expect(isDmarcRecord("v=dmarc1; p=none")).toBe(false);
    expect(parseDmarc("v=DMARC1; p=reject; junk; P=none; v=DMARC1").problems).toEqual([
      '"junk" is not a tag (name=value); ignored',
      "p= appears twice; the first value (reject) is used",
      "v= appears again after the first tag; ignored",
    ]);
    expect(parseDmarc("v=DMARC1; p=reject; x=1").warnings).toEqual(["unknown tag x= is ignored"]);
  });

  test.each([
    ["v=dmarc1; p=none", true],
    ["p=none; v=DMARC1", true],
    ["\nv=DMARC1; p=none", true],
    ["v=DMARC1; p=none", false],
    ["v=spf1 -all", false],
  ])("looksLikeDmarc(%j) is %j", (text, looks) => {
    expect(looksLikeDmarc(text)).toBe(looks);
  });
});
