/** wordList writes a list as Intl.ListFormat("en") does, which it stands in for (the oracle here). */
import { wordList } from "../src/word-list";

test.each([0, 1, 2, 3, 5])("%i items: as Intl.ListFormat('en') writes them, with 'and' and with 'or'", (n) => {
  const items = ["Route53", "Google Cloud DNS", "Azure DNS", "rsa-2048", "ed25519"].slice(0, n);
  expect(wordList(items, "and")).toBe(new Intl.ListFormat("en", { type: "conjunction" }).format(items));
  expect(wordList(items, "or")).toBe(new Intl.ListFormat("en", { type: "disjunction" }).format(items));
});
